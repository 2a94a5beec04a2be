/**
 * The job-controller (pkg/controller/job), NonIndexed and Indexed (indexedJob.ts): runs up to `parallelism` pods until
 * `completions` succeeded, replaces failed pods (with the pod failure backoff: 10s doubling, at most 6
 * minutes, on the lab clock) until `backoffLimit` is passed, honours `activeDeadlineSeconds` and `suspend`,
 * and reports counts, start and completion times and the conditions kubectl waits for
 * (SuccessCriteriaMet + Complete, FailureTarget + Failed).
 */
import type { KubeObject, WatchEvent } from "../KubeStorage.js";
import { jsonEqual, rfc3339 } from "../apiserver/index.js";
import { keyOf, ownerKeysFor, type Controller, type ObjectKey } from "./reconciler.js";
import { ControllerClient, controllerOf, errorText } from "./client.js";
import { finishedAt, isPodActive, isPodReady, phaseOf, podFromTemplate, restartCount, deletionOrder } from "./pods.js";
import { specOf, statusOf, type Condition } from "./deploymentUtil.js";
import { CreateBackoff } from "./backoff.js";
import { formatIndexes, indexedPod, isIndexed, pendingIndexes, succeededIndexes } from "./indexedJob.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === "number" ? v : 0);

const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 360_000;

export interface JobCounts {
  active: KubeObject[];
  ready: number;
  succeeded: number;
  failed: number;
  terminating: number;
  /** Lab-clock ms of the latest pod failure (NaN when none). */
  lastFailure: number;
  /** Indexed jobs: the indexes that succeeded. */
  completedIndexes?: Set<number>;
}

/** Counts over the job's pods; succeeded and failed never go down (pods counted once may be deleted later). */
export function jobCounts(job: KubeObject, pods: KubeObject[]): JobCounts {
  const failedPods = pods.filter((p) => phaseOf(p) === "Failed");
  const active = pods.filter(isPodActive);
  const done = isIndexed(job) ? succeededIndexes(job, pods, num(specOf(job).completions)) : undefined;
  return {
    active,
    ...(done ? { completedIndexes: done } : {}),
    ready: active.filter(isPodReady).length,
    succeeded: done ? done.size : Math.max(num(statusOf(job).succeeded), pods.filter((p) => phaseOf(p) === "Succeeded").length),
    failed: Math.max(num(statusOf(job).failed), failedPods.length),
    terminating: pods.filter((p) => !!p.metadata.deletionTimestamp && phaseOf(p) !== "Succeeded" && phaseOf(p) !== "Failed").length,
    lastFailure: failedPods.reduce((t, p) => (Number.isNaN(t) || finishedAt(p) > t ? finishedAt(p) : t), Number.NaN),
  };
}

export type JobOutcome = { kind: "complete" } | { kind: "failed"; reason: string; message: string } | { kind: "running" };

/** Whether the job is done: enough successes, or past its backoff limit or deadline (lab-clock ms `now`). */
export function jobOutcome(job: KubeObject, c: JobCounts, now: number): JobOutcome {
  const spec = specOf(job);
  const completions = typeof spec.completions === "number" ? spec.completions : undefined;
  if (completions !== undefined ? c.succeeded >= completions : c.succeeded > 0 && c.active.length === 0) return { kind: "complete" };
  const backoffLimit = num(spec.backoffLimit);
  const tmpl = isObj(spec.template) && isObj(spec.template.spec) ? spec.template.spec : {};
  const restarts = c.active.reduce((n, p) => n + restartCount(p), 0);
  const pastOnFailure = tmpl.restartPolicy === "OnFailure" && (backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit);
  if (c.failed > backoffLimit || pastOnFailure) return { kind: "failed", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" };
  const start = Date.parse(String(statusOf(job).startTime ?? ""));
  const ads = spec.activeDeadlineSeconds;
  if (typeof ads === "number" && !Number.isNaN(start) && now - start >= ads * 1000) return { kind: "failed", reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" };
  return { kind: "running" };
}

/** How many pods should run now (NonIndexed): parallelism, capped by the completions still needed. */
export function wantedActive(job: KubeObject, c: JobCounts): number {
  const spec = specOf(job);
  const parallelism = num(spec.parallelism);
  if (typeof spec.completions !== "number") return c.succeeded > 0 ? 0 : parallelism;
  return Math.max(0, Math.min(parallelism, spec.completions - c.succeeded));
}

/** When the next replacement pod may be created after failures (the job's pod failure backoff). */
export function nextCreateAt(c: JobCounts): number {
  if (c.failed === 0 || Number.isNaN(c.lastFailure)) return 0;
  return c.lastFailure + Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (c.failed - 1));
}

const finished = (job: KubeObject) => ((statusOf(job).conditions ?? []) as Condition[]).some((x) => (x.type === "Complete" || x.type === "Failed") && x.status === "True");

function cond(type: string, reason: string, message: string, now: string): Condition {
  return { type, status: "True", lastProbeTime: now, lastTransitionTime: now, reason, message } as Condition;
}

export class JobController implements Controller {
  readonly name = "job-controller";

  private readonly backoff = new CreateBackoff();

  constructor(private readonly client: ControllerClient) {}

  async listKeys(clusterId: string): Promise<ObjectKey[]> {
    return (await this.client.list(clusterId, "jobs")).map((o) => keyOf(clusterId, o));
  }

  keysFor(clusterId: string, e: WatchEvent): ObjectKey[] {
    return ownerKeysFor(clusterId, e, { resource: "jobs", children: "pods", kind: "Job" });
  }

  async sync(k: ObjectKey): Promise<void> {
    const job = await this.client.get(k.clusterId, "jobs", k.namespace, k.name);
    if (!job || job.metadata.deletionTimestamp) return;
    if (finished(job)) return this.expire(k.clusterId, job);
    const pods = (await this.client.list(k.clusterId, "pods", k.namespace)).filter((p) => controllerOf(p)?.uid === job.metadata.uid);
    const nowMs = this.client.now();
    const now = rfc3339(nowMs);
    const st: Obj = structuredClone(statusOf(job));
    let conds = (Array.isArray(st.conditions) ? st.conditions : []) as Condition[];
    const suspended = specOf(job).suspend === true;
    if (!suspended && !st.startTime) st.startTime = now;
    const c = jobCounts({ ...job, status: st }, pods);
    const outcome = jobOutcome({ ...job, status: st }, c, nowMs);
    if (outcome.kind === "running") {
      if (suspended) {
        for (const p of c.active) await this.client.delete(k.clusterId, p);
        if (!conds.some((x) => x.type === "Suspended" && x.status === "True")) conds = [...conds.filter((x) => x.type !== "Suspended"), cond("Suspended", "JobSuspended", "Job suspended", now)];
        c.active = [];
      } else {
        conds = conds.filter((x) => x.type !== "Suspended");
        c.active = await this.manage(k.clusterId, job, c, nowMs);
      }
    } else {
      for (const p of c.active) await this.client.delete(k.clusterId, p);
      c.active = [];
      const [target, last] = outcome.kind === "complete" ? ["SuccessCriteriaMet", "Complete"] : ["FailureTarget", "Failed"];
      const reason = outcome.kind === "complete" ? "CompletionsReached" : outcome.reason;
      const message = outcome.kind === "complete" ? "Reached expected number of succeeded pods" : outcome.message;
      conds = [...conds.filter((x) => x.type !== target && x.type !== last), cond(target, reason, message, now), cond(last, reason, message, now)];
      if (outcome.kind === "complete") st.completionTime = now;
      if (outcome.kind === "complete") await this.client.event(k.clusterId, job, "Normal", "Completed", "Job completed");
      else await this.client.event(k.clusterId, job, "Warning", outcome.reason, outcome.message);
    }
    const next = jobStatus(st, c, conds);
    if (jsonEqual(next, job.status)) return;
    await this.client.updateStatus(k.clusterId, "jobs", { ...job, status: next });
  }

  /** The ttl-after-finished controller: a finished job with ttlSecondsAfterFinished goes (foreground) once it expired. */
  private async expire(clusterId: string, job: KubeObject): Promise<void> {
    const at = expiresAt(job);
    if (at !== undefined && this.client.now() >= at) await this.client.delete(clusterId, job, "Foreground");
  }

  /** Creates the missing pods (after the failure backoff) or removes extra ones; returns the active pods. */
  private async manage(clusterId: string, job: KubeObject, c: JobCounts, now: number): Promise<KubeObject[]> {
    const want = wantedActive(job, c);
    const active = [...c.active];
    if (active.length > want) {
      for (const p of [...active].sort(deletionOrder).slice(0, active.length - want)) {
        await this.client.delete(clusterId, p);
        active.splice(active.indexOf(p), 1);
      }
      return active;
    }
    if (active.length === want || now < nextCreateAt(c) || this.backoff.waiting(job.metadata.uid, now)) return active;
    const template = isObj(specOf(job).template) ? (specOf(job).template as Obj) : {};
    const indexes = c.completedIndexes ? pendingIndexes(num(specOf(job).completions), c.completedIndexes, active, want - active.length) : undefined;
    const toCreate = indexes ? indexes.length : want - active.length;
    for (let i = 0; i < toCreate; i++) {
      try {
        const body = indexes ? indexedPod(job, template, indexes[i]!) : podFromTemplate(job, template);
        const pod = await this.client.create(clusterId, "pods", job.metadata.namespace ?? "default", body);
        active.push(pod);
        await this.client.event(clusterId, job, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`);
      } catch (e) {
        this.backoff.failed(job.metadata.uid, now, errorText(e));
        await this.client.event(clusterId, job, "Warning", "FailedCreate", `Error creating: ${errorText(e)}`);
        return active;
      }
    }
    this.backoff.succeeded(job.metadata.uid);
    return active;
  }
}

/** When a finished job with ttlSecondsAfterFinished may be deleted (lab-clock ms), if it has a TTL. */
export function expiresAt(job: KubeObject): number | undefined {
  const ttl = specOf(job).ttlSecondsAfterFinished;
  if (typeof ttl !== "number") return undefined;
  const done = ((statusOf(job).conditions ?? []) as Condition[]).find((x) => (x.type === "Complete" || x.type === "Failed") && x.status === "True");
  const t = Date.parse(String(statusOf(job).completionTime ?? done?.lastTransitionTime ?? ""));
  return Number.isNaN(t) ? undefined : t + ttl * 1000;
}

/** JobStatus as the controller writes it. */
export function jobStatus(st: Obj, c: JobCounts, conds: Condition[]): Obj {
  const out: Obj = {};
  if (conds.length) out.conditions = conds;
  if (st.startTime) out.startTime = st.startTime;
  if (st.completionTime) out.completionTime = st.completionTime;
  if (c.active.length) out.active = c.active.length;
  if (c.succeeded) out.succeeded = c.succeeded;
  if (c.failed) out.failed = c.failed;
  if (c.completedIndexes?.size) out.completedIndexes = formatIndexes(c.completedIndexes);
  out.terminating = c.terminating;
  out.uncountedTerminatedPods = {};
  out.ready = c.active.filter(isPodReady).length;
  return out;
}

/**
 * The pure half of the deployment controller (pkg/controller/deployment/util): surge and unavailability
 * fenceposts, the rolling update's scale steps, and the status and conditions computed from the replica sets.
 */
import type { KubeObject } from "../KubeStorage.js";
import { POD_TEMPLATE_HASH_LABEL, canonicalJson } from "./podTemplateHash.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === "number" ? v : 0);
export const specOf = (o: KubeObject): Obj => (isObj(o.spec) ? o.spec : {});
export const statusOf = (o: KubeObject): Obj => (isObj(o.status) ? o.status : {});
export const replicasOf = (o: KubeObject): number => num(specOf(o).replicas);

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^[0-9]+%$/.test(v)) {
    const x = (Number(v.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  return 0;
}

export function isRollingUpdate(d: KubeObject): boolean {
  const st = specOf(d).strategy;
  return !isObj(st) || st.type !== "Recreate";
}

/** ResolveFenceposts: surge rounds up, unavailability down; both zero means one may be unavailable. */
export function fenceposts(d: KubeObject): { maxSurge: number; maxUnavailable: number } {
  const st = isObj(specOf(d).strategy) ? (specOf(d).strategy as Obj) : {};
  const ru = isObj(st.rollingUpdate) ? st.rollingUpdate : {};
  const desired = replicasOf(d);
  const maxSurge = scaledValue(ru.maxSurge ?? "25%", desired, true);
  let maxUnavailable = scaledValue(ru.maxUnavailable ?? "25%", desired, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

export function maxUnavailable(d: KubeObject): number {
  if (!isRollingUpdate(d) || replicasOf(d) === 0) return 0;
  return Math.min(fenceposts(d).maxUnavailable, replicasOf(d));
}

export function maxSurge(d: KubeObject): number {
  return isRollingUpdate(d) ? fenceposts(d).maxSurge : 0;
}

/** A template without the pod-template-hash label, as canonical JSON (EqualIgnoreHash compares these). */
export function templateKey(template: unknown): string {
  const t = structuredClone(isObj(template) ? template : {});
  const meta = isObj(t.metadata) ? t.metadata : undefined;
  if (meta && meta.creationTimestamp === null) delete meta.creationTimestamp;
  if (meta && isObj(meta.labels)) {
    delete meta.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(meta.labels).length === 0) delete meta.labels;
  }
  if (meta && Object.keys(meta).length === 0) delete t.metadata;
  return canonicalJson(t);
}

/** FindNewReplicaSet: the oldest replica set whose template equals the deployment's (hash label ignored). */
export function findNewReplicaSet(d: KubeObject, rss: KubeObject[]): KubeObject | undefined {
  const key = templateKey(specOf(d).template);
  return [...rss].sort(byCreation).find((rs) => templateKey(specOf(rs).template) === key);
}

export function byCreation(a: KubeObject, b: KubeObject): number {
  const d = Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp);
  return d !== 0 ? d : a.metadata.name.localeCompare(b.metadata.name);
}

const sum = (rss: KubeObject[], f: (rs: KubeObject) => number) => rss.reduce((n, rs) => n + f(rs), 0);

/** NewRSNewReplicas for a rolling update: how far the new replica set may grow now. */
export function newRSNewReplicas(d: KubeObject, all: KubeObject[], newRS: KubeObject | undefined): number {
  const cur = newRS ? replicasOf(newRS) : 0;
  if (!isRollingUpdate(d)) return replicasOf(d);
  const maxTotal = replicasOf(d) + maxSurge(d);
  const current = sum(all, replicasOf);
  if (current >= maxTotal) return cur;
  const up = Math.min(maxTotal - current, Math.max(0, replicasOf(d) - cur));
  return cur + up;
}

/**
 * How many old pods a rolling update may give up now (reconcileOldReplicaSets + scaleDownOldReplicaSetsForRollingUpdate):
 * never below `replicas - maxUnavailable` available, counting the new replica set's unavailable pods.
 */
export function oldScaleDownBudget(d: KubeObject, all: KubeObject[], newRS: KubeObject | undefined): number {
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newUnavailable = newRS ? replicasOf(newRS) - num(statusOf(newRS).availableReplicas) : 0;
  const maxScaledDown = sum(all, replicasOf) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return 0;
  const available = sum(all, (rs) => num(statusOf(rs).availableReplicas));
  return Math.min(maxScaledDown, Math.max(0, available - minAvailable));
}

/** The scale steps for old replica sets: unavailable pods first (cleanupUnhealthyReplicas), then oldest first. */
export function oldScaleDowns(d: KubeObject, all: KubeObject[], newRS: KubeObject | undefined, old: KubeObject[]): Map<string, number> {
  const out = new Map<string, number>();
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newUnavailable = newRS ? replicasOf(newRS) - num(statusOf(newRS).availableReplicas) : 0;
  let budget = sum(all, replicasOf) - minAvailable - newUnavailable;
  if (budget <= 0) return out;
  const sorted = [...old].filter((rs) => replicasOf(rs) > 0).sort(byCreation);
  for (const rs of sorted) {
    if (budget <= 0) break;
    const unhealthy = replicasOf(rs) - num(statusOf(rs).availableReplicas);
    const cut = Math.min(budget, Math.max(0, unhealthy));
    if (cut > 0) {
      out.set(rs.metadata.name, replicasOf(rs) - cut);
      budget -= cut;
    }
  }
  let avail = oldScaleDownBudget(d, all, newRS);
  for (const rs of sorted) {
    if (avail <= 0) break;
    const now = out.get(rs.metadata.name) ?? replicasOf(rs);
    const cut = Math.min(now, avail);
    if (cut > 0) {
      out.set(rs.metadata.name, now - cut);
      avail -= cut;
    }
  }
  return out;
}

/** SetDeploymentCondition: same status and reason change nothing; same status keeps the transition time. */
export function setCondition(conds: Condition[], c: Condition): Condition[] {
  const cur = conds.find((x) => x.type === c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return conds;
  const next = { ...c };
  if (cur && cur.status === c.status) next.lastTransitionTime = cur.lastTransitionTime;
  return [...conds.filter((x) => x.type !== c.type), next];
}

export function condition(type: string, status: Condition["status"], reason: string, message: string, now: string): Condition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

export interface DeploymentStatusInput {
  d: KubeObject;
  all: KubeObject[];
  newRS: KubeObject | undefined;
  /** RFC 3339, lab clock. */
  now: string;
  nowMs: number;
  /** The new replica set was created by this sync. */
  created: boolean;
}

/** calculateStatus + syncRolloutStatus: counts, Available, Progressing and ReplicaFailure. */
export function deploymentStatus(x: DeploymentStatusInput): Obj {
  const { d, all, newRS, now } = x;
  const old = statusOf(d);
  const available = sum(all, (rs) => num(statusOf(rs).availableReplicas));
  const total = sum(all, (rs) => num(statusOf(rs).replicas));
  const st: Obj = {
    observedGeneration: d.metadata.generation ?? 1,
    replicas: total,
    updatedReplicas: newRS ? num(statusOf(newRS).replicas) : 0,
    readyReplicas: sum(all, (rs) => num(statusOf(rs).readyReplicas)),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
  };
  if (typeof old.collisionCount === "number") st.collisionCount = old.collisionCount;
  let conds = (Array.isArray(old.conditions) ? old.conditions : []) as Condition[];
  conds =
    available >= replicasOf(d) - maxUnavailable(d)
      ? setCondition(conds, condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now))
      : setCondition(conds, condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now));
  conds = progressing(x, conds, st);
  const failure = newRS ? ((statusOf(newRS).conditions ?? []) as Condition[]).find((c) => c.type === "ReplicaFailure" && c.status === "True") : undefined;
  if (failure) conds = setCondition(conds, condition("ReplicaFailure", "True", failure.reason ?? "", failure.message ?? "", now));
  else conds = conds.filter((c) => c.type !== "ReplicaFailure");
  st.conditions = conds;
  for (const k of ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"]) if (st[k] === 0) delete st[k];
  return st;
}

function progressing(x: DeploymentStatusInput, conds: Condition[], st: Obj): Condition[] {
  const { d, newRS, now, nowMs } = x;
  const old = statusOf(d);
  const rsName = newRS?.metadata.name ?? "";
  if (specOf(d).progressDeadlineSeconds === undefined) return conds.filter((c) => c.type !== "Progressing");
  if (x.created) conds = setCondition(conds, condition("Progressing", "True", "NewReplicaSetCreated", `Created new replica set "${rsName}"`, now));
  else if (newRS && !conds.some((c) => c.type === "Progressing")) conds = setCondition(conds, condition("Progressing", "True", "FoundNewReplicaSet", `Found new replica set "${rsName}"`, now));
  const cur = conds.find((c) => c.type === "Progressing");
  // Only one active replica set after a completed rollout: a resync, no progress to estimate.
  if (cur?.reason === "NewReplicaSetAvailable" && num(st.replicas) === num(st.updatedReplicas)) return conds;
  const desired = replicasOf(d);
  const complete = num(st.updatedReplicas) === desired && num(st.replicas) === desired && num(st.availableReplicas) === desired && Number(st.observedGeneration) >= Number(d.metadata.generation ?? 1);
  const oldOld = num(old.replicas) - num(old.updatedReplicas);
  const newOld = num(st.replicas) - num(st.updatedReplicas);
  const moved = num(st.updatedReplicas) > num(old.updatedReplicas) || newOld < oldOld || num(st.readyReplicas) > num(old.readyReplicas) || num(st.availableReplicas) > num(old.availableReplicas);
  if (complete) return setCondition(conds, condition("Progressing", "True", "NewReplicaSetAvailable", `ReplicaSet "${rsName}" has successfully progressed.`, now));
  if (moved) {
    const c = condition("Progressing", "True", "ReplicaSetUpdated", `ReplicaSet "${rsName}" is progressing.`, now);
    if (cur?.status === "True") c.lastTransitionTime = cur.lastTransitionTime;
    return [...conds.filter((y) => y.type !== "Progressing"), c];
  }
  const deadline = Number(specOf(d).progressDeadlineSeconds);
  const since = Date.parse(cur?.lastUpdateTime ?? "");
  if (cur && cur.reason !== "NewReplicaSetAvailable" && !Number.isNaN(since) && since + deadline * 1000 < nowMs) {
    return setCondition(conds, condition("Progressing", "False", "ProgressDeadlineExceeded", `ReplicaSet "${rsName}" has timed out progressing.`, now));
  }
  return conds;
}

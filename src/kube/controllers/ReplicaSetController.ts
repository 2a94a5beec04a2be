/**
 * The replicaset-controller (pkg/controller/replicaset): keeps `spec.replicas` pods of the template running,
 * adopting matching orphans and releasing pods that no longer match, and reports the counts in status.
 * Pods are created through the API server, so admission (ServiceAccount, webhooks) applies to them; a refusal
 * becomes a `FailedCreate` event and the `ReplicaFailure` condition.
 */
import type { KubeObject, WatchEvent } from "../KubeStorage.js";
import { jsonEqual, matchesLabelSelector, type LabelSelectorObject, rfc3339 } from "../apiserver/index.js";
import { keyOf, ownerKeysFor, type Controller, type ObjectKey } from "./reconciler.js";
import { ControllerClient, controllerOf, errorText } from "./client.js";
import { deletionOrder, isPodActive, isPodAvailable, isPodReady, podFromTemplate } from "./pods.js";
import { setCondition, condition, specOf, statusOf, replicasOf, type Condition } from "./deploymentUtil.js";
import { adoptOrRelease } from "./ownership.js";
import { CreateBackoff } from "./backoff.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** At most this many pods are created or deleted in one sync (kube's burstReplicas). */
const BURST = 500;

export interface ReplicaCounts {
  replicas: number;
  fullyLabeledReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

/** calculateStatus's counts over a replica set's active pods. */
export function replicaCounts(rs: KubeObject, pods: KubeObject[], now: number): ReplicaCounts {
  const active = pods.filter(isPodActive);
  const t = isObj(specOf(rs).template) ? (specOf(rs).template as Obj) : {};
  const labels = isObj(t.metadata) && isObj(t.metadata.labels) ? (t.metadata.labels as Record<string, string>) : {};
  const minReady = Number(specOf(rs).minReadySeconds ?? 0);
  return {
    replicas: active.length,
    fullyLabeledReplicas: active.filter((p) => Object.entries(labels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
    readyReplicas: active.filter(isPodReady).length,
    availableReplicas: active.filter((p) => isPodAvailable(p, minReady, now)).length,
  };
}

/** ReplicaSetStatus as the controller writes it (zero counts omitted but `replicas`). */
export function replicaSetStatus(rs: KubeObject, counts: ReplicaCounts, failure: string | undefined, now: string): Obj {
  const st: Obj = { replicas: counts.replicas };
  for (const k of ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"] as const) if (counts[k]) st[k] = counts[k];
  st.observedGeneration = rs.metadata.generation ?? 1;
  let conds = (Array.isArray(statusOf(rs).conditions) ? statusOf(rs).conditions : []) as Condition[];
  if (failure) {
    conds = setCondition(conds, { ...condition("ReplicaFailure", "True", "FailedCreate", failure, now), lastUpdateTime: undefined });
  } else conds = conds.filter((c) => c.type !== "ReplicaFailure");
  if (conds.length) st.conditions = conds.map(({ lastUpdateTime: _u, ...c }) => c);
  return st;
}

export class ReplicaSetController implements Controller {
  readonly name = "replicaset-controller";
  private readonly client: ControllerClient;
  private readonly backoff = new CreateBackoff();

  constructor(client: ControllerClient) {
    this.client = client;
  }

  async listKeys(clusterId: string): Promise<ObjectKey[]> {
    return (await this.client.list(clusterId, "replicasets")).map((o) => keyOf(clusterId, o));
  }

  keysFor(clusterId: string, e: WatchEvent): ObjectKey[] {
    return ownerKeysFor(clusterId, e, { resource: "replicasets", children: "pods", kind: "ReplicaSet" });
  }

  async sync(k: ObjectKey): Promise<void> {
    const rs = await this.client.get(k.clusterId, "replicasets", k.namespace, k.name);
    if (!rs) return;
    const selector = specOf(rs).selector as LabelSelectorObject | undefined;
    const all = await this.client.list(k.clusterId, "pods", k.namespace);
    const pods = await adoptOrRelease(this.client, k.clusterId, rs, all, (p) => matchesLabelSelector(selector, p.metadata.labels));
    let failure: string | undefined;
    if (!rs.metadata.deletionTimestamp) failure = await this.manageWithBackoff(k.clusterId, rs, pods.filter(isPodActive));
    const now = this.client.now();
    const fresh = (await this.client.list(k.clusterId, "pods", k.namespace)).filter((p) => controllerOf(p)?.uid === rs.metadata.uid);
    const status = replicaSetStatus(rs, replicaCounts(rs, fresh, now), failure ?? this.keptFailure(rs, fresh), rfc3339(now));
    if (jsonEqual(status, rs.status)) return;
    await this.client.updateStatus(k.clusterId, "replicasets", { ...rs, status });
  }

  /** A failure stays reported until the replica set has all its pods. */
  private keptFailure(rs: KubeObject, pods: KubeObject[]): string | undefined {
    if (pods.filter(isPodActive).length >= replicasOf(rs)) return undefined;
    const c = ((statusOf(rs).conditions ?? []) as Condition[]).find((x) => x.type === "ReplicaFailure" && x.status === "True");
    return c?.message;
  }

  private async manageWithBackoff(clusterId: string, rs: KubeObject, active: KubeObject[]): Promise<string | undefined> {
    const uid = rs.metadata.uid;
    const now = this.client.now();
    const waiting = this.backoff.waiting(uid, now);
    if (waiting && active.length < replicasOf(rs)) return waiting;
    const failure = await this.manageReplicas(clusterId, rs, active);
    if (failure) this.backoff.failed(uid, now, failure);
    else this.backoff.succeeded(uid);
    return failure;
  }

  /** Creates or deletes pods towards spec.replicas; returns the creation error, if any. */
  private async manageReplicas(clusterId: string, rs: KubeObject, active: KubeObject[]): Promise<string | undefined> {
    const diff = active.length - replicasOf(rs);
    if (diff < 0) {
      const template = isObj(specOf(rs).template) ? (specOf(rs).template as Obj) : {};
      for (let i = 0; i < Math.min(-diff, BURST); i++) {
        let pod: KubeObject;
        try {
          pod = await this.client.create(clusterId, "pods", rs.metadata.namespace ?? "default", podFromTemplate(rs, template));
        } catch (e) {
          const msg = errorText(e);
          await this.client.event(clusterId, rs, "Warning", "FailedCreate", `Error creating: ${msg}`);
          return msg;
        }
        await this.client.event(clusterId, rs, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`);
      }
    } else if (diff > 0) {
      for (const p of [...active].sort(deletionOrder).slice(0, Math.min(diff, BURST))) {
        await this.client.delete(clusterId, p);
        await this.client.event(clusterId, rs, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`);
      }
    }
    return undefined;
  }
}

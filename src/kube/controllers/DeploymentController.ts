/**
 * The deployment-controller (pkg/controller/deployment): one ReplicaSet per pod template, named
 * `<deployment>-<pod-template-hash>`; a template change creates a new one and the rolling update (or
 * Recreate) moves the replicas over within maxSurge/maxUnavailable; old replica sets beyond
 * revisionHistoryLimit are deleted; status and the Available/Progressing conditions follow the replica sets.
 */
import type { KubeObject, WatchEvent } from "../KubeStorage.js";
import { KubeStatusError } from "../KubeStatusError.js";
import { jsonEqual, matchesLabelSelector, type LabelSelectorObject, rfc3339 } from "../apiserver/index.js";
import { keyOf, ownerKeysFor, type Controller, type ObjectKey } from "./reconciler.js";
import { ControllerClient, controllerOf, controllerRef } from "./client.js";
import { adoptOrRelease } from "./ownership.js";
import { POD_TEMPLATE_HASH_LABEL, computeHash } from "./podTemplateHash.js";
import { byCreation, deploymentStatus, findNewReplicaSet, isRollingUpdate, maxSurge, newRSNewReplicas, oldScaleDowns, replicasOf, specOf, statusOf } from "./deploymentUtil.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export const REVISION = "deployment.kubernetes.io/revision";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
const SKIP_COPY = new Set(["kubectl.kubernetes.io/last-applied-configuration", REVISION, "deployment.kubernetes.io/revision-history", DESIRED_REPLICAS, MAX_REPLICAS, "deprecated.deployment.rollback.to"]);

const revisionOf = (o: KubeObject): number => Number(o.metadata.annotations?.[REVISION] ?? 0) || 0;

/** The ReplicaSet a deployment's current template gets (getNewReplicaSet's new object). */
export function newReplicaSet(d: KubeObject, hash: string, replicas: number, revision: number): KubeObject {
  const template = structuredClone(isObj(specOf(d).template) ? (specOf(d).template as Obj) : {});
  const tmeta = isObj(template.metadata) ? template.metadata : (template.metadata = {});
  const labels = { ...(isObj(tmeta.labels) ? (tmeta.labels as Record<string, string>) : {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  tmeta.labels = labels;
  const selector = structuredClone(isObj(specOf(d).selector) ? (specOf(d).selector as Obj) : {});
  selector.matchLabels = { ...(isObj(selector.matchLabels) ? selector.matchLabels : {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!SKIP_COPY.has(k)) annotations[k] = v;
  annotations[DESIRED_REPLICAS] = String(replicasOf(d));
  annotations[MAX_REPLICAS] = String(replicasOf(d) + maxSurge(d));
  annotations[REVISION] = String(revision);
  const spec: Obj = { replicas, selector, template };
  if (specOf(d).minReadySeconds !== undefined) spec.minReadySeconds = specOf(d).minReadySeconds;
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace, labels, annotations, ownerReferences: [controllerRef(d)] } as unknown as KubeObject["metadata"],
    spec,
  };
}

export class DeploymentController implements Controller {
  readonly name = "deployment-controller";

  constructor(private readonly client: ControllerClient) {}

  async listKeys(clusterId: string): Promise<ObjectKey[]> {
    return (await this.client.list(clusterId, "deployments")).map((o) => keyOf(clusterId, o));
  }

  keysFor(clusterId: string, e: WatchEvent): ObjectKey[] {
    return ownerKeysFor(clusterId, e, { resource: "deployments", children: "replicasets", kind: "Deployment" });
  }

  async sync(k: ObjectKey): Promise<void> {
    const d = await this.client.get(k.clusterId, "deployments", k.namespace, k.name);
    if (!d) return;
    const selector = specOf(d).selector as LabelSelectorObject | undefined;
    const candidates = await this.client.list(k.clusterId, "replicasets", k.namespace);
    let owned = await adoptOrRelease(this.client, k.clusterId, d, candidates, (rs) => matchesLabelSelector(selector, rs.metadata.labels));
    let created = false;
    if (!d.metadata.deletionTimestamp && specOf(d).paused !== true) {
      const r = await this.rollout(k.clusterId, d, owned);
      created = r.created;
      owned = (await this.client.list(k.clusterId, "replicasets", k.namespace)).filter((rs) => controllerOf(rs)?.uid === d.metadata.uid);
      await this.cleanup(k.clusterId, d, owned);
    }
    await this.syncStatus(k.clusterId, d, owned, created);
  }

  /** getNewReplicaSet + rolloutRolling / rolloutRecreate. */
  private async rollout(clusterId: string, d: KubeObject, owned: KubeObject[]): Promise<{ created: boolean }> {
    let newRS = findNewReplicaSet(d, owned);
    const old = owned.filter((rs) => rs !== newRS);
    const maxOld = old.reduce((n, rs) => Math.max(n, revisionOf(rs)), 0);
    let created = false;
    if (!newRS) {
      const replicas = isRollingUpdate(d) ? newRSNewReplicas(d, owned, undefined) : old.some((rs) => replicasOf(rs) > 0 || Number(statusOf(rs).replicas ?? 0) > 0) ? 0 : replicasOf(d);
      newRS = await this.createNewReplicaSet(clusterId, d, replicas, maxOld + 1);
      if (!newRS) return { created: false };
      created = true;
    } else {
      newRS = await this.syncRevision(clusterId, d, newRS, maxOld);
    }
    const all = [newRS, ...old];
    if (isRollingUpdate(d)) {
      const target = replicasOf(newRS) > replicasOf(d) ? replicasOf(d) : newRSNewReplicas(d, all, newRS);
      if (target !== replicasOf(newRS)) newRS = await this.scale(clusterId, d, newRS, target);
      for (const [name, n] of oldScaleDowns(d, [newRS, ...old], newRS, old)) {
        const rs = old.find((x) => x.metadata.name === name)!;
        await this.scale(clusterId, d, rs, n);
      }
    } else {
      for (const rs of old) if (replicasOf(rs) > 0) await this.scale(clusterId, d, rs, 0);
      const oldRunning = old.some((rs) => Number(statusOf(rs).replicas ?? 0) > 0);
      if (!oldRunning && replicasOf(newRS) !== replicasOf(d)) await this.scale(clusterId, d, newRS, replicasOf(d));
    }
    return { created };
  }

  private async createNewReplicaSet(clusterId: string, d: KubeObject, replicas: number, revision: number): Promise<KubeObject | undefined> {
    const collision = typeof statusOf(d).collisionCount === "number" ? (statusOf(d).collisionCount as number) : undefined;
    const hash = computeHash(specOf(d).template, collision);
    let rs: KubeObject;
    try {
      rs = await this.client.create(clusterId, "replicasets", d.metadata.namespace ?? "default", newReplicaSet(d, hash, replicas, revision));
    } catch (e) {
      if (!(e instanceof KubeStatusError && e.reason === "AlreadyExists")) throw e;
      // A replica set of that name with another template (or owner): a hash collision, as kube counts it.
      await this.client.updateStatus(clusterId, "deployments", { ...d, status: { ...statusOf(d), collisionCount: (collision ?? 0) + 1 } });
      return undefined;
    }
    if (replicas > 0) await this.client.event(clusterId, d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${rs.metadata.name} from 0 to ${replicas}`);
    await this.setDeploymentRevision(clusterId, d, String(revision));
    return rs;
  }

  /** A template that comes back (rollout undo) makes its replica set the newest revision again. */
  private async syncRevision(clusterId: string, d: KubeObject, rs: KubeObject, maxOld: number): Promise<KubeObject> {
    let out = rs;
    if (revisionOf(rs) <= maxOld) {
      const next = structuredClone(rs);
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [REVISION]: String(maxOld + 1) };
      out = await this.client.update(clusterId, "replicasets", next);
    }
    await this.setDeploymentRevision(clusterId, d, String(revisionOf(out)));
    return out;
  }

  private async setDeploymentRevision(clusterId: string, d: KubeObject, revision: string): Promise<void> {
    if (d.metadata.annotations?.[REVISION] === revision) return;
    const fresh = await this.client.get(clusterId, "deployments", d.metadata.namespace ?? "", d.metadata.name);
    if (!fresh || fresh.metadata.uid !== d.metadata.uid) return;
    fresh.metadata.annotations = { ...(fresh.metadata.annotations ?? {}), [REVISION]: revision };
    const stored = await this.client.updateStatus(clusterId, "deployments", fresh);
    d.metadata.annotations = stored.metadata.annotations;
    d.metadata.resourceVersion = stored.metadata.resourceVersion;
  }

  /** scaleReplicaSetAndRecordEvent. */
  private async scale(clusterId: string, d: KubeObject, rs: KubeObject, to: number): Promise<KubeObject> {
    const from = replicasOf(rs);
    const next = structuredClone(rs);
    (next.spec as Obj).replicas = to;
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [DESIRED_REPLICAS]: String(replicasOf(d)), [MAX_REPLICAS]: String(replicasOf(d) + maxSurge(d)) };
    if (from === to && jsonEqual(next.metadata.annotations, rs.metadata.annotations)) return rs;
    const out = await this.client.update(clusterId, "replicasets", next);
    if (from !== to) await this.client.event(clusterId, d, "Normal", "ScalingReplicaSet", `Scaled ${from < to ? "up" : "down"} replica set ${rs.metadata.name} from ${from} to ${to}`);
    return out;
  }

  /** cleanupDeployment: old, empty replica sets beyond revisionHistoryLimit go, oldest first. */
  private async cleanup(clusterId: string, d: KubeObject, owned: KubeObject[]): Promise<void> {
    const limit = typeof specOf(d).revisionHistoryLimit === "number" ? (specOf(d).revisionHistoryLimit as number) : 10;
    const newRS = findNewReplicaSet(d, owned);
    const old = owned.filter((rs) => rs !== newRS && !rs.metadata.deletionTimestamp).sort(byCreation);
    const extra = old.length - limit;
    if (extra <= 0) return;
    for (const rs of old.slice(0, extra)) {
      if (replicasOf(rs) !== 0 || Number(statusOf(rs).replicas ?? 0) !== 0 || Number(statusOf(rs).observedGeneration ?? 0) < Number(rs.metadata.generation ?? 1)) continue;
      await this.client.delete(clusterId, rs);
    }
  }

  private async syncStatus(clusterId: string, d: KubeObject, owned: KubeObject[], created: boolean): Promise<void> {
    const nowMs = this.client.now();
    const newRS = findNewReplicaSet(d, owned);
    const status = deploymentStatus({ d, all: owned, newRS, now: rfc3339(nowMs), nowMs, created });
    if (jsonEqual(status, d.status)) return;
    try {
      await this.client.updateStatus(clusterId, "deployments", { ...d, status });
    } catch (e) {
      if (!(e instanceof KubeStatusError && e.reason === "Conflict")) throw e;
    }
  }
}

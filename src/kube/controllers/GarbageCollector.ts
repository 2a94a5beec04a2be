/**
 * The garbage collector (pkg/controller/garbagecollector), for one cluster at a time: an object whose owners
 * are all gone is deleted (background); dangling owner references next to live owners are removed; the
 * `orphan` finalizer is honoured by removing the owner's references from its dependents, and
 * `foregroundDeletion` by deleting the blocking dependents first. Either finalizer is removed once done,
 * which lets the API server delete the owner.
 */
import type { KubeObject, WatchEvent } from "../KubeStorage.js";
import { KINDS_FOR_GC, RESOURCES_FOR_GC, findKindResource } from "./resources.js";
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from "../apiserver/index.js";
import type { Controller, ObjectKey } from "./reconciler.js";
import { ControllerClient, ownerReferences, type OwnerReference } from "./client.js";

const finalizersOf = (o: KubeObject): string[] => (Array.isArray(o.metadata.finalizers) ? (o.metadata.finalizers as string[]) : []);
const deleting = (o: KubeObject, f: string) => !!o.metadata.deletionTimestamp && finalizersOf(o).includes(f);

export class GarbageCollector implements Controller {
  readonly name = "garbage-collector-controller";

  constructor(private readonly client: ControllerClient) {}

  listKeys(clusterId: string): Promise<ObjectKey[]> {
    return Promise.resolve([{ clusterId, namespace: "", name: "" }]);
  }

  keysFor(clusterId: string, e: WatchEvent): ObjectKey[] {
    if (e.resource === "events") return [];
    const m = e.object.metadata;
    const relevant = e.type === "DELETED" || !!m.deletionTimestamp || (e.type === "ADDED" && ownerReferences(e.object).length > 0);
    return relevant ? [{ clusterId, namespace: "", name: "" }] : [];
  }

  async sync(k: ObjectKey): Promise<void> {
    const objs: KubeObject[] = [];
    for (const r of RESOURCES_FOR_GC) objs.push(...(await this.client.list(k.clusterId, r)));
    const byUid = new Map(objs.map((o) => [o.metadata.uid, o]));
    const ownerOf = (o: KubeObject, r: OwnerReference) => {
      const x = byUid.get(r.uid);
      return x && x.kind === r.kind && x.metadata.name === r.name && (!x.metadata.namespace || x.metadata.namespace === o.metadata.namespace) ? x : undefined;
    };
    const touched = new Set<string>();
    for (const o of objs) {
      const refs = ownerReferences(o);
      if (refs.length === 0 || o.metadata.deletionTimestamp) continue;
      if (await this.attemptToDelete(k.clusterId, o, refs, ownerOf)) touched.add(o.metadata.uid);
    }
    for (const owner of objs) {
      if (!owner.metadata.deletionTimestamp) continue;
      const dependents = objs.filter((o) => !touched.has(o.metadata.uid) && ownerReferences(o).some((r) => r.uid === owner.metadata.uid));
      if (deleting(owner, ORPHAN_FINALIZER) && dependents.length === 0) await this.removeFinalizer(k.clusterId, owner, ORPHAN_FINALIZER);
      // Dependents seen at the start of this pass still block; the next pass sees them gone.
      const blocking = objs.some((o) => ownerReferences(o).some((r) => r.uid === owner.metadata.uid && r.blockOwnerDeletion === true));
      if (deleting(owner, FOREGROUND_FINALIZER) && !blocking) await this.removeFinalizer(k.clusterId, owner, FOREGROUND_FINALIZER);
    }
  }

  /** attemptToDeleteItem for one dependent; true when it changed something. */
  private async attemptToDelete(clusterId: string, o: KubeObject, refs: OwnerReference[], ownerOf: (o: KubeObject, r: OwnerReference) => KubeObject | undefined): Promise<boolean> {
    // An owner of a kind the lab does not store cannot be looked up: like kube's GC, leave the reference alone.
    const owners = refs.map((r) => ({ r, owner: ownerOf(o, r), unknown: !KINDS_FOR_GC.has(r.kind) }));
    const live = owners.filter((x) => x.owner || x.unknown);
    if (live.length === 0) {
      await this.client.delete(clusterId, o, o.kind === "Pod" ? undefined : "Background");
      return true;
    }
    if (live.some((x) => x.owner && x.r.blockOwnerDeletion === true && deleting(x.owner, FOREGROUND_FINALIZER))) {
      await this.client.delete(clusterId, o, o.kind === "Pod" ? undefined : "Foreground");
      return true;
    }
    const keep = owners.filter((x) => x.unknown || (x.owner && !deleting(x.owner, ORPHAN_FINALIZER))).map((x) => x.r);
    if (keep.length === refs.length) return false;
    const next = structuredClone(o);
    if (keep.length) next.metadata.ownerReferences = keep;
    else delete next.metadata.ownerReferences;
    await this.client.update(clusterId, findKindResource(o.kind), next);
    return true;
  }

  private async removeFinalizer(clusterId: string, o: KubeObject, f: string): Promise<void> {
    const next = structuredClone(o);
    next.metadata.finalizers = finalizersOf(o).filter((x) => x !== f);
    await this.client.update(clusterId, findKindResource(o.kind), next);
  }
}

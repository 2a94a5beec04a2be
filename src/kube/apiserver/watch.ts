/**
 * Watch support: a per-cluster history of recent storage events (kube-apiserver's watch cache), so that
 * a watch from a list's resourceVersion sees every later change; older versions are `410 Expired`.
 */
import type { KubeStorage, WatchEvent } from "../KubeStorage.js";

const HISTORY = 2000;

interface ClusterHistory {
  events: WatchEvent[];
  /** Events at or below this resourceVersion may be missing from `events`. */
  horizon: number;
  listeners: Set<(e: WatchEvent) => void>;
  unsubscribe: () => void;
}

export class WatchHub {
  private readonly clusters = new Map<string, ClusterHistory>();

  constructor(private readonly storage: KubeStorage) {}

  /** Starts recording a cluster's events (idempotent); `currentVersion` sets the horizon. */
  async ensure(clusterId: string): Promise<void> {
    if (this.clusters.has(clusterId)) return;
    const h: ClusterHistory = { events: [], horizon: Number.MAX_SAFE_INTEGER, listeners: new Set(), unsubscribe: () => undefined };
    this.clusters.set(clusterId, h);
    const feed = this.storage.watchFrom(clusterId, (e) => {
      h.events.push(e);
      if (h.events.length > HISTORY) {
        const dropped = h.events.splice(0, h.events.length - HISTORY);
        h.horizon = Math.max(h.horizon, Number(dropped[dropped.length - 1]!.object.metadata.resourceVersion));
      }
      for (const l of h.listeners) l(e);
    });
    h.unsubscribe = feed.unsubscribe;
    const rv = await feed.start;
    // Events recorded before the version was read are newer than the horizon anyway.
    h.horizon = Math.min(h.horizon === Number.MAX_SAFE_INTEGER ? rv : h.horizon, rv);
  }

  /**
   * Subscribes to a cluster's events after `fromRv`: replays recorded ones, then live ones.
   * Returns `undefined` when `fromRv` is older than what was recorded (410 Expired).
   */
  subscribe(clusterId: string, fromRv: number, listener: (e: WatchEvent) => void): (() => void) | undefined {
    const h = this.clusters.get(clusterId);
    if (!h) return undefined;
    if (fromRv < h.horizon) return undefined;
    // Only events after `fromRv`: a replica may deliver an event a client already saw in a list read from the store.
    const after = (e: WatchEvent) => {
      if (Number(e.object.metadata.resourceVersion) > fromRv) listener(e);
    };
    for (const e of h.events) after(e);
    h.listeners.add(after);
    return () => h.listeners.delete(after);
  }

  /** Oldest resourceVersion a watch may start from. */
  horizon(clusterId: string): number {
    return this.clusters.get(clusterId)?.horizon ?? 0;
  }

  forget(clusterId: string): void {
    const h = this.clusters.get(clusterId);
    if (h) {
      h.unsubscribe();
      this.clusters.delete(clusterId);
    }
  }

  close(): void {
    for (const id of [...this.clusters.keys()]) this.forget(id);
  }
}

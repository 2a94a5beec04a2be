/**
 * The controller manager's loop, shared by every controller: one keyed work queue per controller, fed by
 * the clusters' watch events (the fast, edge-triggered half) and by a periodic resync of every object the
 * controller owns (the level-triggered half, which also retries failed syncs). Keys are processed one at a
 * time per controller, so a sync always reads what the previous one wrote.
 */
import { Clusters } from "../Cluster.js";
import type { KubeContext } from "../KubeContext.js";
import type { WatchEvent } from "../KubeStorage.js";
import { KubeStatusError } from "../KubeStatusError.js";
import type { KubeObject } from "../KubeStorage.js";
import { controllerOf } from "./client.js";
import { Leases } from "../../store/index.js";

export interface ObjectKey {
  clusterId: string;
  namespace: string;
  name: string;
}

export interface Controller {
  /** `replicaset-controller`, … (also the event source component). */
  readonly name: string;
  /** Every key of a cluster the controller reconciles (enqueued on each resync). */
  listKeys(clusterId: string): Promise<ObjectKey[]>;
  /** Keys of this controller's objects that a watch event concerns. */
  keysFor(clusterId: string, e: WatchEvent): ObjectKey[];
  sync(key: ObjectKey): Promise<void>;
}

/** An object's work-queue key. */
export function keyOf(clusterId: string, o: KubeObject): ObjectKey {
  return { clusterId, namespace: o.metadata.namespace ?? "", name: o.metadata.name };
}

/**
 * `keysFor` of a controller of `resource` objects that own `children` objects through controller references of
 * `kind`: an event on one of its objects queues that object, an event on a child queues the child's controller.
 */
export function ownerKeysFor(clusterId: string, e: WatchEvent, own: { resource: string; children: string; kind: string }): ObjectKey[] {
  if (e.resource === own.resource) return [keyOf(clusterId, e.object)];
  if (e.resource !== own.children) return [];
  const ref = controllerOf(e.object);
  return ref?.kind === own.kind ? [{ clusterId, namespace: e.object.metadata.namespace ?? "", name: ref.name }] : [];
}

/** How often every object is enqueued again (missed events, lab clock moves, retries). */
const RESYNC_MS = 2000;

const keyString = (k: ObjectKey) => `${k.clusterId}\n${k.namespace}\n${k.name}`;

class Queue {
  private readonly pending = new Map<string, ObjectKey>();
  private running?: Promise<void>;

  constructor(
    private readonly c: Controller,
    private readonly onError: (k: ObjectKey, e: unknown) => void,
    private readonly stopped: () => boolean,
  ) {}

  add(k: ObjectKey): void {
    this.pending.set(keyString(k), k);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  private async drain(): Promise<void> {
    // Let the events of one transaction arrive before syncing.
    await new Promise((r) => setImmediate(r));
    while (this.pending.size && !this.stopped()) {
      const [id, k] = this.pending.entries().next().value as [string, ObjectKey];
      this.pending.delete(id);
      try {
        await this.c.sync(k);
      } catch (e) {
        this.onError(k, e);
      }
    }
  }

  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}

export class Reconciler {
  private readonly queues: Queue[];
  private readonly watches = new Map<string, () => void>();
  private timer?: NodeJS.Timeout;
  private offClock?: () => void;
  private stopped = false;
  private resyncing?: Promise<void>;

  constructor(
    private readonly kube: KubeContext,
    private readonly controllers: Controller[],
  ) {
    this.queues = controllers.map(
      (c) =>
        new Queue(
          c,
          (k, e) => {
            if (this.stopped) return;
            // A write raced another controller's: sync again on what is stored now.
            if (e instanceof KubeStatusError && e.reason === "Conflict") setTimeout(() => this.queues[this.controllers.indexOf(c)]?.add(k), 20).unref();
            else kube.ctx.log.warn(`${c.name}: syncing ${k.namespace}/${k.name}: ${(e as Error).message}`);
          },
          () => this.stopped,
        ),
    );
  }

  /** Replicas on one database: this controller manager reconciles the clusters whose lease (`controllers:<clusterId>`) it holds. */
  private leases?: Leases;

  async start(): Promise<void> {
    if (this.kube.ctx.store.shared) this.leases = new Leases(this.kube.ctx.store, `pid ${process.pid} ${this.kube.ctx.random.uuid()}`, () => void this.resync());
    await this.resync();
    this.timer = setInterval(() => void this.resync(), RESYNC_MS);
    this.timer.unref();
    this.offClock = this.kube.ctx.clock.onChange(() => setImmediate(() => void this.resync()));
  }

  /** Watches every cluster and enqueues every object of every controller. */
  resync(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.resyncing ??= this.resyncInner()
      .catch((e: unknown) => {
        if (!this.stopped) this.kube.ctx.log.warn(`controller-manager: resync failed: ${(e as Error).message}`);
      })
      .finally(() => (this.resyncing = undefined));
    return this.resyncing;
  }

  private async resyncInner(): Promise<void> {
    const ids = new Set((await this.kube.ctx.store.read((tx) => Clusters.all(tx))).map((c) => c.clusterId));
    if (this.leases) {
      const leases = this.leases;
      await leases.want([...ids].map((id) => `controllers:${id}`));
      for (const id of [...ids]) if (!leases.holds(`controllers:${id}`)) ids.delete(id);
    }
    for (const id of ids) if (!this.watches.has(id)) this.watches.set(id, this.kube.storage.watch(id, (e) => this.onEvent(id, e)));
    for (const [id, off] of this.watches) {
      if (ids.has(id)) continue;
      off();
      this.watches.delete(id);
    }
    for (const id of ids) {
      for (let i = 0; i < this.controllers.length; i++) for (const k of await this.controllers[i]!.listKeys(id)) this.queues[i]!.add(k);
    }
  }

  private onEvent(clusterId: string, e: WatchEvent): void {
    if (this.stopped || (this.leases && !this.leases.holds(`controllers:${clusterId}`))) return;
    this.controllers.forEach((c, i) => {
      for (const k of c.keysFor(clusterId, e)) this.queues[i]!.add(k);
    });
  }

  /** Resolves once every queue is empty (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.idle()));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.offClock?.();
    for (const off of this.watches.values()) off();
    this.watches.clear();
    await this.resyncing;
    await this.idle();
    await this.leases?.stop();
  }
}

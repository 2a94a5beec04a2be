import { EventEmitter } from "node:events";
import type { Store, Tx } from "../store/index.js";
import type { LabClock, LabLogger, Random } from "../platform/index.js";
import { KubeErrors } from "./KubeStatusError.js";
import { appendEvent, SharedEventFeeds } from "./eventLog.js";

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generateName?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

/** Any Kubernetes object, as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [k: string]: unknown;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface WatchEvent {
  type: WatchEventType;
  resource: string;
  object: KubeObject;
}

/** A resource a cluster serves: `pods`, `serviceaccounts`, ... and whether it is namespaced. */
export interface ResourceRef {
  resource: string;
  namespaced: boolean;
}

function kindKey(cluster: string, resource: string): string {
  return `kube:${cluster}:${resource}`;
}

function idOf(ns: string | undefined, name: string): string {
  return ns ? `${ns}/${name}` : name;
}

/**
 * The Kubernetes object store for every lab cluster (kube-apiserver's "storage" layer): CRUD with
 * resourceVersion and optimistic concurrency, and watch events emitted after the transaction commits.
 * Callers run inside `write()`, which collects the events of one transaction.
 */
export class KubeStorage {
  private readonly bus = new EventEmitter();
  /** On a store shared by replicas: events are logged in the store and delivered from there (eventLog.ts). */
  private readonly feeds: SharedEventFeeds | undefined;

  constructor(
    readonly store: Store,
    private readonly clock: LabClock,
    private readonly random: Random,
    log: LabLogger = { info: () => undefined, warn: () => undefined },
  ) {
    this.bus.setMaxListeners(0);
    this.feeds = store.shared ? new SharedEventFeeds(store, (cluster, e) => this.bus.emit(cluster, e), log) : undefined;
  }

  private tx(tx: Tx, events: Logged[]): KubeTx {
    return new KubeTx(tx, this.clock, this.random, events, this.feeds ? new Set() : undefined);
  }

  /** Delivers the events of a committed transaction: at once, or through the replicas' feeds. */
  private deliver(events: Logged[]): void {
    if (!this.feeds) return events.forEach((e) => this.bus.emit(e.cluster, e.event));
    for (const cluster of new Set(events.map((e) => e.cluster))) {
      this.feeds.local(
        cluster,
        events.filter((e) => e.cluster === cluster).map((e) => e.event),
      );
    }
  }

  /** Runs a write transaction; its watch events are delivered once it has committed. */
  async write<T>(fn: (tx: KubeTx) => Promise<T>): Promise<T> {
    let events: Logged[] = [];
    // A store may run `fn` more than once (PostgreSQL retries a serialization failure): only the committed run's events count.
    const result = await this.store.write((tx) => fn(this.tx(tx, (events = []))));
    this.deliver(events);
    return result;
  }

  /**
   * A KubeTx inside a transaction someone else opened (an ARM handler's); call `flush()` after that
   * transaction commits to deliver its watch events.
   */
  within(tx: Tx): { ktx: KubeTx; flush: () => void } {
    const events: Logged[] = [];
    return { ktx: this.tx(tx, events), flush: () => this.deliver(events) };
  }

  read<T>(fn: (tx: KubeTx) => Promise<T>): Promise<T> {
    return this.store.read((tx) => fn(this.tx(tx, [])));
  }

  /** Subscribes to every event of one cluster; returns the unsubscribe function. */
  watch(cluster: string, listener: (e: WatchEvent) => void): () => void {
    return this.watchFrom(cluster, listener).unsubscribe;
  }

  /**
   * Subscribes to every event of one cluster; `start` resolves with a resourceVersion after which every event reaches
   * the listener (the cluster's current one, or on a shared store the last its feed delivered).
   */
  watchFrom(cluster: string, listener: (e: WatchEvent) => void): { unsubscribe: () => void; start: Promise<number> } {
    this.bus.on(cluster, listener);
    const start = this.feeds ? this.feeds.open(cluster) : this.read((tx) => tx.currentVersion(cluster)).then(Number);
    const unsubscribe = () => {
      this.bus.off(cluster, listener);
      if (this.bus.listenerCount(cluster) === 0) this.feeds?.close(cluster);
    };
    return { unsubscribe, start };
  }

  /** Stops reading the shared event log (the lab's shutdown). */
  close(): void {
    this.feeds?.stop();
  }
}

type Logged = { cluster: string; event: WatchEvent };

export class KubeTx {
  constructor(
    readonly tx: Tx,
    private readonly clock: LabClock,
    private readonly random: Random,
    private readonly events: Logged[],
    /** On a shared store: the clusters this transaction has notified (events are logged in the store as they happen). */
    private readonly notified?: Set<string>,
  ) {}

  private async record(cluster: string, event: WatchEvent): Promise<void> {
    this.events.push({ cluster, event });
    if (this.notified) await appendEvent(this.tx, cluster, event, this.notified);
  }

  /** The cluster's current resourceVersion (a counter shared by all its objects). */
  async currentVersion(cluster: string): Promise<string> {
    return String((await this.tx.get<number>("kubeRv", cluster)) ?? 1);
  }

  private async nextVersion(cluster: string): Promise<string> {
    const n = ((await this.tx.get<number>("kubeRv", cluster)) ?? 1) + 1;
    await this.tx.put("kubeRv", cluster, n);
    return String(n);
  }

  get(cluster: string, resource: string, ns: string | undefined, name: string): Promise<KubeObject | undefined> {
    return this.tx.get<KubeObject>(kindKey(cluster, resource), idOf(ns, name));
  }

  async list(cluster: string, resource: string, ns?: string): Promise<KubeObject[]> {
    const rows = await this.tx.list<KubeObject>(kindKey(cluster, resource), ns ? { parent: ns } : {});
    return rows.map((r) => r.value);
  }

  /** Stores a new object: sets uid, resourceVersion and creationTimestamp; AlreadyExists when the name is taken. */
  async create(cluster: string, resource: string, obj: KubeObject, group = ""): Promise<KubeObject> {
    const ns = obj.metadata.namespace;
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = obj.metadata.generateName + this.random.hex(3).slice(0, 5);
    if (await this.get(cluster, resource, ns, obj.metadata.name)) throw KubeErrors.alreadyExists(resource, obj.metadata.name, group);
    obj.metadata.uid ||= this.random.uuid();
    obj.metadata.creationTimestamp = new Date(Math.floor(this.clock.now() / 1000) * 1000).toISOString().replace(".000Z", "Z");
    obj.metadata.resourceVersion = await this.nextVersion(cluster);
    await this.tx.put(kindKey(cluster, resource), idOf(ns, obj.metadata.name), obj, ns);
    await this.record(cluster, { type: "ADDED", resource, object: obj });
    return obj;
  }

  /** Replaces an object. With `expectedVersion`, a stale version is a Conflict (optimistic concurrency). */
  async update(cluster: string, resource: string, obj: KubeObject, expectedVersion?: string, group = ""): Promise<KubeObject> {
    const ns = obj.metadata.namespace;
    const current = await this.get(cluster, resource, ns, obj.metadata.name);
    if (!current) throw KubeErrors.notFound(resource, obj.metadata.name, group);
    if (expectedVersion && expectedVersion !== current.metadata.resourceVersion) throw KubeErrors.conflict(resource, obj.metadata.name, group);
    obj.metadata.uid = current.metadata.uid;
    obj.metadata.creationTimestamp = current.metadata.creationTimestamp;
    obj.metadata.resourceVersion = await this.nextVersion(cluster);
    await this.tx.put(kindKey(cluster, resource), idOf(ns, obj.metadata.name), obj, ns);
    await this.record(cluster, { type: "MODIFIED", resource, object: obj });
    return obj;
  }

  async delete(cluster: string, resource: string, ns: string | undefined, name: string, group = ""): Promise<KubeObject> {
    const current = await this.get(cluster, resource, ns, name);
    if (!current) throw KubeErrors.notFound(resource, name, group);
    await this.tx.delete(kindKey(cluster, resource), idOf(ns, name));
    current.metadata.resourceVersion = await this.nextVersion(cluster);
    await this.record(cluster, { type: "DELETED", resource, object: current });
    return current;
  }

  /** Removes every object of a resource in a cluster (cluster deletion). */
  async purge(cluster: string, resource: string): Promise<void> {
    for (const o of await this.list(cluster, resource)) await this.tx.delete(kindKey(cluster, resource), idOf(o.metadata.namespace, o.metadata.name));
  }
}

/**
 * Watch events across replicas (issue 14): on a store other processes write to (PostgreSQL), every Kubernetes
 * write also appends its events to a per-cluster log in the same transaction, keyed by resourceVersion, and
 * notifies `kube-events` with the cluster and the first resourceVersion. Each replica delivers a cluster's events
 * from that log in resourceVersion order: a cluster's resourceVersions are handed out one per event and committed in
 * order (the counter is one row, written at SERIALIZABLE), so the log after the last delivered version is exactly what
 * is still to deliver. A missed notification loses nothing: the next one, a reconnection (`"*"`) or the periodic
 * poll reads the same log.
 */
import type { Store, Tx } from "../store/index.js";
import type { LabLogger } from "../platform/index.js";
import type { WatchEvent } from "./KubeStorage.js";

export const EVENT_KIND = "kubeEvent";
export const EVENTS_TOPIC = "kube-events";
/** Events kept per cluster: a replica further behind than this (a listening connection lost for long) skips ahead. */
export const EVENT_RETENTION = 10_000;
/** How often each replica reads the logs of the clusters it watches even without a notification, ms. */
const POLL_MS = 2_000;
const PAGE = 500;

const rvOf = (e: WatchEvent) => Number(e.object.metadata.resourceVersion);
const idOf = (cluster: string, rv: number) => `${cluster}/${String(rv).padStart(16, "0")}`;

/** Appends one event to its cluster's log (and drops the one that falls out of retention); notifies once per transaction and cluster. */
export async function appendEvent(tx: Tx, cluster: string, event: WatchEvent, notified: Set<string>): Promise<void> {
  const rv = rvOf(event);
  await tx.put(EVENT_KIND, idOf(cluster, rv), event, cluster);
  if (rv - EVENT_RETENTION > 1) await tx.delete(EVENT_KIND, idOf(cluster, rv - EVENT_RETENTION));
  if (notified.has(cluster)) return;
  notified.add(cluster);
  await tx.notify(EVENTS_TOPIC, `${cluster} ${rv}`);
}

/** One cluster's delivery: the last resourceVersion delivered, and one pull or local delivery at a time. */
class ClusterFeed {
  last = 0;
  /** Resolves with the cluster's resourceVersion when the feed started: it delivers every event after it. */
  readonly ready: Promise<number>;
  private chain: Promise<void>;
  /** Set when nobody watches the cluster any more: a start still waiting for the store gives up. */
  closed = false;

  constructor(
    private readonly store: Store,
    private readonly cluster: string,
    private readonly emit: (e: WatchEvent) => void,
    private readonly log: LabLogger,
  ) {
    this.ready = this.start();
    this.chain = this.ready.then(
      () => undefined,
      () => undefined,
    );
  }

  /** The cluster's resourceVersion now, read again every 500 ms while the store is unreachable. */
  private async start(): Promise<number> {
    for (let warned = false; ; warned = true) {
      try {
        return (this.last = (await this.store.read((tx) => tx.get<number>("kubeRv", this.cluster))) ?? 1);
      } catch (err) {
        if (this.closed) throw err;
        if (!warned) this.log.warn(`watch events of cluster ${this.cluster}: the store is unreachable, retrying: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Events this process committed: delivered at once when they follow the last delivered, else read from the log. */
  local(events: WatchEvent[]): void {
    this.enqueue(async () => {
      for (const e of events) {
        const rv = rvOf(e);
        if (rv <= this.last) continue;
        if (rv !== this.last + 1) return this.pull();
        this.last = rv;
        this.emit(e);
      }
    });
  }

  catchUp(): void {
    this.enqueue(() => this.pull());
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain
      .then(() => this.ready)
      .then(step)
      .catch((err: Error) => this.log.warn(`watch events of cluster ${this.cluster} could not be read (retried): ${err.message}`));
  }

  private async pull(): Promise<void> {
    for (;;) {
      const rows = await this.store.read((tx) => tx.list<WatchEvent>(EVENT_KIND, { parent: this.cluster, after: idOf(this.cluster, this.last), limit: PAGE }));
      for (const { value } of rows) {
        const rv = rvOf(value);
        if (rv !== this.last + 1) this.log.warn(`watch events ${this.last + 1}..${rv - 1} of cluster ${this.cluster} fell out of the log's retention before this replica read them`);
        this.last = rv;
        this.emit(value);
      }
      if (rows.length < PAGE) return;
    }
  }
}

/** The feeds of the clusters this process watches, driven by notifications and a periodic poll. */
export class SharedEventFeeds {
  private readonly feeds = new Map<string, ClusterFeed>();
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly emit: (cluster: string, e: WatchEvent) => void,
    private readonly log: LabLogger,
  ) {}

  /** Starts delivering a cluster's events (idempotent); resolves with the last version delivered when it is ready. */
  open(cluster: string): Promise<number> {
    let feed = this.feeds.get(cluster);
    if (!feed) {
      feed = new ClusterFeed(this.store, cluster, (e) => this.emit(cluster, e), this.log);
      this.feeds.set(cluster, feed);
      this.start();
    }
    // Already delivering: a listener added now gets every event after the last one delivered.
    return feed.last > 0 ? Promise.resolve(feed.last) : feed.ready;
  }

  close(cluster: string): void {
    const feed = this.feeds.get(cluster);
    if (feed) feed.closed = true;
    this.feeds.delete(cluster);
    if (this.feeds.size === 0) this.stop();
  }

  local(cluster: string, events: WatchEvent[]): void {
    this.feeds.get(cluster)?.local(events);
  }

  private start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.store.subscribe(EVENTS_TOPIC, (payload) => {
      if (payload === "*") return this.feeds.forEach((f) => f.catchUp());
      this.feeds.get(payload.slice(0, payload.lastIndexOf(" ")))?.catchUp();
    });
    this.timer = setInterval(() => this.feeds.forEach((f) => f.catchUp()), POLL_MS).unref();
  }

  stop(): void {
    for (const f of this.feeds.values()) f.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

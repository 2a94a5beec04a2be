/**
 * Leases on the store (issue 14): work that must run on exactly one replica at a time (the kubelet of each cluster)
 * is done by the holder of its lease. A lease is a record `{holder, renewals}`; its holder renews it every RENEW_MS
 * (one write, SERIALIZABLE, so one of two replicas taking it wins). The others never compare clocks: each notes when
 * it last saw the record change (its own monotonic time, as client-go's leader election does), and takes the lease
 * over once it has not changed for TTL_MS — its holder is gone. A replica that stops releases its leases at once.
 */
import type { Store } from "./Store.js";

const KIND = "lease";
/** How often a holder renews, and every replica looks at the leases it wants. */
export const RENEW_MS = 2_000;
/** A lease not renewed for this long is taken over: a dead holder's work moves within TTL_MS + RENEW_MS. */
export const TTL_MS = 6_000;

export interface LeaseRecord {
  holder: string;
  renewals: number;
  /** Where other replicas reach the holder (`host:port`), for work they must hand to it (a kubelet's logs, exec). */
  endpoint?: string;
}

interface Observed {
  value: string;
  at: number;
}

export class Leases {
  private readonly wanted = new Set<string>();
  private readonly held = new Set<string>();
  private readonly observed = new Map<string, Observed>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    /** This replica's id (unique per process). */
    readonly holder: string,
    /** Called after a round in which this replica gained or lost a lease. */
    private readonly onChange: () => void,
    private readonly monotonic: () => number = () => performance.now(),
    /** Where other replicas reach this one (`host:port`), recorded in the leases it holds. */
    private readonly endpoint?: string,
  ) {}

  /** A lease's record as it is in the store now (its holder may have died since its last renewal). */
  static current(store: Store, name: string): Promise<LeaseRecord | undefined> {
    return store.read((tx) => tx.get<LeaseRecord>(KIND, name));
  }

  holds(name: string): boolean {
    return this.held.has(name);
  }

  /** Sets the leases this replica wants (it keeps trying for them); resolves after one round. */
  want(names: Iterable<string>): Promise<void> {
    this.wanted.clear();
    for (const n of names) this.wanted.add(n);
    this.timer ??= setInterval(() => void this.round(), RENEW_MS).unref();
    return this.round();
  }

  /** One pass over the wanted leases: renew, take free or expired ones, note the others. */
  round(): Promise<void> {
    this.running ??= this.roundInner().finally(() => (this.running = undefined));
    return this.running;
  }

  private async roundInner(): Promise<void> {
    let changed = false;
    for (const name of [...this.held]) {
      if (this.wanted.has(name)) continue;
      await this.release([name]);
      changed = true;
    }
    for (const name of this.wanted) {
      const had = this.held.has(name);
      // The store unreachable: keep what was held (no replica can take it meanwhile, the lease record is there).
      const has = await this.try(name).catch(() => had);
      if (has) this.held.add(name);
      else this.held.delete(name);
      if (has !== had) changed = true;
    }
    if (changed) this.onChange();
  }

  private async try(name: string): Promise<boolean> {
    const now = this.monotonic();
    return this.store.write(async (tx) => {
      const cur = await tx.get<LeaseRecord>(KIND, name);
      const seen = cur ? JSON.stringify(cur) : "";
      const before = this.observed.get(name);
      if (!before || before.value !== seen) this.observed.set(name, { value: seen, at: now });
      const stale = before !== undefined && before.value === seen && now - before.at >= TTL_MS;
      if (cur && cur.holder !== this.holder && !stale) return false;
      const next: LeaseRecord = { holder: this.holder, renewals: cur && cur.holder === this.holder ? cur.renewals + 1 : 0, ...(this.endpoint ? { endpoint: this.endpoint } : {}) };
      await tx.put(KIND, name, next);
      this.observed.set(name, { value: JSON.stringify(next), at: now });
      return true;
    });
  }

  /** Gives leases up (deletes them when this replica holds them), so that another replica takes them at once. */
  async release(names: Iterable<string> = [...this.held]): Promise<void> {
    const list = [...names];
    for (const n of list) this.held.delete(n);
    await this.store.write(async (tx) => {
      for (const n of list) {
        const cur = await tx.get<LeaseRecord>(KIND, n);
        if (cur?.holder === this.holder) await tx.delete(KIND, n);
      }
    });
  }

  /** Stops renewing and releases every lease held. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    await this.release().catch(() => undefined);
  }
}

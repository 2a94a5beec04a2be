/**
 * Writes sign-in records and audit events in groups: a face hands a record over and answers at once; the
 * recorder commits what has gathered in one store transaction shortly after (group commit), so that a request
 * never waits for — or fails because of — its record, and a busy lab pays one commit per group, not per request.
 * Readers call `flush()` before they read (outside any transaction) to see every record handed over so far.
 */
import type { Store } from "../store/index.js";
import type { AuditEventRecord, SignInRecord } from "./records.js";
import { AuditEvents, SignIns } from "./store.js";

export interface RecorderOptions {
  /** How long the first record of a group waits for others, ms (default 20). */
  delayMs?: number;
  /** A group this large is committed at once (default 256). */
  maxPending?: number;
  /** The lab clock (retention is measured on it). */
  now: () => number;
  /** A commit that failed: the records are lost, the lab goes on. */
  onError: (err: Error) => void;
}

export class DiagnosticRecords {
  private signIns: SignInRecord[] = [];
  private audits: { vault: string; record: AuditEventRecord }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private last: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly o: RecorderOptions,
  ) {}

  get pending(): number {
    return this.signIns.length + this.audits.length;
  }

  addSignIn(r: SignInRecord): void {
    this.signIns.push(r);
    this.schedule();
  }

  addAuditEvent(vault: string, r: AuditEventRecord): void {
    this.audits.push({ vault, record: r });
    this.schedule();
  }

  private schedule(): void {
    if (this.closed) {
      this.signIns = [];
      this.audits = [];
      return;
    }
    if (this.pending >= (this.o.maxPending ?? 256)) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.o.delayMs ?? 20);
  }

  /** Commits what is pending; resolves when every record handed over so far is committed (never rejects). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending === 0) return this.last;
    const signIns = this.signIns;
    const audits = this.audits;
    this.signIns = [];
    this.audits = [];
    const now = this.o.now();
    this.last = this.store
      .write(async (tx) => {
        await SignIns.addMany(tx, signIns, now);
        await AuditEvents.addMany(tx, audits, now);
      })
      .catch((err: unknown) => this.o.onError(err instanceof Error ? err : new Error(String(err))));
    return this.last;
  }

  /** Commits what is pending and takes no more (before the store closes). */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }
}

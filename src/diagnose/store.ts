/**
 * Where sign-in records and Key Vault audit events are kept: store records keyed so that ids sort by time
 * (`<createdDateTime>|<id>`), grouped under a parent (the appId for sign-ins, the vault name for audit events),
 * retained 30 days on the lab clock and at most MAX_RECORDS of each kind.
 */
import type { Tx } from "../store/index.js";
import type { AuditEventRecord, SignInRecord } from "./records.js";

export const RETENTION_MS = 30 * 86_400_000;
export const MAX_RECORDS = 10_000;
const SIGN_IN = "diag:signIn";
const AUDIT = "diag:auditEvent";

function key(time: string, id: string): string {
  return `${time}|${id}`;
}

/** One prune removes at most this many records (so a batch of n records prunes up to ⌈n / PRUNE_BATCH⌉ × this many). */
const PRUNE_BATCH = 64;

/**
 * Removes the oldest records while there are more than MAX_RECORDS or they are past retention, at most `max`
 * of them. One count for the whole batch (a count scans every record of the kind), and the oldest records are
 * listed (and parsed) only as far as they can go: the excess over MAX_RECORDS, plus one to check against retention.
 */
async function prune(tx: Tx, kind: string, now: number, max: number): Promise<void> {
  const cutoff = new Date(now - RETENTION_MS).toISOString();
  let n = await tx.count(kind);
  let removed = 0;
  while (removed < max) {
    const old = await tx.list<unknown>(kind, { limit: Math.min(max - removed, Math.max(n - MAX_RECORDS, 0) + 1) });
    if (old.length === 0) return;
    for (const r of old) {
      if (n <= MAX_RECORDS && r.id.split("|")[0]! >= cutoff) return;
      await tx.delete(kind, r.id);
      n--;
      removed++;
    }
  }
}

/** Writes records under their time-sorted keys and parents in one transaction, then prunes (PRUNE_BATCH per PRUNE_BATCH written). */
async function putAll(tx: Tx, kind: string, rows: readonly { key: string; value: unknown; parent: string }[], now: number): Promise<void> {
  if (rows.length === 0) return;
  for (const r of rows) await tx.put(kind, r.key, r.value, r.parent);
  await prune(tx, kind, now, Math.ceil(rows.length / PRUNE_BATCH) * PRUNE_BATCH);
}

const signInRow = (r: SignInRecord) => ({ key: key(r.createdDateTime, r.id), value: r, parent: r.appId.toLowerCase() });
const auditRow = (vault: string, r: AuditEventRecord) => ({ key: key(r.time, r.id), value: r, parent: vault.toLowerCase() });

export interface SignInQuery {
  appId?: string;
  /** ISO times, inclusive. */
  since?: string;
  until?: string;
  errorCode?: number;
  /** Newest first, at most this many. */
  top?: number;
}

export interface AuditQuery {
  vault?: string;
  oid?: string;
  since?: string;
  top?: number;
}

/** Newest first. */
async function newest<T>(tx: Tx, kind: string, parent: string | undefined, keep: (r: T) => boolean, top: number): Promise<T[]> {
  const rows = await tx.list<T>(kind, parent !== undefined ? { parent } : {});
  const out: T[] = [];
  for (let i = rows.length - 1; i >= 0 && out.length < top; i--) if (keep(rows[i]!.value)) out.push(rows[i]!.value);
  return out;
}

export const SignIns = {
  async add(tx: Tx, r: SignInRecord, now: number): Promise<void> {
    await putAll(tx, SIGN_IN, [signInRow(r)], now);
  },
  /** Many records in one transaction, pruned once (the recorder's group commit). */
  async addMany(tx: Tx, rs: readonly SignInRecord[], now: number): Promise<void> {
    await putAll(tx, SIGN_IN, rs.map(signInRow), now);
  },
  list(tx: Tx, q: SignInQuery = {}): Promise<SignInRecord[]> {
    return newest<SignInRecord>(
      tx,
      SIGN_IN,
      q.appId?.toLowerCase(),
      (r) => (q.since === undefined || r.createdDateTime >= q.since) && (q.until === undefined || r.createdDateTime <= q.until) && (q.errorCode === undefined || r.status.errorCode === q.errorCode),
      q.top ?? MAX_RECORDS,
    );
  },
};

export const AuditEvents = {
  async add(tx: Tx, vaultName: string, r: AuditEventRecord, now: number): Promise<void> {
    await putAll(tx, AUDIT, [auditRow(vaultName, r)], now);
  },
  /** Many events in one transaction, pruned once (the recorder's group commit). */
  async addMany(tx: Tx, events: readonly { vault: string; record: AuditEventRecord }[], now: number): Promise<void> {
    await putAll(tx, AUDIT, events.map((e) => auditRow(e.vault, e.record)), now);
  },
  list(tx: Tx, q: AuditQuery = {}): Promise<AuditEventRecord[]> {
    return newest<AuditEventRecord>(
      tx,
      AUDIT,
      q.vault?.toLowerCase(),
      (r) => (q.oid === undefined || r.identity.claim.oid?.toLowerCase() === q.oid.toLowerCase()) && (q.since === undefined || r.time >= q.since),
      q.top ?? MAX_RECORDS,
    );
  },
};

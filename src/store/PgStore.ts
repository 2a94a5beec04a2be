import pg from "pg";
import type { PoolClient } from "pg";
import type { ListOptions, Row, Store, Tx } from "./Store.js";
import { MIGRATIONS, migrationSql } from "./migrations.js";
import { StoreConflictError, StoreUnavailableError, redactStoreUrl } from "./errors.js";
import { NOTIFY_CHANNEL, PgListener } from "./pgListener.js";

/** Attempts of one transaction that PostgreSQL aborted as a serialization failure or deadlock. */
const MAX_ATTEMPTS = 12;
/** Any constant: the advisory lock that lets one process at a time run the migrations. */
const MIGRATION_LOCK = 0x77696c6162;

export interface PgStoreOptions {
  /** Connections in the pool (default 10). */
  max?: number;
}

/** SQLSTATEs worth running the transaction again for: serialization_failure, deadlock_detected. */
function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === "40001" || code === "40P01";
}

/** The connection is gone (refused, reset, server shut down or restarting): the pool opens a new one next time. */
function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : "";
  if (/^(08|57P0)/.test(code) || ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH"].includes(code)) return true;
  const message = typeof e?.message === "string" ? e.message : "";
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(message);
}

/** A `json` value back from the driver (which parses it with JSON.parse, like SQLite's TEXT). */
function fromJson<T>(value: unknown): T {
  return value as T;
}

/** The value as JSON text; `json` keeps it as given (key order, `\u0000`, lone surrogates), as SQLite's TEXT does. */
const toJson = (value: unknown): string => JSON.stringify(value);

/** The Tx of one transaction on one pooled connection. */
function pgTx(client: PoolClient, writable: boolean): Tx {
  const q = (text: string, values: unknown[]) => client.query({ text, values });
  return {
    get: async <T>(kind: string, id: string) => {
      const r = await q("SELECT value FROM objects WHERE kind = $1 AND id = $2", [kind, id]);
      return r.rows.length ? fromJson<T>(r.rows[0].value) : undefined;
    },
    put: async <T>(kind: string, id: string, value: T, parent?: string) => {
      await q(
        "INSERT INTO objects (kind, id, parent, value) VALUES ($1, $2, $3, $4::json) ON CONFLICT (kind, id) DO UPDATE SET parent = excluded.parent, value = excluded.value",
        [kind, id, parent ?? null, toJson(value)],
      );
    },
    insert: async <T>(kind: string, id: string, value: T, parent?: string) => {
      const r = await q("INSERT INTO objects (kind, id, parent, value) VALUES ($1, $2, $3, $4::json) ON CONFLICT (kind, id) DO NOTHING", [kind, id, parent ?? null, toJson(value)]);
      return (r.rowCount ?? 0) > 0;
    },
    delete: async (kind: string, id: string) => ((await q("DELETE FROM objects WHERE kind = $1 AND id = $2", [kind, id])).rowCount ?? 0) > 0,
    list: async <T>(kind: string, o: ListOptions = {}) => {
      const where = ["kind = $1"];
      const args: unknown[] = [kind];
      if (o.parent !== undefined) where.push(`parent = $${args.push(o.parent)}`);
      if (o.after !== undefined) where.push(`id > $${args.push(o.after)}`);
      const limit = o.limit !== undefined ? ` LIMIT $${args.push(o.limit)}` : "";
      const r = await q(`SELECT id, value FROM objects WHERE ${where.join(" AND ")} ORDER BY id${limit}`, args);
      return r.rows.map((row: { id: string; value: unknown }): Row<T> => ({ id: row.id, value: fromJson<T>(row.value) }));
    },
    count: async (kind: string, parent?: string) => {
      const r = parent === undefined
        ? await q("SELECT count(*)::int AS n FROM objects WHERE kind = $1", [kind])
        : await q("SELECT count(*)::int AS n FROM objects WHERE kind = $1 AND parent = $2", [kind, parent]);
      return r.rows[0].n as number;
    },
    deleteChildren: async (kind: string, parent: string) => (await q("DELETE FROM objects WHERE kind = $1 AND parent = $2", [kind, parent])).rowCount ?? 0,
    // Delivered by PostgreSQL at COMMIT, to every listening session (PgListener), this process's included.
    notify: async (topic: string, payload: string) => {
      if (!writable) throw new Error("notify() needs a write transaction");
      await q("SELECT pg_notify($1, $2)", [NOTIFY_CHANNEL, JSON.stringify({ t: topic, p: payload })]);
    },
  };
}

/**
 * PostgreSQL through `pg`'s pool. Records live in one `objects` table (values `json`, which keeps the document as
 * written, key order included, where `jsonb` would re-order keys: see migrations.ts; ids in the byte-wise "C"
 * collation so that ordering and keyset paging match SQLite's).
 *
 * Isolation. A `write` runs at SERIALIZABLE: the faces were written against SQLite, where every transaction runs
 * alone, and they use read-then-write patterns throughout — "get, AlreadyExists if present, put" for creates,
 * "get counter, put counter + 1" for resourceVersions, "count children, refuse over the limit, insert". Row locks
 * (SELECT … FOR UPDATE) cannot lock a row that does not exist yet, and ON CONFLICT covers only the single-row
 * `insert`; SERIALIZABLE makes every such pattern behave as if the transactions ran one after another, across
 * processes too (two labs on one database never hand out the same resourceVersion, and of two same-name creates
 * exactly one wins while the other, retried, sees the winner and answers the face's conflict). The price is
 * serialization failures (40001; deadlocks 40P01): the whole transaction is rolled back and `fn` run again, at most
 * MAX_ATTEMPTS times with a growing pause, so a write `fn` must keep its side effects until the write resolves
 * (KubeStorage delivers watch events after the commit). Within one process writes are queued one at a time, as on
 * SQLite, so failures come only from other processes on the same database and retries stay rare.
 * A `read` runs at REPEATABLE READ, READ ONLY: one consistent snapshot for all its queries, never a serialization
 * failure, concurrent with everything.
 *
 * A write resolves only after COMMIT returned (synchronous_commit is the server's: on by default, i.e. flushed to
 * the WAL). Connection loss rejects the request with a StoreUnavailableError naming the store's URL (without its
 * password); the broken connection is dropped from the pool and the next request opens a new one. A transaction
 * whose connection failed before BEGIN (nothing sent yet), and any read, is tried once more on a fresh connection.
 *
 * `Tx.notify` is PostgreSQL's NOTIFY (sent at COMMIT, on one channel); `subscribe` LISTENs on a connection of its
 * own (pgListener.ts) and tells subscribers to drop their caches whenever it (re)starts listening.
 *
 * Every transaction gets a Tx object of its own. Caches keyed by the Tx (the RBAC grants of src/rbac/decisionCache.ts)
 * therefore keep nothing from one request to the next on PostgreSQL, which is what several processes on one
 * database need while nothing tells one process of another's role-assignment changes.
 */
export class PgStore implements Store {
  private readonly pool: pg.Pool;
  private queue: Promise<unknown> = Promise.resolve();
  private ready: Promise<void> | undefined;
  private readonly listener: PgListener;
  readonly shared = true;
  readonly description: string;

  constructor(readonly url: string, o: PgStoreOptions = {}) {
    this.description = redactStoreUrl(url);
    this.pool = new pg.Pool({ connectionString: url, max: o.max ?? 10, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000, allowExitOnIdle: true });
    // An idle connection that breaks (server restart) emits here; without a listener it would crash the process.
    this.pool.on("error", () => undefined);
    // And a connection that breaks at any other moment (checked out, being returned) must not crash it either: the
    // next query on it fails as a connection error, and the pool drops it.
    this.pool.on("connect", (client) => client.on("error", () => undefined));
    this.listener = new PgListener(url);
  }

  subscribe(topic: string, fn: (payload: string) => void): () => void {
    return this.listener.subscribe(topic, fn);
  }

  /** Connects once and applies the migrations; every transaction waits for it. */
  open(): Promise<void> {
    this.ready ??= this.migrate().catch((err: unknown) => {
      this.ready = undefined; // the next request tries again
      throw isConnectionError(err) ? new StoreUnavailableError(this.description, err) : err;
    });
    return this.ready;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    const onError = () => undefined; // the failing query reports it
    client.on("error", onError);
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)");
      const done = new Set((await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await client.query(migrationSql(m, "postgres"));
        await client.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())", [m.version]);
      }
      await client.query("COMMIT");
      client.off("error", onError);
      client.release();
    } catch (err) {
      client.off("error", onError);
      client.release(err instanceof Error ? err : true);
      throw err;
    }
  }

  /** One transaction on one pooled connection; `began` reports whether BEGIN went through. */
  private async once<T>(mode: "read" | "write", fn: (tx: Tx) => Promise<T>, state: { began: boolean }): Promise<T> {
    state.began = false;
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // A checked-out connection that breaks between two queries emits "error" (the pool listens only to idle ones):
    // without this listener the process would crash; the next query then fails and the connection is dropped.
    const onError = (err: Error) => (broken = err);
    client.on("error", onError);
    try {
      await client.query(mode === "read" ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN ISOLATION LEVEL SERIALIZABLE");
      state.began = true;
      const result = await fn(pgTx(client, mode === "write"));
      await client.query("COMMIT");
      return result;
    } catch (err) {
      if (isConnectionError(err)) broken = err as Error;
      else await client.query("ROLLBACK").catch((e: unknown) => (broken = e instanceof Error ? e : new Error(String(e))));
      throw err;
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  }

  /** Runs a transaction with the retries its failure allows, and turns a lost connection into a StoreUnavailableError. */
  private async run<T>(mode: "read" | "write", fn: (tx: Tx) => Promise<T>): Promise<T> {
    await this.open();
    const state = { began: false };
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(mode, fn, state);
      } catch (err) {
        if (isRetryable(err)) {
          if (attempt < MAX_ATTEMPTS) {
            await new Promise((r) => setTimeout(r, Math.min(2 ** attempt, 100)));
            continue;
          }
          throw new StoreConflictError(this.description, attempt, err);
        }
        if (isConnectionError(err)) {
          if (attempt === 1 && (mode === "read" || !state.began)) continue;
          throw new StoreUnavailableError(this.description, err);
        }
        throw err;
      }
    }
  }

  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.run("read", fn);
  }

  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const next = this.queue.then(
      () => this.run("write", fn),
      () => this.run("write", fn),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.listener.close();
    await this.pool.end();
  }
}

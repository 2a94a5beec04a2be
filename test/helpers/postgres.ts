// A throwaway PostgreSQL 15 server for the tests: `initdb` in a temporary directory and `pg_ctl` on a free
// loopback port, trust authentication on 127.0.0.1 and a Unix socket inside that directory only. As root it runs as
// the `postgres` OS user (initdb refuses root). It never touches another PostgreSQL instance: its own data dir,
// its own port, its own socket directory; stopping it removes the directory.
//
// scripts/run-tests.mjs starts one server for the whole run and passes its URL in WILAB_TEST_PG_URL; each test file
// then makes its own database on it (`testDatabase()`). A test file run alone starts a server of its own.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export const PG_BIN = process.env.WILAB_PG_BIN ?? "/usr/lib/postgresql/15/bin";

export interface PgServer {
  port: number;
  dir: string;
  /** `postgres://postgres@127.0.0.1:PORT/<db>` (trust authentication, no password). */
  url(db?: string): string;
  /** Stops the server but keeps its data (connection-loss tests); `resume()` starts it again on the same port. */
  halt(): void;
  resume(): void;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen({ port: 0, host: "127.0.0.1" }, () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary, as the `postgres` user when this process is root. */
function pgRun(asRoot: boolean, bin: string, args: string[]): { status: number | null; output: string } {
  const [cmd, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", join(PG_BIN, bin), ...args]] : [join(PG_BIN, bin), args];
  const r = spawnSync(cmd, argv, { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

function initDataDir(asRoot: boolean): string {
  if (!existsSync(join(PG_BIN, "initdb"))) {
    throw new Error(`PostgreSQL 15 is not installed (no ${PG_BIN}/initdb): apt-get install postgresql-15 (.ci/run does), or set WILAB_PG_BIN`);
  }
  const dir = mkdtempSync(join(tmpdir(), "wilab-test-pg-"));
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const init = pgRun(asRoot, "initdb", ["-D", join(dir, "data"), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"]);
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.output}`);
  }
  return dir;
}

/** Starts a throwaway server; `stop()` (also run at process exit) shuts it down and removes its directory. */
export async function startPostgres(): Promise<PgServer> {
  const asRoot = process.getuid?.() === 0;
  const dir = initDataDir(asRoot);
  const data = join(dir, "data");
  const stop = () => {
    if (existsSync(join(data, "postmaster.pid"))) pgRun(asRoot, "pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w"]);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stop);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    // Loopback and our own socket directory only; fsync off: a test server's crash safety is not under test.
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 -c shared_buffers=32MB`;
    const r = pgRun(asRoot, "pg_ctl", ["start", "-D", data, "-w", "-t", "60", "-l", join(dir, "server.log"), "-o", options]);
    if (r.status === 0) {
      const ctl = (args: string[]) => {
        const c = pgRun(asRoot, "pg_ctl", args);
        if (c.status !== 0) throw new Error(`pg_ctl ${args[0]} failed: ${c.output}`);
      };
      return {
        port,
        dir,
        url: (db = "postgres") => `postgres://postgres@127.0.0.1:${port}/${db}`,
        halt: () => ctl(["stop", "-D", data, "-m", "fast", "-w"]),
        resume: () => ctl(["start", "-D", data, "-w", "-t", "60", "-l", join(dir, "server.log"), "-o", options]),
        stop: () => {
          process.off("exit", stop);
          stop();
        },
      };
    }
    const log = existsSync(join(dir, "server.log")) ? readFileSync(join(dir, "server.log"), "utf8") : "";
    if (attempt < 5 && /in use|could not bind/i.test(log + r.output)) continue;
    stop();
    throw new Error(`pg_ctl start failed: ${r.output}\n${log}`);
  }
}

let ownServer: Promise<PgServer> | undefined;

/** The server's admin URL: the run's (WILAB_TEST_PG_URL) or one this process starts and stops at exit. */
async function serverUrl(): Promise<string> {
  if (process.env.WILAB_TEST_PG_URL) return process.env.WILAB_TEST_PG_URL;
  ownServer ??= startPostgres();
  return (await ownServer).url();
}

/** A fresh, empty database of its own on the test server; `drop()` removes it. */
export async function testDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = await serverUrl();
  const name = `wilab_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

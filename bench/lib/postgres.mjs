// A throwaway PostgreSQL 15 server for the scale-out scenario, the way test/helpers/postgres.ts starts one: `initdb`
// in a temporary directory of its own and `pg_ctl` on a free loopback port, trust authentication, its Unix socket in
// that directory; as root it runs as the `postgres` OS user (initdb refuses root). Unlike the test helper it keeps
// PostgreSQL's durability defaults (fsync and synchronous_commit on): the lab's SQLite store commits with
// synchronous=FULL, and the two are compared side by side. `stop()` (also run at process exit) stops it with
// `pg_ctl stop -D <its data dir>` and removes the directory; it never touches another PostgreSQL instance.
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export const PG_BIN = process.env.WILAB_PG_BIN ?? "/usr/lib/postgresql/15/bin";

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen({ port: 0, host: "127.0.0.1" }, () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

function pgRun(asRoot, bin, args) {
  const [cmd, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", join(PG_BIN, bin), ...args]] : [join(PG_BIN, bin), args];
  const r = spawnSync(cmd, argv, { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

function initDataDir(asRoot) {
  if (!existsSync(join(PG_BIN, "initdb"))) throw new Error(`PostgreSQL 15 is not installed (no ${PG_BIN}/initdb): apt-get install postgresql-15, or set WILAB_PG_BIN`);
  const dir = mkdtempSync(join(tmpdir(), "wilab-bench-pg-"));
  if (asRoot) {
    const id = (flag) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, id("-u"), id("-g"));
  }
  const init = pgRun(asRoot, "initdb", ["-D", join(dir, "data"), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"]);
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.output}`);
  }
  return dir;
}

/** Starts the server and makes the database `db` on it; resolves with `{ port, url, version, postmasterPid, stop }`. */
export async function startPostgres(db = "wilab_bench") {
  const asRoot = process.getuid?.() === 0;
  const dir = initDataDir(asRoot);
  const data = join(dir, "data");
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.off("exit", stop);
    if (existsSync(join(data, "postmaster.pid"))) pgRun(asRoot, "pg_ctl", ["stop", "-D", data, "-m", "fast", "-w", "-t", "30"]);
    if (existsSync(join(data, "postmaster.pid"))) pgRun(asRoot, "pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w"]);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stop);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=64MB`;
    const r = pgRun(asRoot, "pg_ctl", ["start", "-D", data, "-w", "-t", "60", "-l", join(dir, "server.log"), "-o", options]);
    if (r.status === 0) {
      const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
      try {
        await admin.connect();
        await admin.query(`CREATE DATABASE ${db}`);
        const v = await admin.query("SHOW server_version");
        const postmasterPid = () => Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
        return { port, url: `postgres://postgres@127.0.0.1:${port}/${db}`, version: v.rows[0].server_version, postmasterPid, stop };
      } catch (err) {
        stop();
        throw err;
      } finally {
        await admin.end().catch(() => undefined);
      }
    }
    const log = existsSync(join(dir, "server.log")) ? readFileSync(join(dir, "server.log"), "utf8") : "";
    if (attempt < 5 && /in use|could not bind/i.test(log + r.output)) continue;
    stop();
    throw new Error(`pg_ctl start failed: ${r.output}\n${log}`);
  }
}

// The pieces of the scale-out scenario: `wilab up` processes (the default SQLite store, or replicas on one
// PostgreSQL database) and a real HAProxy (Debian's /usr/sbin/haproxy) in TCP mode in front of them, as
// test/helpers/replicas.ts and docs/scale-out.md start them. Every process is the harness's own child (tracked, so
// that a failed run or Ctrl-C stops it by its pid), on free ports and in temporary directories of its own.
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { ROOT, track, stop, waitForLine, https } from "./util.mjs";

export const HAPROXY = process.env.WILAB_HAPROXY ?? "/usr/sbin/haproxy";
const WILAB = join(ROOT, "bin/wilab");

/**
 * `wilab up --port 0` on `dataDir` (`--store` and each `--public-port` when given). Resolves once its ready line is out,
 * with `{ child, pid, port, info, stop }`; `info` is what the workload set-up needs (from the data dir's endpoints.json).
 */
export async function wilabUp(dataDir, { store, publicPorts = [] } = {}) {
  mkdirSync(dataDir, { recursive: true });
  const args = [WILAB, "up", "--port", "0", "--data-dir", dataDir, "--log-level", "warn"];
  if (store) args.push("--store", store);
  for (const p of publicPorts) args.push("--public-port", String(p));
  const env = { ...process.env, WILAB_HOME: dataDir };
  delete env.NODE_OPTIONS;
  delete env.WILAB_STORE;
  const child = track(spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] }));
  const m = await waitForLine(child, /wilab ready on https:\/\/localhost:(\d+)/, 90_000);
  child.stdout.resume();
  child.stderr.resume();
  const port = Number(m[1]);
  const e = JSON.parse(readFileSync(join(dataDir, "endpoints.json"), "utf8"));
  const caCertPath = existsSync(join(dataDir, "ca.crt")) ? join(dataDir, "ca.crt") : e.caCertPath;
  const info = { port, tenantId: e.tenantId, subscriptionId: e.subscriptionId, admin: e.admin, caCertPath };
  return { child, pid: child.pid, port, info, stop: () => stop(child, 10_000) };
}

/**
 * HAProxy in TCP mode on 127.0.0.1:`port` (TLS ends at the replicas), round robin over `backends` with a TCP health
 * check every 250 ms: the configuration of docs/scale-out.md. Checked with `haproxy -c`, then run in the foreground
 * (`-db`) as our child. Resolves once a TLS handshake through it reaches a replica.
 */
export async function startHaproxy(dir, port, backends, ca) {
  if (!existsSync(HAPROXY)) throw new Error(`HAProxy is not installed (no ${HAPROXY}): apt-get install haproxy, or set WILAB_HAPROXY`);
  mkdirSync(dir, { recursive: true });
  const cfg = join(dir, `haproxy-${port}-${backends.length}.cfg`);
  const sock = join(dir, `haproxy-${port}-${backends.length}.sock`);
  // The configuration docs/scale-out.md recommends (src/lab/haproxy.ts; dist exists once bench/run.mjs has built).
  const { haproxyConfig } = await import("../../dist/src/lab/haproxy.js");
  writeFileSync(cfg, haproxyConfig({ bind: `127.0.0.1:${port}`, backends: backends.map((p) => `127.0.0.1:${p}`), statsSocket: sock }));
  const check = spawnSync(HAPROXY, ["-c", "-f", cfg], { encoding: "utf8" });
  if (check.status !== 0) throw new Error(`haproxy -c: ${check.stdout}${check.stderr}`);
  const child = track(spawn(HAPROXY, ["-db", "-f", cfg], { stdio: ["ignore", "ignore", "pipe"] }));
  let err = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d) => (err = (err + d).slice(-2000)));
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}): ${err}`);
    const r = await https({ port, ca, path: "/" }).catch(() => undefined);
    if (r) break;
    if (waited > 20_000) throw new Error(`haproxy on ${port} never answered: ${err}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  // Let the health checks (rise 2, every 250 ms) mark every server up before load is sent.
  await new Promise((res) => setTimeout(res, 1200));
  return { child, pid: child.pid, port, version: haproxyVersion(), sessions: () => serverSessions(sock), stop: () => stop(child) };
}

/** Connections HAProxy has sent to each replica so far (`show stat` on its stats socket: `stot` of each server). */
function serverSessions(sock) {
  return new Promise((resolve, reject) => {
    let out = "";
    const c = connect(sock, () => c.write("show stat\n"));
    c.setEncoding("utf8");
    c.on("data", (d) => (out += d));
    c.on("error", reject);
    c.on("end", () => {
      const head = out.split("\n")[0].replace(/^# /, "").split(",");
      const [px, sv, stot] = ["pxname", "svname", "stot"].map((k) => head.indexOf(k));
      const r = {};
      for (const l of out.split("\n").slice(1)) {
        const f = l.split(",");
        if (f[px] === "replicas" && f[sv] !== "BACKEND") r[f[sv]] = Number(f[stot]);
      }
      resolve(r);
    });
  });
}

export function haproxyVersion() {
  const r = spawnSync(HAPROXY, ["-v"], { encoding: "utf8" });
  return /version (\S+)/.exec(r.stdout ?? "")?.[1] ?? "unknown";
}

// ------------------------------------------------------------------------------------ CPU by process group
const TICK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process in seconds (0 once it is gone), and its parent pid. */
function procStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICK };
  } catch {
    return { ppid: -1, cpu: 0 };
  }
}

/** A process and every descendant (the PostgreSQL postmaster and its backends), from /proc. */
function withDescendants(root) {
  const parent = new Map();
  for (const d of readdirSync("/proc")) if (/^\d+$/.test(d)) parent.set(Number(d), procStat(d).ppid);
  const out = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, pp] of parent) {
      if (out.has(pid) || !out.has(pp)) continue;
      out.add(pid);
      grew = true;
    }
  }
  return [...out];
}

/** Busy seconds of the whole machine (every core) from /proc/stat. */
function machineBusy() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - f[3] - f[4]) / TICK;
}

/**
 * CPU used by groups of processes over a window, in cores (CPU seconds ÷ wall seconds). `groups`: name → a function
 * giving the root pids (descendants included). `stop()` resolves with { [name]: cores, machine: cores, seconds }.
 */
export function cpuWindow(groups) {
  const sample = () => {
    const g = {};
    for (const [name, roots] of Object.entries(groups)) {
      const pids = new Set(roots().flatMap(withDescendants));
      g[name] = new Map([...pids].map((p) => [p, procStat(p).cpu]));
    }
    return { g, machine: machineBusy(), at: process.hrtime.bigint() };
  };
  const a = sample();
  return {
    stop() {
      const b = sample();
      const seconds = Number(b.at - a.at) / 1e9;
      const r = { seconds, machine: (b.machine - a.machine) / seconds };
      for (const name of Object.keys(groups)) {
        let used = 0;
        for (const [pid, cpu] of b.g[name]) used += cpu - (a.g[name].get(pid) ?? 0);
        r[name] = used / seconds;
      }
      return r;
    },
  };
}

// Helpers of the benchmark harness: child processes (stopped by their own pid only), HTTPS calls on loopback,
// wrk runs, and small statistics.
import { spawn, fork, execFileSync } from "node:child_process";
import { request as httpsRequest } from "node:https";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = dirname(BENCH_DIR);

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (!n) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Processes this harness started: stopped one by one, by pid, on exit. */
const children = new Set();

export function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

export function killAll() {
  for (const c of children) {
    try {
      if (c.exitCode === null && c.signalCode === null) process.kill(c.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Every child still running, stopped together by pid (SIGTERM, then SIGKILL after `graceMs`): on Ctrl-C. */
export async function stopAll(graceMs = 3000) {
  await Promise.all([...children].map((c) => stop(c, graceMs)));
}

/** Stops a child by its pid: SIGTERM, then SIGKILL after `graceMs`. */
export async function stop(child, graceMs = 5000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  try {
    process.kill(child.pid, "SIGTERM");
  } catch {
    return;
  }
  const t = setTimeout(() => {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      // gone
    }
  }, graceMs);
  await exited;
  clearTimeout(t);
}

/** Waits until a child prints a line matching `re` on stdout; resolves with the match. */
export function waitForLine(child, re, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    let buf = "";
    let err = "";
    const t = setTimeout(() => done(new Error(`timed out waiting for ${re} (stderr: ${err.slice(-500)})`)), timeoutMs);
    const onOut = (d) => {
      buf += d;
      const m = re.exec(buf);
      if (m) done(null, m);
    };
    const onErr = (d) => (err += d);
    const onExit = (code) => done(new Error(`exited (${code}) before ${re}; stderr: ${err.slice(-800)}`));
    function done(e, m) {
      clearTimeout(t);
      child.stdout.off("data", onOut);
      child.stderr?.off("data", onErr);
      child.off("exit", onExit);
      if (e) reject(e);
      else resolve(m);
    }
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", onOut);
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", onErr);
    child.once("exit", onExit);
  });
}

/** Forks a Node script with an IPC channel; `call(op, args)` sends a request and resolves with its answer. */
export function forkWithRpc(script, args = [], opts = {}) {
  const child = track(fork(script, args, { stdio: ["ignore", "pipe", "pipe", "ipc"], ...opts }));
  let next = 1;
  const waiting = new Map();
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  child.stdout.resume();
  const ready = new Promise((resolve, reject) => {
    child.on("message", (m) => {
      if (m && m.t === "ready") resolve(m);
      else if (m && m.id && waiting.has(m.id)) {
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        if (m.error) w.reject(new Error(`${m.error}`));
        else w.resolve(m.result);
      }
    });
    child.once("exit", (code) => {
      const e = new Error(`${script} exited (${code}); stderr: ${stderr}`);
      reject(e);
      for (const w of waiting.values()) w.reject(e);
      waiting.clear();
    });
  });
  return {
    child,
    ready,
    stderr: () => stderr,
    call(op, a = {}) {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ id, op, ...a });
      });
    },
  };
}

/** One HTTPS request to 127.0.0.1:port with a chosen Host (and SNI), trusting `ca`. */
export function https({ port, method = "GET", path, host = "localhost", headers = {}, body, ca }) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const h = { host: `${host}:${port}`, ...headers };
    if (data !== undefined) {
      h["content-length"] = Buffer.byteLength(data);
      if (!h["content-type"]) h["content-type"] = typeof body === "string" ? "application/x-www-form-urlencoded" : "application/json";
    }
    const req = httpsRequest({ host: "127.0.0.1", port, method, path, headers: h, servername: host, ca, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => {
        let json;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on("error", reject);
    req.setTimeout(30000, () => req.destroy(new Error(`timeout ${method} ${path}`)));
    if (data !== undefined) req.write(data);
    req.end();
  });
}

export function wrkPath() {
  try {
    return execFileSync("sh", ["-c", "command -v wrk"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Makes sure wrk (Debian's package) is installed; installs it with apt-get when missing and we are root. */
export function ensureWrk(log) {
  let p = wrkPath();
  if (p) return p;
  if (process.getuid?.() !== 0) throw new Error("wrk is not installed: apt-get install -y wrk");
  log("installing wrk (apt-get install -y wrk)");
  try {
    execFileSync("apt-get", ["install", "-y", "wrk"], { stdio: "ignore", timeout: 180000 });
  } catch {
    execFileSync("apt-get", ["update"], { stdio: "ignore", timeout: 180000 });
    execFileSync("apt-get", ["install", "-y", "wrk"], { stdio: "ignore", timeout: 180000 });
  }
  p = wrkPath();
  if (!p) throw new Error("wrk could not be installed");
  return p;
}

export function wrkVersion() {
  try {
    execFileSync("wrk", ["-v"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const out = `${e.stdout ?? ""}${e.stderr ?? ""}`;
    const m = /wrk\s+(\S+)/.exec(out);
    if (m) return m[1];
  }
  return "unknown";
}

/**
 * Runs wrk against `url` (loopback only) and returns its counts and percentiles.
 * `o`: { connections, threads, seconds, method, headers: {k:v}, bodyFile, linesFile, timeoutS }
 */
export function runWrk(url, o) {
  const u = new URL(url);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)) throw new Error(`refusing to load a non-loopback host: ${u.hostname}`);
  const args = ["-t", String(o.threads ?? 1), "-c", String(o.connections ?? 16), "-d", `${o.seconds}s`, "--timeout", `${o.timeoutS ?? 10}s`, "-s", join(BENCH_DIR, "lua", "request.lua"), url];
  const env = { ...process.env, WRK_METHOD: o.method ?? "GET", WRK_HEADERS: Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}`).join("\n") };
  delete env.WRK_BODY_FILE;
  delete env.WRK_LINES_FILE;
  if (o.bodyFile) env.WRK_BODY_FILE = o.bodyFile;
  if (o.linesFile) env.WRK_LINES_FILE = o.linesFile;
  return new Promise((resolve, reject) => {
    const child = track(spawn("wrk", args, { env, stdio: ["ignore", "pipe", "pipe"] }));
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const killer = setTimeout(() => {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }, (o.seconds + 30) * 1000);
    child.on("exit", (code) => {
      clearTimeout(killer);
      const m = /WRKJSON (\{.*\})/.exec(out);
      if (!m) return reject(new Error(`wrk failed (${code}): ${err || out}`));
      const r = JSON.parse(m[1]);
      const seconds = r.durationUs / 1e6;
      const errors = r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout;
      resolve({
        requests: r.requests,
        seconds,
        rps: r.requests / seconds,
        okRps: (r.requests - r.errors.status) / seconds,
        errors,
        errorDetail: r.errors,
        p50Ms: r.latencyUs.p50 / 1000,
        p90Ms: r.latencyUs.p90 / 1000,
        p99Ms: r.latencyUs.p99 / 1000,
        maxMs: r.latencyUs.max / 1000,
        connections: o.connections ?? 16,
      });
    });
  });
}

/** RSS of a process from /proc (bytes). */
export function rssOf(pid) {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(s);
  return m ? Number(m[1]) * 1024 : NaN;
}

export function loadAvg() {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
  } catch {
    return [];
  }
}

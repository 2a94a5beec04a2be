#!/usr/bin/env node
// `npm run bench`: wilab's benchmarks, each beside the ceiling this machine reaches in the same run.
// Writes docs/benchmarks.md and docs/benchmarks.json (with --smoke: a few seconds per scenario, written to
// $TMPDIR/wilab-bench-smoke/ instead, so that a smoke run never replaces the real figures).
//
//   node bench/run.mjs [--smoke] [--only 1,3,7] [--no-build] [--out <dir>]
//
// --only N runs some scenarios; the rows of the others are kept from the benchmarks.json already in the output
// directory (bench/lib/report.mjs merges them). Scenario 9 (scale-out) needs PostgreSQL 15 and HAProxy installed.
//
// Every server (lab, ceiling, peer) is its own process; the load generator is wrk (C, its own process).
// All traffic is on 127.0.0.1; every run is bounded in time; children are stopped by their pid.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { tmpdir, cpus, availableParallelism, totalmem } from "node:os";
import { join } from "node:path";
import { generateKeyPairSync } from "node:crypto";
import { ROOT, BENCH_DIR, sleep, median, percentile, track, killAll, stop, stopAll, waitForLine, forkWithRpc, https, ensureWrk, wrkVersion, runWrk, rssOf, loadAvg } from "./lib/util.mjs";
import { setupWorkload, admissionReview, RG, SA, SECRET } from "./lib/workload.mjs";
import { writeReport } from "./lib/report.mjs";
import { startPostgres, freePort } from "./lib/postgres.mjs";
import { wilabUp, startHaproxy, cpuWindow } from "./lib/scaleout.mjs";

const argv = process.argv.slice(2);
const flag = (n) => argv.includes(n);
const opt = (n) => {
  const i = argv.indexOf(n);
  return i >= 0 ? argv[i + 1] : undefined;
};
const SMOKE = flag("--smoke");
const ONLY = opt("--only") ? new Set(opt("--only").split(",").map((s) => s.trim())) : undefined;
const want = (n) => !ONLY || ONLY.has(String(n));
const OUT = opt("--out") ?? (SMOKE ? join(tmpdir(), "wilab-bench-smoke") : join(ROOT, "docs"));

/** Durations and counts: the full run stays under 10 minutes on 2 cores (scenario 9 about 4 of them); --smoke takes about three. */
const P = SMOKE
  ? { load: 3, warm: 1, rsaSeconds: 2, spawnRuns: 5, cliRuns: 5, connections: 16, big: { identities: 10_000, secrets: 100_000 }, small: { identities: 10, secrets: 10 } }
  : { load: 10, warm: 3, rsaSeconds: 5, spawnRuns: 12, cliRuns: 12, connections: 16, big: { identities: 10_000, secrets: 100_000 }, small: { identities: 10, secrets: 10 } };

const log = (m) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const t0 = Date.now();
const tmp = mkdtempSync(join(tmpdir(), "wilab-bench-"));
const caDir = join(tmp, "ca");
const results = { rows: [], extra: {}, errors: [] };

function cleanup() {
  killAll();
  try {
    rmSync(tmp, { recursive: true, force: true });
  } catch {
    // best effort
  }
}
for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143]]) {
  process.on(sig, async () => {
    // SIGTERM first: a `wilab up` child then removes its /etc/hosts block and closes its store.
    await stopAll(3000).catch(() => undefined);
    cleanup();
    process.exit(code); // the 'exit' handlers run: a PostgreSQL server of scenario 9 is stopped and removed there
  });
}
process.on("exit", killAll);

// ---------------------------------------------------------------------------------------------- preparation
function build() {
  if (flag("--no-build") && existsSync(join(ROOT, "dist/src/index.js"))) return;
  log("building (npx tsc -p .)");
  try {
    execFileSync("npx", ["tsc", "-p", "."], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], timeout: 300_000 });
  } catch (e) {
    // Type errors elsewhere still emit; only a missing dist is fatal.
    log(`tsc reported errors (continuing with the emitted dist): ${String(e.stderr ?? e.message).split("\n").slice(0, 3).join(" | ")}`);
  }
  if (!existsSync(join(ROOT, "dist/src/index.js")) || !existsSync(join(ROOT, "dist/src/platform/signing/worker.js"))) throw new Error("dist is missing: npx tsc -p . failed");
}

function machine() {
  const c = cpus();
  let openssl = "";
  try {
    openssl = process.versions.openssl;
  } catch {
    // ignore
  }
  return {
    cpu: c[0]?.model?.trim() ?? "unknown",
    cores: availableParallelism(),
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    openssl,
    wrk: wrkVersion(),
    date: new Date().toISOString(),
    kernel: (() => {
      try {
        return readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
      } catch {
        return "";
      }
    })(),
    loadAtStart: loadAvg(),
  };
}

/** A lab (bench/lab-server.mjs: startLab in memory) in its own process, with the IPC side channel. */
async function startBenchLab(env = {}, execArgv = []) {
  const rpc = forkWithRpc(join(BENCH_DIR, "lab-server.mjs"), [], { cwd: ROOT, env: { ...process.env, BENCH_CA_DIR: caDir, ...env }, execArgv });
  const ready = await rpc.ready;
  return { rpc, info: ready.info, pid: rpc.child.pid, stop: () => stop(rpc.child) };
}

async function startProcess(script, env = {}, re = /ready (\d+)/) {
  const child = track(spawn(process.execPath, [script], { cwd: ROOT, env: { ...process.env, BENCH_CA_DIR: caDir, ...env }, stdio: ["ignore", "pipe", "pipe"] }));
  const m = await waitForLine(child, re, 60_000);
  child.stdout.resume();
  child.stderr.resume();
  return { child, port: Number(m[1]), match: m };
}

/** wrk: a warm-up run (discarded), then the measured one. */
async function load(url, o) {
  const warm = o.warm ?? P.warm;
  if (warm > 0 && !o.noWarm) await runWrk(url, { ...o, linesFile: o.warmLinesFile ?? o.linesFile, seconds: warm });
  const r = await runWrk(url, { ...o, seconds: o.seconds ?? P.load });
  return r;
}

function row(r) {
  results.rows.push(r);
  const f = (v) => (typeof v === "number" ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)) : String(v));
  log(`#${r.id} ${r.scenario}: wilab ${f(r.wilab)} ${r.unit} | ceiling ${f(r.ceiling)} | ratio ${f(r.ratio)} | ${r.pass === undefined ? "—" : r.pass ? "PASS" : "FAIL"}`);
}

async function scenario(id, fn) {
  if (!String(id).split("+").some(want)) return; // "3+4" runs for --only 3 as well
  const started = Date.now();
  try {
    await fn();
  } catch (err) {
    log(`scenario ${id} failed: ${err.stack ?? err}`);
    results.errors.push({ id, error: String(err.message ?? err) });
    row({ id: String(id), scenario: `scenario ${id}`, wilab: NaN, ceiling: NaN, ratio: NaN, unit: "", target: "", pass: false, error: String(err.message ?? err) });
  }
  results.extra[`durationS_${id}`] = (Date.now() - started) / 1000;
}

// ------------------------------------------------------------------------------------------------ ceilings
async function rsaCeiling() {
  const cores = availableParallelism();
  const runs = await Promise.all(
    Array.from({ length: cores }, async () => {
      const child = track(spawn(process.execPath, [join(BENCH_DIR, "ceilings/rsa-sign.mjs"), String(P.rsaSeconds)], { stdio: ["ignore", "pipe", "inherit"] }));
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      await new Promise((r) => child.once("exit", r));
      return JSON.parse(out);
    }),
  );
  return { rate: runs.reduce((a, r) => a + r.rate, 0), perProcess: runs.map((r) => Math.round(r.rate)), processes: cores };
}

let hello;
async function helloServer() {
  hello ??= await startProcess(join(BENCH_DIR, "ceilings/hello-https.mjs"));
  return hello;
}

// ------------------------------------------------------------------------------------------------ scenarios
const exchangeUrl = (port, w) => `https://127.0.0.1:${port}${w.tokenPath}`;

/** `dur`: { warm, seconds } instead of the run's P.warm and P.load. */
async function measureExchange(lab, w, dur = {}) {
  const bodyFile = join(tmp, `exchange-${lab.pid}.form`);
  writeFileSync(bodyFile, w.exchangeBody);
  return load(exchangeUrl(lab.info.port, w), {
    method: "POST",
    connections: P.connections,
    headers: { Host: `localhost:${lab.info.port}`, "Content-Type": "application/x-www-form-urlencoded" },
    bodyFile,
    ...dur,
  });
}

async function measureSecretGet(lab, w, dur = {}) {
  return load(`https://127.0.0.1:${lab.info.port}/secrets/${SECRET}?api-version=7.4`, {
    connections: P.connections,
    headers: { Host: `${w.vaultHost}:${lab.info.port}`, Authorization: `Bearer ${w.vaultToken}` },
    ...dur,
  });
}

async function s1() {
  const cpuProf = flag("--cpu-prof");
  const lab = await startBenchLab({}, cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${join(tmpdir(), "wilab-bench-prof")}`] : []);
  try {
    const w = await setupWorkload(lab, { vault: false });
    const r = await measureExchange(lab, w);
    const ceiling = await rsaCeiling();
    results.extra.rsaCeiling = ceiling;
    results.extra.exchange = r;
    row({
      id: "1",
      scenario: "federated token exchanges/s (HTTPS token endpoint, cluster SA assertion, c=16)",
      wilab: r.okRps,
      unit: "req/s",
      ceiling: ceiling.rate,
      ceilingLabel: `RSA-2048 crypto.sign/s, ${ceiling.processes} processes`,
      ratio: r.okRps / ceiling.rate,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      errors: r.errors,
      target: "≥ 0.8 of the ceiling; p99 < 25 ms",
      pass: r.okRps / ceiling.rate >= 0.8 && r.p99Ms < 25 && r.errors === 0,
    });
  } finally {
    await lab.stop();
  }
  // The same exchange with the signing pool off (WILAB_SIGNING_THREADS=0: every RS256 signature on the event loop).
  const inline = await startBenchLab({ WILAB_SIGNING_THREADS: "0" });
  try {
    const w = await setupWorkload(inline, { vault: false });
    const r = await measureExchange(inline, w);
    const ceiling = results.extra.rsaCeiling.rate;
    results.extra.exchangeInline = r;
    row({
      id: "1b",
      scenario: "same, signing pool off (WILAB_SIGNING_THREADS=0, inline crypto.sign)",
      wilab: r.okRps,
      unit: "req/s",
      ceiling,
      ceilingLabel: "same ceiling as #1",
      ratio: r.okRps / ceiling,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      errors: r.errors,
      target: "(comparison: before the pool)",
      pass: undefined,
    });
  } finally {
    await inline.stop();
  }
}

async function s2() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = join(tmp, "peer-client.pem");
  writeFileSync(pem, privateKey.export({ type: "pkcs8", format: "pem" }));
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "bench-client", alg: "RS256", use: "sig" };
  const peer = await startProcess(join(BENCH_DIR, "peer/oidc-provider-server.mjs"), { BENCH_CLIENT_JWK: JSON.stringify(jwk) }, /ready (\d+) (\S+)/);
  try {
    const issuer = peer.match[2];
    const aud = issuer; // oidc-provider accepts its issuer (or token endpoint) as the assertion's audience
    // One pre-signed assertion per request (the peer refuses a replayed jti): sized for up to 1,500 req/s.
    const measureCount = Math.ceil(1500 * P.load);
    const warmCount = Math.ceil(1500 * P.warm);
    const signPart = async (count, file) => {
      const child = track(spawn(process.execPath, [join(BENCH_DIR, "peer/sign-assertions.mjs"), pem, "bench-client", aud, String(count), file], { stdio: "inherit" }));
      const code = await new Promise((r) => child.once("exit", r));
      if (code !== 0) throw new Error("sign-assertions failed");
    };
    const half = Math.ceil(measureCount / 2);
    const cores = availableParallelism();
    const parts = cores > 1 ? [half, measureCount - half] : [measureCount];
    await Promise.all([...parts.map((n, i) => signPart(n, join(tmp, `peer-${i}.lines`))), signPart(Math.max(warmCount, 1), join(tmp, "peer-warm.lines"))]);
    const linesFile = join(tmp, "peer.lines");
    writeFileSync(linesFile, parts.map((_, i) => readFileSync(join(tmp, `peer-${i}.lines`), "utf8")).join(""));
    const check = await https({ port: peer.port, ca: readFileSync(join(caDir, "ca.crt")), method: "POST", path: "/token", body: readFileSync(join(tmp, "peer-warm.lines"), "utf8").split("\n")[0] });
    if (check.status !== 200) throw new Error(`oidc-provider exchange: ${check.status} ${check.text}`);
    const r = await load(`https://127.0.0.1:${peer.port}/token`, {
      method: "POST",
      connections: P.connections,
      headers: { Host: `localhost:${peer.port}`, "Content-Type": "application/x-www-form-urlencoded" },
      linesFile,
      warmLinesFile: join(tmp, "peer-warm.lines"),
    });
    const wrapped = r.requests > measureCount;
    results.extra.peer = { ...r, assertions: measureCount, wrapped };
    const ours = results.extra.exchange?.okRps;
    row({
      id: "2",
      scenario: "the same exchange on oidc-provider 9 (client_credentials + private_key_jwt → RS256 JWT access token, HTTPS)",
      wilab: ours ?? NaN,
      unit: "req/s",
      ceiling: r.okRps,
      ceilingLabel: `oidc-provider req/s (p99 ${r.p99Ms.toFixed(1)} ms)`,
      ratio: ours !== undefined ? ours / r.okRps : NaN,
      p50Ms: results.extra.exchange?.p50Ms,
      p99Ms: results.extra.exchange?.p99Ms,
      errors: results.extra.exchange?.errors,
      target: "wilab ≥ 1.5 × the peer",
      pass: ours !== undefined ? ours / r.okRps >= 1.5 && !wrapped : undefined,
      note: wrapped ? "the peer used more assertions than were pre-signed: replays were refused" : r.errors ? `${r.errors} errors at the peer` : undefined,
    });
  } finally {
    await stop(peer.child);
  }
}

async function s3and4() {
  const cpuProf = flag("--cpu-prof");
  const lab = await startBenchLab({}, cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${join(tmpdir(), "wilab-bench-prof34")}`] : []);
  try {
    const w = await setupWorkload(lab, { vault: true });
    if (want(3)) {
      const r = await measureSecretGet(lab, w);
      const h = await helloServer();
      const c = await load(`https://127.0.0.1:${h.port}/`, { connections: P.connections, headers: { Host: `localhost:${h.port}` } });
      results.extra.secretGet = r;
      results.extra.helloGet = c;
      row({
        id: "3",
        scenario: "Key Vault GET /secrets/{name} with a bearer token (RBAC vault, c=16)",
        wilab: r.okRps,
        unit: "req/s",
        ceiling: c.okRps,
        ceilingLabel: `node:https hello-world GET (p99 ${c.p99Ms.toFixed(2)} ms)`,
        ratio: r.okRps / c.okRps,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        errors: r.errors,
        target: "≥ 0.35 of the ceiling; p99 < 5 ms",
        pass: r.okRps / c.okRps >= 0.35 && r.p99Ms < 5 && r.errors === 0,
      });
    }
    if (want(4)) {
      await lab.rpc.call("serviceAccount", { clusterId: w.clusterId, namespace: SA.namespace, name: SA.name, annotations: { "azure.workload.identity/client-id": w.clientId } });
      const body = admissionReview(SA.name);
      const bodyFile = join(tmp, "review.json");
      writeFileSync(bodyFile, body);
      const path = `/webhooks/azure-wi/${w.clusterId}/mutate-v1-pod?timeout=10s`;
      const probe = await https({ port: lab.info.port, ca: w.ca, method: "POST", path, body, headers: { "content-type": "application/json" } });
      if (probe.status !== 200 || !probe.json?.response?.allowed || !probe.json.response.patch) throw new Error(`webhook: ${probe.status} ${probe.text.slice(0, 300)}`);
      const r = await load(`https://127.0.0.1:${lab.info.port}${path}`, {
        method: "POST",
        connections: P.connections,
        headers: { Host: `localhost:${lab.info.port}`, "Content-Type": "application/json" },
        bodyFile,
      });
      const h = await helloServer();
      const c = await load(`https://127.0.0.1:${h.port}/`, { method: "POST", connections: P.connections, headers: { Host: `localhost:${h.port}`, "Content-Type": "application/json" }, bodyFile });
      results.extra.webhook = r;
      results.extra.helloPost = c;
      row({
        id: "4",
        scenario: "AdmissionReview requests/s to the workload identity webhook (lab-hosted, c=16)",
        wilab: r.okRps,
        unit: "req/s",
        ceiling: c.okRps,
        ceilingLabel: `node:https hello-world POST of the same body (p99 ${c.p99Ms.toFixed(2)} ms)`,
        ratio: r.okRps / c.okRps,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        errors: r.errors,
        target: "≥ 0.5 of the ceiling; p99 < 2 ms",
        pass: r.okRps / c.okRps >= 0.5 && r.p99Ms < 2 && r.errors === 0,
      });
    }
  } finally {
    await lab.stop();
  }
}

// ----------------------------------------------------------------------------------- start-up and the CLI
const WILAB = join(ROOT, "bin/wilab");

/** The environment a user has after `eval "$(wilab env)"`: NODE_EXTRA_CA_CERTS is the lab's one-certificate CA. */
function clientEnv(dataDir) {
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: join(dataDir, "ca.crt"), WILAB_HOME: dataDir, WILAB_CONFIG_DIR: join(dataDir, "cli") };
  delete env.NODE_OPTIONS;
  return env;
}

/** Spawns `wilab up` on a data dir and resolves with the ms from spawn to the first 200 (an unauthenticated GET). */
async function upOnce(dataDir, port, keep = false) {
  const env = clientEnv(dataDir);
  const ca = existsSync(join(dataDir, "ca.crt")) ? readFileSync(join(dataDir, "ca.crt")) : undefined;
  const start = process.hrtime.bigint();
  const child = track(spawn(process.execPath, [WILAB, "up", "--port", String(port), "--data-dir", dataDir], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] }));
  const m = await waitForLine(child, /wilab ready on \S+ .*tenant ([0-9a-f-]{36})/, 60_000);
  child.stdout.resume();
  child.stderr.resume();
  const r = await https({ port, ca: ca ?? readFileSync(join(dataDir, "ca.crt")), path: `/${m[1]}/v2.0/.well-known/openid-configuration` });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 200) throw new Error(`first request: ${r.status}`);
  if (keep) return { ms, child, tenantId: m[1] };
  await stop(child);
  return { ms };
}

function timeNode(args, env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = track(spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] }));
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.once("exit", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) reject(new Error(`${args.join(" ")} exited ${code}: ${err}`));
      else resolve({ ms, out });
    });
  });
}

const PORT_UP = 18443 + (process.pid % 1000);
let upDir;

async function s5() {
  upDir = join(tmp, "wilab-home");
  mkdirSync(upDir, { recursive: true });
  // The data dir exists: a first `wilab up` made its CA, keys and SQLite state.
  await upOnce(upDir, PORT_UP);
  const env = clientEnv(upDir);
  const wilab = [];
  const node = [];
  for (let i = 0; i < P.spawnRuns; i++) {
    wilab.push((await upOnce(upDir, PORT_UP)).ms);
    node.push((await timeNode(["-e", "0"], env)).ms);
  }
  const w = median(wilab);
  const n = median(node);
  results.extra.coldStart = { wilabMs: wilab, nodeMs: node, p90WilabMs: percentile(wilab, 90) };
  row({
    id: "5",
    scenario: `\`wilab up\` on an existing data dir, spawn → first 200 (median of ${P.spawnRuns})`,
    wilab: w,
    unit: "ms",
    ceiling: n,
    ceilingLabel: "`node -e 0` spawn → exit (median)",
    ratio: w / n,
    target: "< 300 ms median; report the ratio",
    pass: w < 300,
  });
}

async function s6() {
  if (!upDir) {
    upDir = join(tmp, "wilab-home");
    mkdirSync(upDir, { recursive: true });
  }
  const lab = await upOnce(upDir, PORT_UP, true);
  try {
    await sleep(1000);
    results.extra.idleRssWilabUp = rssOf(lab.child.pid);
    const env = clientEnv(upDir);
    await timeNode([WILAB, "login"], env);
    await timeNode([WILAB, "group", "create", "-n", "rg-cli", "-l", "westeurope"], env);
    await timeNode([WILAB, "identity", "create", "-n", "id-cli", "-g", "rg-cli"], env).catch(() => undefined);
    const args = [WILAB, "identity", "show", "-g", "rg-cli", "-n", "id-cli", "--query", "clientId", "-o", "tsv"];
    const first = await timeNode(args, env);
    if (!/^[0-9a-f-]{36}\s*$/.test(first.out)) throw new Error(`identity show printed ${JSON.stringify(first.out)}`);
    const wilab = [];
    const node = [];
    for (let i = 0; i < P.cliRuns; i++) {
      wilab.push((await timeNode(args, env)).ms);
      node.push((await timeNode(["-e", "0"], env)).ms);
    }
    const w = median(wilab);
    const n = median(node);
    results.extra.cli = { wilabMs: wilab, nodeMs: node };
    row({
      id: "6",
      scenario: `\`wilab identity show -g … -n … --query clientId -o tsv\` wall time (median of ${P.cliRuns})`,
      wilab: w,
      unit: "ms",
      ceiling: n,
      ceilingLabel: "`node -e 0` (median)",
      ratio: w / n,
      target: "< 150 ms median",
      pass: w < 150,
    });
  } finally {
    await stop(lab.child);
  }
}

// ---------------------------------------------------------------------------------------- growth, memory
async function s7and8() {
  const lab = await startBenchLab();
  try {
    await sleep(1000);
    const idle = rssOf(lab.pid);
    results.extra.idleRssLauncher = idle;
    const w = await setupWorkload(lab, { vault: true });
    const seedArgs = { resourceGroup: RG, vault: "kv-bench", issuer: w.issuer };
    const small = await lab.rpc.call("seed", { ...seedArgs, identities: P.small.identities - 1, secrets: P.small.secrets - 1 });
    const ex1 = await measureExchange(lab, w);
    const kv1 = await measureSecretGet(lab, w);
    const seeded = await lab.rpc.call("seed", { ...seedArgs, identities: P.big.identities - P.small.identities, secrets: P.big.secrets - P.small.secrets });
    log(`seeded ${P.big.identities} identities/credentials and ${P.big.secrets} secrets in ${(seeded.ms / 1000).toFixed(1)} s (store API, lab process)`);
    const ex2 = await measureExchange(lab, w);
    const kv2 = await measureSecretGet(lab, w);
    const rssAfter1 = rssOf(lab.pid);
    const ex3 = await measureExchange(lab, w);
    const kv3 = await measureSecretGet(lab, w);
    const rssAfter2 = rssOf(lab.pid);
    results.extra.growth = { small, seeded, ex1, kv1, ex2, kv2, ex3, kv3, rssAfter1, rssAfter2 };
    if (want(7)) {
      row({
        id: "7a",
        scenario: `growth: token exchange with ${P.big.identities.toLocaleString("en")} vs ${P.small.identities} identities/credentials`,
        wilab: ex2.okRps,
        unit: "req/s",
        ceiling: ex1.okRps,
        ceilingLabel: `wilab at ${P.small.identities} identities`,
        ratio: ex2.okRps / ex1.okRps,
        p99Ms: ex2.p99Ms,
        errors: ex2.errors,
        target: "ratio ≥ 0.9",
        pass: ex2.okRps / ex1.okRps >= 0.9 && ex2.errors === 0,
      });
      row({
        id: "7b",
        scenario: `growth: Key Vault GET with ${P.big.secrets.toLocaleString("en")} vs ${P.small.secrets} secrets (and ${P.big.identities.toLocaleString("en")} identities)`,
        wilab: kv2.okRps,
        unit: "req/s",
        ceiling: kv1.okRps,
        ceilingLabel: `wilab at ${P.small.secrets} secrets`,
        ratio: kv2.okRps / kv1.okRps,
        p99Ms: kv2.p99Ms,
        errors: kv2.errors,
        target: "ratio ≥ 0.9",
        pass: kv2.okRps / kv1.okRps >= 0.9 && kv2.errors === 0,
      });
    }
    if (want(8)) {
      const idleUp = results.extra.idleRssWilabUp;
      const idleFig = idleUp ?? idle;
      row({
        id: "8a",
        scenario: `memory: idle RSS (${idleUp ? "`wilab up`, existing data dir" : "bench launcher"}, 1 s after ready)`,
        wilab: idleFig / 2 ** 20,
        unit: "MB",
        ceiling: NaN,
        ceilingLabel: "—",
        ratio: NaN,
        target: "< 120 MB",
        pass: idleFig / 2 ** 20 < 120,
      });
      row({
        id: "8b",
        scenario: `memory: RSS after scenario 7 (run 1 → run 2 of the same load)`,
        wilab: rssAfter2 / 2 ** 20,
        unit: "MB",
        ceiling: rssAfter1 / 2 ** 20,
        ceilingLabel: "RSS after run 1 (MB)",
        ratio: rssAfter2 / rssAfter1,
        target: "no growth across the two runs (≤ 1.10)",
        pass: rssAfter2 / rssAfter1 <= 1.1,
      });
    }
  } finally {
    await lab.stop();
  }
}

// ------------------------------------------------------------------------------------------- 9: scale-out
/** Scenario 9's runs: every setup measured once per round, rounds interleaved; each figure is the median of its rounds. */
const S9 = SMOKE ? { rounds: 1, warm: 1, seconds: 2 } : { rounds: 5, warm: 1, seconds: 3 };
const S9_LOADS = [
  ["exchange", measureExchange],
  ["secretGet", measureSecretGet],
];

/**
 * One load at a setup (`{ port, w, groups, lb }`: a lab, or the balancer in front of labs), with the cores each process
 * group used meanwhile (warm-up included) and, through a balancer, the connections each replica got.
 */
async function measureAt(setup, k, fn, dur) {
  const before = setup.lb ? await setup.lb.sessions() : undefined;
  const cpu = cpuWindow(setup.groups);
  const r = await fn({ info: { port: setup.port }, pid: `s9-${setup.port}` }, setup.w, dur);
  r.cores = cpu.stop();
  if (setup.lb) {
    const after = await setup.lb.sessions();
    r.connectionsPerReplica = Object.fromEntries(Object.entries(after).map(([sv, n]) => [sv, n - (before[sv] ?? 0)]));
  }
  return r;
}

/** Starts the four setups side by side: SQLite (one `wilab up`, direct and behind HAProxy), PostgreSQL (2 replicas; HAProxy over replica 1 alone, and over both). */
async function scaleOutSetups(pgServer, stops) {
  const [lbLite, lbPg1, lbPg2] = [await freePort(), await freePort(), await freePort()];
  const lite = await wilabUp(join(tmp, "up-sqlite"), { publicPorts: [lbLite] });
  stops.push(lite.stop);
  const hs = await startHaproxy(join(tmp, "haproxy"), lbLite, [lite.port], readFileSync(lite.info.caCertPath));
  stops.push(hs.stop);
  // Set up through the balancer, as a team's client would.
  const wLite = await setupWorkload({ info: { ...lite.info, port: lbLite } }, { vault: true });
  const replicas = [];
  for (const i of [1, 2]) {
    const r = await wilabUp(join(tmp, `up-pg-${i}`), { store: pgServer.url, publicPorts: [lbPg1, lbPg2] });
    stops.push(r.stop);
    replicas.push(r);
  }
  const pgCa = readFileSync(replicas[0].info.caCertPath);
  const h1 = await startHaproxy(join(tmp, "haproxy"), lbPg1, [replicas[0].port], pgCa);
  stops.push(h1.stop);
  const h2 = await startHaproxy(join(tmp, "haproxy"), lbPg2, replicas.map((r) => r.port), pgCa);
  stops.push(h2.stop);
  // Through the balancer of replica 1 alone: in local mode a cluster's issuer URL names the port of the replica that
  // answers (docs/scale-out.md), so the federated credential and the service-account token are made at one replica.
  const wPg = await setupWorkload({ info: { ...replicas[0].info, port: lbPg1 } }, { vault: true });
  const postgres = () => [pgServer.postmasterPid()];
  const liteGroups = { lab: () => [lite.pid], haproxy: () => [hs.pid] };
  return {
    versions: { postgres: pgServer.version, haproxy: h2.version },
    setups: {
      sqliteDirect: { port: lite.port, w: wLite, groups: liteGroups },
      sqliteLb: { port: lbLite, w: wLite, groups: liteGroups, lb: hs },
      pg1: { port: lbPg1, w: wPg, groups: { lab: () => [replicas[0].pid], postgres, haproxy: () => [h1.pid] }, lb: h1 },
      pg2: { port: lbPg2, w: wPg, groups: { lab: () => replicas.map((r) => r.pid), postgres, haproxy: () => [h2.pid] }, lb: h2 },
    },
  };
}

/**
 * Token exchanges/s and Key Vault GETs/s on the default SQLite store (one `wilab up`, direct and through HAProxy)
 * and on PostgreSQL through HAProxy with 1 and with 2 `wilab up` replicas on one database, all in this run. The
 * setups run side by side (an idle lab costs next to nothing) so that their runs can be interleaved: this shared
 * machine's load moves more between back-to-back runs than the differences measured.
 */
async function s9() {
  const pgServer = await startPostgres();
  const stops = [];
  try {
    const { setups, versions } = await scaleOutSetups(pgServer, stops);
    const names = Object.keys(setups);
    // One discarded pass: the first load after a set-up runs slower (measured: whichever setup went first lost).
    for (const name of names) for (const [, fn] of S9_LOADS) await fn({ info: { port: setups[name].port }, pid: `s9-${setups[name].port}` }, setups[name].w, { warm: 0, seconds: S9.warm + 1 });
    const samples = Object.fromEntries(names.map((n) => [n, { exchange: [], secretGet: [] }]));
    for (let round = 0; round < S9.rounds; round++) {
      const order = names.map((_, i) => names[(i + round) % names.length]);
      for (const name of order) for (const [k, fn] of S9_LOADS) samples[name][k].push(await measureAt(setups[name], k, fn, { warm: S9.warm, seconds: S9.seconds }));
      log(`scale-out round ${round + 1}/${S9.rounds}: ${order.map((n) => `${n} ${samples[n].exchange.at(-1).okRps.toFixed(0)}/${samples[n].secretGet.at(-1).okRps.toFixed(0)}`).join(", ")} (exchanges/GETs per s)`);
    }
    const m = {};
    for (const name of names) {
      m[name] = {};
      for (const [k] of S9_LOADS) {
        const runs = samples[name][k];
        const mid = median(runs.map((r) => r.okRps));
        // The median run, with every round's req/s, p99 and errors beside it.
        const each = { rounds: runs.map((r) => r.okRps), p99MsRounds: runs.map((r) => r.p99Ms), errorsRounds: runs.map((r) => r.errors) };
        m[name][k] = { ...(runs.find((r) => r.okRps === mid) ?? runs[0]), okRps: mid, ...each, errors: runs.reduce((a, r) => a + r.errors, 0) };
      }
    }
    results.extra.scaleOut = { ...m, ...versions, rounds: S9.rounds, warm: S9.warm, seconds: S9.seconds };
    scaleOutRows(m);
  } finally {
    for (const stopOne of stops.reverse()) await stopOne().catch(() => undefined);
    pgServer.stop();
  }
}

function scaleOutRows(m) {
  const kinds = [
    ["exchange", "token exchanges/s", "a"],
    ["secretGet", "Key Vault GETs/s", "d"],
  ];
  for (const [k, what, first] of kinds) {
    const base = m.sqliteDirect[k];
    const setups = [
      ["sqliteLb", "SQLite, 1 lab, through HAProxy"],
      ["pg1", "PostgreSQL, 1 replica, through HAProxy"],
      ["pg2", "PostgreSQL, 2 replicas, through HAProxy"],
    ];
    setups.forEach(([key, label], i) => {
      const r = m[key][k];
      row({
        id: `9${String.fromCharCode(first.charCodeAt(0) + i)}`,
        scenario: `scale-out: ${what} — ${label} (c=${P.connections})`,
        wilab: r.okRps,
        unit: "req/s",
        ceiling: base.okRps,
        ceilingLabel: `SQLite, 1 lab, direct (p99 ${base.p99Ms.toFixed(2)} ms)`,
        ratio: r.okRps / base.okRps,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        errors: r.errors,
        target: "0 errors; ratio reported (2 cores: no speed-up expected)",
        pass: r.errors === 0,
      });
    });
  }
}

// ------------------------------------------------------------------------------------------------------ main
async function main() {
  build();
  ensureWrk(log);
  const m = machine();
  log(`${m.cpu} × ${m.cores}, Node ${m.node}, wrk ${m.wrk}, load ${m.loadAtStart.join(" ")}${SMOKE ? " — SMOKE run" : ""}`);
  if (want(1) || want(2)) await scenario(1, s1);
  if (want(2)) await scenario(2, s2);
  if (want(3) || want(4)) await scenario("3+4", s3and4);
  if (hello) {
    await stop(hello.child);
    hello = undefined;
  }
  if (want(5)) await scenario(5, s5);
  if (want(6) || want(8)) await scenario(6, s6);
  if (want(7) || want(8)) await scenario("7+8", s7and8);
  if (want(9)) await scenario(9, s9);
  m.loadAtEnd = loadAvg();
  m.totalSeconds = (Date.now() - t0) / 1000;
  // The scenarios this run measured: their rows replace those of the output's benchmarks.json, the others are kept.
  const ran = [1, 2, 3, 4, 5, 6, 7, 8, 9].filter(want);
  const files = writeReport(OUT, { machine: m, smoke: SMOKE, params: P, ran, ...results });
  log(`wrote ${files.join(", ")} in ${m.totalSeconds.toFixed(0)} s`);
}

main()
  .catch((err) => {
    log(`failed: ${err.stack ?? err}`);
    process.exitCode = 1;
  })
  .finally(cleanup);

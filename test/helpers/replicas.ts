// Lab replicas as separate `wilab up` processes on one PostgreSQL database, and a real HAProxy (Debian's package) in
// TCP mode in front of them, for the scale-out tests of issue 14. Everything here is started on free ports and
// temporary directories of its own and stopped by the cleanups the caller runs.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import assert from "node:assert/strict";
import type { Store } from "../../src/store/index.js";
import { KubeStorage, type KubeObject } from "../../src/kube/KubeStorage.js";
import { Clusters, type ClusterRecord } from "../../src/kube/Cluster.js";
import { LabClock, Random } from "../../src/platform/index.js";
import { haproxyConfig } from "../../src/lab/haproxy.js";

const bin = resolve(import.meta.dirname, "../../../bin/wilab");
export const HAPROXY = process.env.WILAB_HAPROXY ?? "/usr/sbin/haproxy";

export type Cleanups = (() => Promise<void> | void)[];

export interface Replica {
  proc: ChildProcess;
  port: number;
  dir: string;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen({ port: 0, host: "127.0.0.1" }, () => {
      const a = s.address();
      s.close(() => res(typeof a === "object" && a ? a.port : 0));
    });
  });
}

/**
 * `wilab up` on the database, with the suite's test CA in its data dir (so that the database's CA is the trusted one).
 * `again`: a replica that died, started again with its data dir on its port (the balancer's configuration names it).
 */
export async function replica(cleanups: Cleanups, store: string, extra: string[] = [], again?: Replica, parent = tmpdir()): Promise<Replica> {
  const caDir = process.env.WILAB_TEST_CA_DIR;
  if (!caDir) throw new Error("WILAB_TEST_CA_DIR is not set: run the tests with scripts/run-tests.mjs");
  const dir = again?.dir ?? mkdtempSync(join(parent, "wilab-replica-"));
  for (const f of ["ca.crt", "ca.key"]) cpSync(join(caDir, f), join(dir, f));
  const args = ["up", "--port", String(again?.port ?? 0), "--data-dir", dir, "--store", store, "--log-level", "warn", ...extra];
  const proc = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  cleanups.push(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  const port = await new Promise<number>((res, rej) => {
    let out = "";
    proc.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /wilab ready on https:\/\/localhost:(\d+)/.exec(out);
      if (m) res(Number(m[1]));
    });
    proc.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    proc.once("exit", (code) => rej(new Error(`wilab up exited with ${code}: ${out}`)));
  });
  return { proc, port, dir };
}

/**
 * HAProxy in TCP mode on `port` (TLS ends at the replicas), round robin over the replicas with a TCP health check every
 * 250 ms (a replica is out after 2 failed checks); a connection refused by a dead replica is dispatched to another.
 */
export async function haproxy(cleanups: Cleanups, port: number, backends: number[]): Promise<void> {
  if (!existsSync(HAPROXY)) throw new Error(`HAProxy is not installed (no ${HAPROXY}): apt-get install haproxy (.ci/run does), or set WILAB_HAPROXY`);
  const dir = mkdtempSync(join(tmpdir(), "wilab-haproxy-"));
  const cfg = join(dir, "haproxy.cfg");
  writeFileSync(cfg, haproxyConfig({ bind: `127.0.0.1:${port}`, backends: backends.map((p) => `127.0.0.1:${p}`) }));
  const check = spawnSync(HAPROXY, ["-c", "-f", cfg], { encoding: "utf8" });
  if (check.status !== 0) throw new Error(`haproxy -c: ${check.stdout}${check.stderr}`);
  const proc = spawn(HAPROXY, ["-db", "-f", cfg], { stdio: ["ignore", "ignore", "pipe"] });
  cleanups.push(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });
  await until("haproxy listens", async () => {
    const r = await fetch(`https://localhost:${port}/`).then(
      (x) => x.status,
      () => undefined,
    );
    return r;
  });
}

/** The pids of processes whose command line holds `marker` (pods a killed replica left behind). */
export function pidsWith(marker: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").includes(marker)) pids.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return pids;
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`never happened: ${what}`);
}

/** A cluster written straight into the database (its record, namespaces and default service accounts), as ARM would. */
export async function clusterIn(store: Store, tenantId: string, subscriptionId: string): Promise<ClusterRecord> {
  const random = new Random();
  const clock = new LabClock();
  const record: ClusterRecord = {
    name: "aks-failover",
    resourceGroup: "rg-kube",
    location: "westeurope",
    id: `/subscriptions/${subscriptionId}/resourceGroups/rg-kube/providers/Microsoft.Kubernetes/connectedClusters/aks-failover`,
    clusterId: random.uuid(),
    tenantId,
    kubernetesVersion: "1.32.3",
    oidcIssuerEnabled: true,
    workloadIdentityEnabled: false,
    adminToken: random.hex(32),
    tags: {},
    createdAt: clock.now(),
    extensionReadyAt: clock.now(),
  };
  await store.write((tx) => Clusters.put(tx, record));
  const kube = new KubeStorage(store, clock, random);
  await kube.write(async (tx) => {
    const meta = (m: Record<string, unknown>) => m as unknown as KubeObject["metadata"];
    await tx.create(record.clusterId, "namespaces", { apiVersion: "v1", kind: "Namespace", metadata: meta({ name: "default" }), spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } });
    await tx.create(record.clusterId, "serviceaccounts", { apiVersion: "v1", kind: "ServiceAccount", metadata: meta({ name: "default", namespace: "default" }) });
  });
  kube.close();
  return record;
}


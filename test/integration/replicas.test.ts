// Lab replicas on one PostgreSQL database behave as one lab (issue 14): they present the same CA and the same leaf
// certificates (a client trusting the CA of one trusts all), a token minted by one is accepted by the other, and
// the lab clock and the faults changed through one replica (`wilab clock advance`, `wilab fault add|clear` over
// /_wilab) apply at every other; a Kubernetes watch through either replica sees the writes made through both.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:tls";
import { request } from "node:https";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClientSecretCredential } from "@azure/identity";
import { ResourceManagementClient } from "@azure/arm-resources";
import { startLab, type Lab } from "../../src/index.js";
import { LabCa, LabClock, Random } from "../../src/platform/index.js";
import { testDatabase } from "../helpers/postgres.js";
import { api, makeCluster, type TestCluster } from "../helpers/kube.js";
import { openStore, type Store } from "../../src/store/index.js";
import { KubeStorage, type KubeObject } from "../../src/kube/KubeStorage.js";
import { adminCredential, armClientOptions } from "../helpers/lab.js";

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function testCaDir(): string {
  const dir = process.env.WILAB_TEST_CA_DIR;
  if (!dir) throw new Error("WILAB_TEST_CA_DIR is not set: run the tests with scripts/run-tests.mjs");
  return dir;
}

/** Two labs on one fresh database; the first seeds the database's CA from the suite's test CA (trusted by the SDKs). */
async function replicas(secondCaDir?: string): Promise<[Lab, Lab]> {
  const db = await testDatabase();
  cleanups.push(db.drop);
  const a = await startLab({ memory: true, port: 0, caDir: testCaDir(), store: db.url });
  cleanups.push(() => a.stop());
  const b = await startLab({ memory: true, port: 0, caDir: secondCaDir ?? testCaDir(), store: db.url });
  cleanups.push(() => b.stop());
  return [a, b];
}

/** The certificate a replica presents for a server name, checked against `ca`. */
function presented(lab: Lab, servername: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: lab.port, servername, ca, rejectUnauthorized: true }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.once("error", reject);
  });
}

/** The status of an anonymous GET of a secret of a vault at a replica (by its vault host name, on 127.0.0.1). */
function vaultStatus(lab: Lab, vault: string): Promise<number> {
  const host = new URL(lab.vaultUrl(vault)).hostname;
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: lab.port, servername: host, headers: { host: `${host}:${lab.port}` }, path: "/secrets/s?api-version=7.4", ca: lab.caCert }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once("error", reject);
    req.end();
  });
}

async function adminToken(lab: Lab): Promise<string> {
  return (await adminCredential(lab).getToken("https://management.azure.com/.default"))!.token;
}

async function call(lab: Lab, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const r = await fetch(`${lab.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

/** Polls `probe` until it returns true (a notification crosses to the other replica in milliseconds). */
async function eventually(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`never happened: ${what}`);
}

test("replicas present the database's CA and the same leaves; a replica whose CA dir holds another CA writes the shared one beside it", async () => {
  const otherDir = mkdtempSync(join(tmpdir(), "wilab-rep-ca-"));
  cleanups.push(() => rmSync(otherDir, { recursive: true, force: true }));
  const own = await LabCa.loadOrCreate(otherDir); // a CA of its own in the second replica's CA dir
  const [a, b] = await replicas(otherDir);

  assert.equal(b.caCert, a.caCert);
  assert.notEqual(own.certPem, a.caCert);
  assert.equal(b.caCertPath, join(otherDir, "store-ca.crt"));
  assert.equal(readFileSync(b.caCertPath, "utf8"), a.caCert);
  assert.equal(readFileSync(join(otherDir, "ca.crt"), "utf8"), own.certPem, "the CA dir's own CA is left as it was");

  // Only the shared CA is trusted: both replicas verify, and present the very same leaf, for the default names and SNI names.
  for (const name of ["localhost", "kv-rep.vault.localhost", "login.localhost"]) {
    const [fa, fb] = [await presented(a, name, a.caCert), await presented(b, name, a.caCert)];
    assert.equal(fb, fa, `the leaf for ${name}`);
  }
  await assert.rejects(presented(b, "localhost", own.certPem), /self.signed|unable to (get|verify)/i);
});

test("a token minted by one replica is accepted by the other (the SDK signs in at one, calls ARM at the other)", async () => {
  const [a, b] = await replicas();
  const credA = new ClientSecretCredential(a.tenantId, a.admin.clientId, a.admin.clientSecret, { authorityHost: a.authorityHost, disableInstanceDiscovery: true });
  const armAtB = new ResourceManagementClient(credA, b.subscriptionId, armClientOptions(b));
  await armAtB.resourceGroups.createOrUpdate("rg-replicas", { location: "westeurope" });
  const seenAtA = await new ResourceManagementClient(adminCredential(a), a.subscriptionId, armClientOptions(a)).resourceGroups.get("rg-replicas");
  assert.equal(seenAtA.name, "rg-replicas");
});

test("the lab clock advanced through one replica moves at the other (its tokens expire there); a reset through the other moves it back", async () => {
  const [a, b] = await replicas();
  const [ta, tbBefore] = [await adminToken(a), await adminToken(b)];
  const advanced = await call(a, ta, "POST", "/_wilab/clock", { advance: "3h" });
  assert.equal(advanced.status, 200);
  assert.equal((advanced.json as { offsetMs: number }).offsetMs, 3 * 3_600_000);
  await eventually("replica b's clock is 3h ahead", async () => b.ctx.clock.offset() === 3 * 3_600_000);
  // At b's clock, the token b minted an hour-long lifetime ago has expired; a fresh one shows the offset.
  assert.equal((await call(b, tbBefore, "GET", "/_wilab/clock")).status, 401);
  const tb = await adminToken(b);
  assert.equal(((await call(b, tb, "GET", "/_wilab/clock")).json as { offsetMs: number }).offsetMs, 3 * 3_600_000);

  assert.equal((await call(b, tb, "POST", "/_wilab/clock", { reset: true })).status, 200);
  await eventually("replica a's clock is reset", async () => a.ctx.clock.offset() === 0);
});

test("faults added and cleared through one replica apply at the other; a counted fault counts requests at every replica", async () => {
  const [a, b] = await replicas();
  const [ta, tb] = [await adminToken(a), await adminToken(b)];
  const vaultGet = (lab: Lab) => vaultStatus(lab, "kv-rep");
  const listed = async (lab: Lab, token: string) => (await call(lab, token, "GET", "/_wilab/faults")).json as { id: string; remaining?: number }[];

  const added = await call(a, ta, "POST", "/_wilab/faults", { kind: "throttle", face: "keyvault", count: 2 });
  assert.equal(added.status, 201);
  const id = (added.json as { id: string }).id;
  await eventually("replica b lists the fault", async () => (await listed(b, tb)).some((f) => f.id === id && f.remaining === 2));
  assert.equal(await vaultGet(b), 429);
  await eventually("replica a counts b's request", async () => (await listed(a, ta)).some((f) => f.id === id && f.remaining === 1));
  assert.equal(await vaultGet(a), 429);
  await eventually("the fault is used up at both", async () => (await listed(a, ta)).length === 0 && (await listed(b, tb)).length === 0);
  assert.notEqual(await vaultGet(b), 429);
  assert.notEqual(await vaultGet(a), 429);

  const latency = await call(b, tb, "POST", "/_wilab/faults", { kind: "latency", face: "arm", ms: 1 });
  const latencyId = (latency.json as { id: string }).id;
  await eventually("replica a lists the latency fault", async () => (await listed(a, ta)).some((f) => f.id === latencyId));
  const cleared = await call(a, ta, "DELETE", `/_wilab/faults/${latencyId}`);
  assert.equal(cleared.status, 200);
  await eventually("replica b no longer lists it", async () => (await listed(b, tb)).length === 0);
});

/** A watch stream through one replica: its events as they come, and a way to stop it. */
function watchThrough(lab: Lab, c: TestCluster, path: string): { events: { type: string; name: string; rv: number }[]; stop: () => void } {
  const events: { type: string; name: string; rv: number }[] = [];
  const abort = new AbortController();
  void (async () => {
    const res = await fetch(`https://localhost:${lab.port}/k8s/${c.record.clusterId}${path}`, { headers: { authorization: `Bearer ${c.record.adminToken}` }, signal: abort.signal });
    let buffered = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += Buffer.from(chunk).toString();
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const e = JSON.parse(buffered.slice(0, nl)) as { type: string; object: KubeObject };
        buffered = buffered.slice(nl + 1);
        events.push({ type: e.type, name: e.object.metadata.name, rv: Number(e.object.metadata.resourceVersion) });
      }
    }
  })().catch(() => undefined);
  return { events, stop: () => abort.abort() };
}

test("a watch through either replica sees the writes made through both, in resourceVersion order, without gaps or repeats", async () => {
  const [a, b] = await replicas();
  const cluster = await makeCluster(a, { name: "aks-rep" });
  cleanups.push(() => cluster.cleanup());
  const atB = { ...cluster, server: `https://localhost:${b.port}/k8s/${cluster.record.clusterId}` };
  const listed = await api(atB, "GET", "/api/v1/namespaces/default/configmaps");
  const from = (listed.body.metadata as { resourceVersion: string }).resourceVersion;
  const watches = [a, b].map((lab) => watchThrough(lab, cluster, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${from}`));
  cleanups.push(() => watches.forEach((w) => w.stop()));
  await new Promise((r) => setTimeout(r, 200)); // both watches are open

  // 40 creates, then 20 updates and 10 deletes, through both replicas at once, five at a time.
  const acknowledged: number[] = [];
  const through = (i: number) => (i % 2 ? cluster : atB);
  const run = async (n: number, step: (i: number) => Promise<{ status: number; body: Record<string, unknown> }>) => {
    for (let i = 0; i < n; i += 5) {
      const done = await Promise.all([0, 1, 2, 3, 4].map((k) => step(i + k)));
      for (const r of done) {
        assert.ok(r.status < 300, JSON.stringify(r.body));
        // A delete answers a Status without the object's resourceVersion.
        if (r.body.kind !== "Status") acknowledged.push(Number((r.body.metadata as { resourceVersion: string }).resourceVersion));
      }
    }
  };
  await run(40, (i) => api(through(i), "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: `cm-${i}` }, data: { i: String(i) } }));
  await run(20, (i) => api(through(i + 1), "PATCH", `/api/v1/namespaces/default/configmaps/cm-${i}`, { data: { i: `${i}-patched` } }, { "content-type": "application/merge-patch+json" }));
  await run(10, (i) => api(through(i), "DELETE", `/api/v1/namespaces/default/configmaps/cm-${i + 20}`));

  // 70 writes, 70 resourceVersions after the list's, one each: the creates' and updates' are among them.
  const expected = Array.from({ length: 70 }, (_v, i) => Number(from) + 1 + i);
  assert.equal(acknowledged.length, 60);
  for (const rv of acknowledged) assert.ok(expected.includes(rv), `resourceVersion ${rv}`);
  for (const [i, w] of watches.entries()) {
    await eventually(`the watch through replica ${i ? "b" : "a"} saw 70 events`, async () => w.events.length >= 70);
    assert.deepEqual(
      w.events.map((e) => e.rv),
      expected,
      `replica ${i ? "b" : "a"}: every acknowledged write once, in order`,
    );
    assert.deepEqual(
      w.events.map((e) => e.type),
      [...Array<string>(40).fill("ADDED"), ...Array<string>(20).fill("MODIFIED"), ...Array<string>(10).fill("DELETED")],
    );
  }
});

test("a replica that misses every notification still delivers every event, in order, from the event log", async () => {
  const db = await testDatabase();
  cleanups.push(db.drop);
  const [sa, sb] = [await openStore(db.url), await openStore(db.url)];
  cleanups.push(() => sa.close(), () => sb.close());
  // Replica b never hears a notification: only the log's periodic read can bring it the events.
  const deaf: Store = { shared: true, description: sb.description, read: (fn) => sb.read(fn), write: (fn) => sb.write(fn), subscribe: () => () => undefined, close: () => sb.close() };
  const [ka, kb] = [new KubeStorage(sa, new LabClock(), new Random()), new KubeStorage(deaf, new LabClock(), new Random())];
  cleanups.push(() => ka.close(), () => kb.close());
  const seen: string[] = [];
  const { start } = kb.watchFrom("c1", (e) => seen.push(`${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`));
  assert.equal(await start, 1);
  for (let i = 0; i < 5; i++) {
    await ka.write((tx) => tx.create("c1", "pods", { apiVersion: "v1", kind: "Pod", metadata: { name: `p${i}`, namespace: "default" } as KubeObject["metadata"], spec: {} }));
  }
  await ka.write((tx) => tx.delete("c1", "pods", "default", "p0"));
  await eventually("replica b delivered the six events", async () => seen.length >= 6);
  assert.deepEqual(seen, ["ADDED p0 2", "ADDED p1 3", "ADDED p2 4", "ADDED p3 5", "ADDED p4 6", "DELETED p0 7"]);
});

test("kubectl get --watch through one replica prints the config maps created through the other", async () => {
  const [a, b] = await replicas();
  const cluster = await makeCluster(a, { name: "aks-kubectl" });
  cleanups.push(() => cluster.cleanup());
  const configAtB = join(cluster.home, "config-b");
  writeFileSync(configAtB, readFileSync(cluster.kubeconfig, "utf8").replace(`localhost:${a.port}/`, `localhost:${b.port}/`));
  const kubectl = spawn("kubectl", ["get", "configmaps", "--watch", "-o", "name"], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cluster.home, KUBECONFIG: configAtB }, stdio: ["ignore", "pipe", "pipe"] });
  cleanups.push(() => void kubectl.kill("SIGKILL"));
  let out = "";
  kubectl.stdout.on("data", (d: Buffer) => (out += d.toString()));
  kubectl.stderr.on("data", (d: Buffer) => (out += d.toString()));
  // The list comes first (the namespace's root CA config map); the watch follows from its resourceVersion.
  await eventually("kubectl listed", async () => out.includes("configmap/kube-root-ca.crt"));
  for (const name of ["made-at-a-1", "made-at-a-2", "made-at-a-3"]) {
    assert.equal((await api(cluster, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name } })).status, 201);
  }
  await eventually("kubectl printed the three", async () => out.includes("configmap/made-at-a-3"));
  const printed = out.split("\n").filter((l) => l.startsWith("configmap/made-at-a-"));
  assert.deepEqual(printed, ["configmap/made-at-a-1", "configmap/made-at-a-2", "configmap/made-at-a-3"]);
});

// Two `wilab up` replicas on one PostgreSQL database behind a real HAProxy in TCP mode (issue 14): the real SDKs work
// through the balancer, a Kubernetes watch through one replica sees a write through the other, and SIGKILL of a
// replica under write load loses nothing that was acknowledged: every write that got a 2xx is read back afterwards.
// The counts (acknowledged, failed while the replica died) are printed, not asserted, except "0 lost".
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { ClientSecretCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { ResourceManagementClient } from "@azure/arm-resources";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { openStore } from "../../src/store/index.js";
import { EtcHosts } from "../../src/platform/index.js";
import type { KubeObject } from "../../src/kube/KubeStorage.js";
import { testDatabase } from "../helpers/postgres.js";
import { clusterIn, freePort, haproxy, replica, until, type Cleanups, type Replica } from "../helpers/replicas.js";

const cleanups: Cleanups = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  // A replica killed with SIGKILL leaves its /etc/hosts block behind (the next lab start removes such blocks too).
  new EtcHosts("/etc/hosts").removeStale();
});

const SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";

interface Setup {
  replicas: Replica[];
  lb: string;
  lbPort: number;
  cred: ClientSecretCredential;
  tenantId: string;
  subscriptionId: string;
  dbUrl: string;
}

/** A database, two replicas told the balancer's port, HAProxy in front of them, the admin's credential through it. */
async function balanced(): Promise<Setup> {
  const db = await testDatabase();
  cleanups.push(db.drop);
  const lbPort = await freePort();
  const replicas = [await replica(cleanups, db.url, ["--public-port", String(lbPort)]), await replica(cleanups, db.url, ["--public-port", String(lbPort)])];
  await haproxy(
    cleanups,
    lbPort,
    replicas.map((r) => r.port),
  );
  const lb = `https://localhost:${lbPort}`;
  const e = JSON.parse(readFileSync(join(replicas[0]!.dir, "endpoints.json"), "utf8")) as { tenantId: string; subscriptionId: string; admin: { clientId: string; clientSecret: string } };
  const cred = new ClientSecretCredential(e.tenantId, e.admin.clientId, e.admin.clientSecret, { authorityHost: lb, disableInstanceDiscovery: true });
  return { replicas, lb, lbPort, cred, tenantId: e.tenantId, subscriptionId: e.subscriptionId, dbUrl: db.url };
}

/** A vault made through the balancer with the real management SDKs, the admin a Secrets Officer on it; its SecretClient through the balancer. */
async function vaultThrough(s: Setup, name: string): Promise<SecretClient> {
  const opts = { endpoint: s.lb, credentialScopes: ["https://management.azure.com/.default"] };
  await new ResourceManagementClient(s.cred, s.subscriptionId, opts).resourceGroups.createOrUpdate("rg-lb", { location: "westeurope" });
  const vault = await new KeyVaultManagementClient(s.cred, s.subscriptionId, opts).vaults.createOrUpdate("rg-lb", name, {
    location: "westeurope",
    properties: { tenantId: s.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true },
  });
  const objectId = JSON.parse(readFileSync(join(s.replicas[0]!.dir, "endpoints.json"), "utf8")).admin.objectId as string;
  await new AuthorizationManagementClient(s.cred, s.subscriptionId, opts).roleAssignments.create(vault.id!, crypto.randomUUID(), {
    roleDefinitionId: `/subscriptions/${s.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${SECRETS_OFFICER}`,
    principalId: objectId,
    principalType: "ServicePrincipal",
  });
  return new SecretClient(`https://${name}.vault.localhost:${s.lbPort}/`, s.cred, { retryOptions: { maxRetries: 3, retryDelayInMs: 100, maxRetryDelayInMs: 500 } });
}

test("through HAProxy: the real SDKs (Entra, ARM, Key Vault), and a watch through one replica sees a write through the other", async () => {
  const s = await balanced();
  const secrets = await vaultThrough(s, "kv-lb");
  await secrets.setSecret("greeting", "hello through the balancer");
  // Round robin: consecutive reads land on both replicas, and each reads what the other wrote.
  for (let i = 0; i < 6; i++) assert.equal((await secrets.getSecret("greeting")).value, "hello through the balancer");

  const store = await openStore(s.dbUrl);
  cleanups.push(() => store.close());
  const cluster = await clusterIn(store, s.tenantId, s.subscriptionId);
  const [one, other] = s.replicas.map((r) => `https://localhost:${r.port}/k8s/${cluster.clusterId}`);
  const headers = { authorization: `Bearer ${cluster.adminToken}`, "content-type": "application/json" };
  const abort = new AbortController();
  cleanups.push(() => abort.abort());
  const watch = await fetch(`${one}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0`, { headers, signal: abort.signal });
  const reader = (watch.body as ReadableStream<Uint8Array>).getReader();
  const created = await fetch(`${other}/api/v1/namespaces/default/configmaps`, { method: "POST", headers, body: JSON.stringify({ metadata: { name: "written-at-the-other" }, data: { a: "1" } }) });
  assert.equal(created.status, 201);
  const rv = ((await created.json()) as KubeObject).metadata.resourceVersion;
  let text = "";
  while (!text.includes("written-at-the-other")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString();
  }
  const event = JSON.parse(text.split("\n").find((l) => l.includes("written-at-the-other"))!) as { type: string; object: KubeObject };
  assert.deepEqual([event.type, event.object.metadata.resourceVersion], ["ADDED", rv]);
});

/** At least 20 (issue 14); WILAB_TEST_KILLS may ask for more. */
const KILLS = Math.max(20, Number(process.env.WILAB_TEST_KILLS ?? 20));

interface Attempt {
  start: number;
  end: number;
  ok: boolean;
  what: string;
}

/** One HTTPS request on a connection of its own (no pooled connection outlives a replica), to the balancer. */
function send(lbPort: number, method: string, host: string, path: string, token: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((res, rej) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const r = httpsRequest(
      { host: "127.0.0.1", port: lbPort, servername: host, method, path, agent: false, timeout: 30_000, headers: { host: `${host}:${lbPort}`, authorization: `Bearer ${token}`, ...(data ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) } : {}) } },
      (resp) => {
        let text = "";
        resp.on("data", (c: Buffer) => (text += c.toString()));
        resp.on("end", () => res({ status: resp.statusCode ?? 0, text }));
        resp.on("error", rej);
      },
    );
    r.on("timeout", () => r.destroy(new Error("timeout")));
    r.on("error", rej);
    r.end(data);
  });
}

test(`SIGKILL of a replica under write load through HAProxy, ${KILLS} times: every acknowledged write is there afterwards, and only requests in flight on a killed replica fail`, async () => {
  const s = await balanced();
  await vaultThrough(s, "kv-durable");
  const store = await openStore(s.dbUrl);
  cleanups.push(() => store.close());
  const cluster = await clusterIn(store, s.tenantId, s.subscriptionId);
  const armToken = (await s.cred.getToken("https://management.azure.com/.default"))!.token;
  const kvToken = (await s.cred.getToken(`https://vault.localhost:${s.lbPort}/.default`))!.token;
  const rg = `/subscriptions/${s.subscriptionId}/resourceGroups/rg-lb`;
  // The three kinds of write, each acknowledged by a 2xx, each read back at the end.
  const writes = {
    identity: (n: string) => send(s.lbPort, "PUT", "localhost", `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${n}?api-version=2023-01-31`, armToken, { location: "westeurope" }),
    secret: (n: string) => send(s.lbPort, "PUT", "kv-durable.vault.localhost", `/secrets/${n}?api-version=7.4`, kvToken, { value: `value-${n}` }),
    pod: (n: string) => send(s.lbPort, "POST", "localhost", `/k8s/${cluster.clusterId}/api/v1/namespaces/default/pods`, cluster.adminToken, { apiVersion: "v1", kind: "Pod", metadata: { name: n }, spec: { containers: [{ name: "c", image: "example.test/durable:1" }] } }),
  };
  const reads = {
    identity: (n: string) => send(s.lbPort, "GET", "localhost", `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${n}?api-version=2023-01-31`, armToken),
    secret: (n: string) => send(s.lbPort, "GET", "kv-durable.vault.localhost", `/secrets/${n}?api-version=7.4`, kvToken),
    pod: (n: string) => send(s.lbPort, "GET", "localhost", `/k8s/${cluster.clusterId}/api/v1/namespaces/default/pods/${n}`, cluster.adminToken),
  };
  const kinds = Object.keys(writes) as (keyof typeof writes)[];
  const acknowledged: { kind: keyof typeof writes; name: string }[] = [];
  const attempts: Attempt[] = [];
  let stop = false;
  const worker = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const kind = kinds[(i + w) % kinds.length]!;
      const name = `w${w}-${i}`;
      const start = performance.now();
      const r = await writes[kind](name).catch((e: Error) => ({ status: 0, text: e.message }));
      const ok = r.status >= 200 && r.status < 300;
      attempts.push({ start, end: performance.now(), ok, what: `${kind} ${name}: ${r.status} ${r.text.slice(0, 200)}` });
      if (ok) acknowledged.push({ kind, name });
    }
  };
  const load = [0, 1, 2, 3].map((w) => worker(w));
  await until("some writes are acknowledged", async () => (acknowledged.length >= 20 ? true : undefined));
  // Each round kills one replica (alternating) under load, lets the writes go on through the other, then starts the
  // dead one again on its port with its data dir, and waits until the balancer sends it connections again.
  const kills: { from: number; to: number }[] = [];
  for (let k = 0; k < KILLS; k++) {
    const i = k % 2;
    const victim = s.replicas[i]!;
    const dead = new Promise((r) => victim.proc.once("exit", r));
    const from = performance.now();
    victim.proc.kill("SIGKILL");
    await dead;
    kills.push({ from, to: performance.now() });
    const at = acknowledged.length;
    await until("writes go on through the survivor", async () => (acknowledged.length >= at + 10 ? true : undefined));
    s.replicas[i] = await replica(cleanups, s.dbUrl, ["--public-port", String(s.lbPort)], victim);
    await new Promise((r) => setTimeout(r, 1000)); // HAProxy's checks (every 250 ms, rise 2) take it back
  }
  stop = true;
  await Promise.all(load);

  const lost: string[] = [];
  for (const { kind, name } of acknowledged) {
    const r = await reads[kind](name);
    if (r.status !== 200 || (kind === "secret" && (JSON.parse(r.text) as { value?: string }).value !== `value-${name}`)) lost.push(`${kind} ${name}: ${r.status}`);
  }
  const failed = attempts.filter((a) => !a.ok);
  // In flight on a killed replica: started before it died and ended after the kill was sent.
  const notInFlight = failed.filter((a) => !kills.some((k) => a.start < k.to && a.end >= k.from));
  const count = (kind: string) => acknowledged.filter((a) => a.kind === kind).length;
  console.log(
    `# ${KILLS} SIGKILLs under write load through HAProxy: ${acknowledged.length} writes acknowledged (${count("identity")} identities, ${count("secret")} secrets, ${count("pod")} pods), ${attempts.length} attempted, ${failed.length} failed (in flight on a killed replica), ${notInFlight.length} failed otherwise, ${lost.length} acknowledged writes lost`,
  );
  assert.deepEqual(lost, [], "nothing acknowledged is lost");
  assert.deepEqual(notInFlight.map((a) => a.what), [], "no request fails except those in flight on the killed replica");
});

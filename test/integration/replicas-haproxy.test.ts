// Two `wilab up` replicas on one PostgreSQL database behind a real HAProxy in TCP mode (issue 14): the real SDKs work
// through the balancer, a Kubernetes watch through one replica sees a write through the other, and SIGKILL of a
// replica under write load loses nothing that was acknowledged: every write that got a 2xx is read back afterwards.
// The counts (acknowledged, failed while the replica died) are printed, not asserted, except "0 lost".
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
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

const KILLS = 4;

test(`SIGKILL of a replica under write load through HAProxy, ${KILLS} times: every acknowledged write is there afterwards`, async () => {
  const s = await balanced();
  const secrets = await vaultThrough(s, "kv-durable");
  const store = await openStore(s.dbUrl);
  cleanups.push(() => store.close());
  const cluster = await clusterIn(store, s.tenantId, s.subscriptionId);
  const kubeAt = `${s.lb}/k8s/${cluster.clusterId}`;
  const headers = { authorization: `Bearer ${cluster.adminToken}`, "content-type": "application/json" };

  const acknowledged = { secrets: [] as string[], configMaps: [] as string[] };
  let failed = 0;
  let stop = false;
  const worker = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const name = `w${w}-${i}`;
      try {
        if (i % 2) {
          await secrets.setSecret(name, `value-${name}`);
          acknowledged.secrets.push(name);
        } else {
          const r = await fetch(`${kubeAt}/api/v1/namespaces/default/configmaps`, { method: "POST", headers, body: JSON.stringify({ metadata: { name }, data: { v: name } }) });
          if (r.status === 201) acknowledged.configMaps.push(name);
          else failed++;
        }
      } catch {
        failed++; // in flight on the replica that died
      }
    }
  };
  const load = [0, 1, 2, 3].map((w) => worker(w));
  const total = () => acknowledged.secrets.length + acknowledged.configMaps.length;
  await until("some writes are acknowledged", async () => (total() >= 20 ? true : undefined));
  // Each round kills one replica (alternating) under load, lets the writes go on through the other, then starts the
  // dead one again on its port with its data dir, and waits until the balancer sends it connections again.
  for (let k = 0; k < KILLS; k++) {
    const i = k % 2;
    const victim = s.replicas[i]!;
    victim.proc.kill("SIGKILL");
    const at = total();
    await until("writes go on through the survivor", async () => (total() >= at + 20 ? true : undefined));
    s.replicas[i] = await replica(cleanups, s.dbUrl, ["--public-port", String(s.lbPort)], victim);
    await new Promise((r) => setTimeout(r, 1000)); // HAProxy's checks (every 250 ms, rise 2) take it back
  }
  stop = true;
  await Promise.all(load);

  let lost = 0;
  for (const name of acknowledged.secrets) if ((await secrets.getSecret(name).catch(() => undefined))?.value !== `value-${name}`) lost++;
  for (const name of acknowledged.configMaps) {
    const r = await fetch(`${kubeAt}/api/v1/namespaces/default/configmaps/${name}`, { headers });
    if (r.status !== 200) lost++;
  }
  console.log(
    `# ${KILLS} SIGKILLs under load through HAProxy: ${acknowledged.secrets.length} secrets and ${acknowledged.configMaps.length} config maps acknowledged, ${failed} requests failed, ${lost} acknowledged writes lost`,
  );
  assert.equal(lost, 0, "nothing acknowledged is lost");
});

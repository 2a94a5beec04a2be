// The benchmark's lab launcher: `startLab` (in memory, the bench CA) in this process, which bench/run.mjs forks
// with an IPC channel. The load generator never runs here. Over IPC it answers a few requests that have no
// public API or would be slow through it: sign a cluster service-account token (what the kubelet projects),
// create a service account in a cluster's store (for the webhook), and seed a large state straight through
// the store API (`seed`: identities with a service principal and a federated credential each, and secrets).
// None of this is in src/: it is the bench's own launcher.
import { randomUUID, randomBytes } from "node:crypto";
import { startLab } from "../dist/src/index.js";
import { UserAssignedIdentities, identityId } from "../dist/src/arm/managedidentity/UserAssignedIdentity.js";
import { Directory, FederatedIdentityCredentials } from "../dist/src/entra/index.js";
import { Secrets } from "../dist/src/keyvault/Secrets.js";

const caDir = process.env.BENCH_CA_DIR;
if (!caDir) throw new Error("BENCH_CA_DIR is not set");

const lab = await startLab({ memory: true, port: Number(process.env.BENCH_PORT ?? 0), caDir, manageHosts: false, recordEndpoints: false });

async function seed({ identities = 0, secrets = 0, resourceGroup, vault, issuer, batch = 5000 }) {
  const t0 = Date.now();
  const now = lab.ctx.clock.now();
  const nowS = Math.floor(now / 1000);
  const sub = lab.subscriptionId;
  for (let i = 0; i < identities; i += batch) {
    await lab.ctx.store.write(async (tx) => {
      for (let j = i; j < Math.min(identities, i + batch); j++) {
        const name = `seed-id-${j}`;
        const rec = {
          name,
          id: identityId(sub, resourceGroup, name),
          resourceGroup,
          location: "westeurope",
          tags: {},
          tenantId: lab.tenantId,
          principalId: randomUUID(),
          clientId: randomUUID(),
          createdAt: now,
        };
        await UserAssignedIdentities.put(tx, rec);
        await Directory.putServicePrincipal(tx, { objectId: rec.principalId, appId: rec.clientId, displayName: name, servicePrincipalType: "ManagedIdentity", miResourceId: rec.id });
        await FederatedIdentityCredentials.put(tx, rec.id, {
          name: "fic",
          id: `${rec.id}/federatedIdentityCredentials/fic`,
          issuer,
          subject: `system:serviceaccount:seed:sa-${j}`,
          audiences: ["api://AzureADTokenExchange"],
          updatedAt: now - 3_600_000,
        });
      }
    });
  }
  for (let i = 0; i < secrets; i += batch) {
    await lab.ctx.store.write(async (tx) => {
      for (let j = i; j < Math.min(secrets, i + batch); j++) {
        const rec = { name: `seed-secret-${j}`, version: randomBytes(16).toString("hex"), value: `value-${j}-${randomBytes(12).toString("base64url")}`, enabled: true, created: nowS, updated: nowS };
        await Secrets.putVersion(tx, vault, rec);
        await Secrets.put(tx, vault, { name: rec.name, latest: rec });
      }
    });
  }
  return { identities, secrets, ms: Date.now() - t0 };
}

const ops = {
  async sign({ clusterId, issuer, namespace, serviceAccount, audiences, expirationSeconds }) {
    const t = await lab.kube.issuer.sign(clusterId, { issuer, namespace, serviceAccount: { name: serviceAccount, uid: randomUUID() }, audiences, expirationSeconds });
    return t.token;
  },
  async serviceAccount({ clusterId, namespace, name, annotations }) {
    await lab.kube.storage.write((tx) => tx.create(clusterId, "serviceaccounts", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace, annotations } }));
    return true;
  },
  seed,
  async rss() {
    return process.memoryUsage().rss;
  },
  async gc() {
    globalThis.gc?.();
    return process.memoryUsage().rss;
  },
};

process.on("message", async (m) => {
  const op = ops[m.op];
  try {
    if (!op) throw new Error(`unknown op ${m.op}`);
    process.send({ id: m.id, result: await op(m) });
  } catch (err) {
    process.send({ id: m.id, error: err && err.stack ? err.stack : String(err) });
  }
});

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await lab.stop();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
process.on("disconnect", shutdown);

process.send({
  t: "ready",
  info: { url: lab.url, port: lab.port, tenantId: lab.tenantId, subscriptionId: lab.subscriptionId, authorityHost: lab.authorityHost, armEndpoint: lab.armEndpoint, admin: lab.admin, caCertPath: lab.caCertPath, pid: process.pid },
});

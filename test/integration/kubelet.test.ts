import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { SecretClient } from "@azure/keyvault-secrets";
import { startTestLab, adminCredential, armClientOptions } from "../helpers/lab.js";
import { Clusters, type ClusterRecord, type KubeObject } from "../../src/kube/index.js";
import { setImageMapping, listImageMappings, removeImageMapping } from "../../src/kube/kubelet/index.js";
import type { Lab } from "../../src/index.js";

const APP_IMAGE = "registry.example.test/wilab/probe-app:v1";
const SA = "workload-identity-sa";
const TOKEN_FILE = "/var/run/secrets/azure/tokens/azure-identity-token";

let lab: Lab;
let dir: string;
let cluster: ClusterRecord;
let appScript: string;

function decodeJwt(t: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(t.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function makeCluster(l: Lab, name: string): Promise<ClusterRecord> {
  const c: ClusterRecord = {
    name,
    resourceGroup: "rg-k",
    location: "westeurope",
    id: `/subscriptions/${l.subscriptionId}/resourceGroups/rg-k/providers/Microsoft.Kubernetes/connectedClusters/${name}`,
    clusterId: randomUUID(),
    tenantId: l.tenantId,
    kubernetesVersion: "1.32.0",
    oidcIssuerEnabled: true,
    workloadIdentityEnabled: true,
    adminToken: randomUUID(),
    tags: {},
    createdAt: l.ctx.clock.now(),
    extensionReadyAt: l.ctx.clock.now(),
  };
  await l.ctx.store.write((tx) => Clusters.put(tx, c));
  await l.kube.storage.write(async (tx) => {
    for (const ns of ["default", "kube-system"]) await tx.create(c.clusterId, "namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } as unknown as KubeObject["metadata"] });
    await tx.create(c.clusterId, "serviceaccounts", {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: SA, namespace: "default", annotations: { "azure.workload.identity/client-id": "00000000-0000-0000-0000-000000000001" } } as unknown as KubeObject["metadata"],
    });
  });
  return c;
}

/** A pod as it leaves the admission chain: ServiceAccount admission's volume, then the workload identity webhook's env, volume and mount. */
function podManifest(l: Lab, name: string, image: string, o: { env?: { name: string; value: string }[]; restartPolicy?: string; clientId?: string; extraEnv?: Record<string, unknown>[] } = {}): KubeObject {
  const wiEnv = [
    { name: "AZURE_CLIENT_ID", value: o.clientId ?? "00000000-0000-0000-0000-000000000001" },
    { name: "AZURE_TENANT_ID", value: l.tenantId },
    { name: "AZURE_FEDERATED_TOKEN_FILE", value: TOKEN_FILE },
    { name: "AZURE_AUTHORITY_HOST", value: `${l.authorityHost}/` },
  ];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { "azure.workload.identity/use": "true" } } as unknown as KubeObject["metadata"],
    spec: {
      serviceAccountName: SA,
      restartPolicy: o.restartPolicy ?? "Always",
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: "oidc",
          image,
          env: [...(o.env ?? []), ...(o.extraEnv ?? []), ...wiEnv],
          volumeMounts: [
            { name: "kube-api-access-x7k2p", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true },
            { name: "azure-identity-token", mountPath: "/var/run/secrets/azure/tokens", readOnly: true },
          ],
        },
      ],
      volumes: [
        {
          name: "kube-api-access-x7k2p",
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
              { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
              { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
            ],
          },
        },
        {
          name: "azure-identity-token",
          projected: { defaultMode: 420, sources: [{ serviceAccountToken: { audience: "api://AzureADTokenExchange", expirationSeconds: 3600, path: "azure-identity-token" } }] },
        },
      ],
    },
  };
}

async function createPod(c: ClusterRecord, pod: KubeObject): Promise<void> {
  await lab.kube.storage.write((tx) => tx.create(c.clusterId, "pods", pod));
}

interface PodView extends KubeObject {
  spec: { nodeName?: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; ready: boolean; restartCount: number; containerID?: string; state: Record<string, { reason?: string; message?: string; exitCode?: number }>; lastState: Record<string, unknown> }[];
    podIP?: string;
    hostIP?: string;
    startTime?: string;
    qosClass?: string;
  };
}

async function getPod(c: ClusterRecord, name: string, l = lab): Promise<PodView | undefined> {
  return (await l.kube.storage.read((tx) => tx.get(c.clusterId, "pods", "default", name))) as PodView | undefined;
}

async function logsOf(c: ClusterRecord, name: string, o: { previous?: boolean } = {}, l = lab): Promise<string> {
  const s = await l.kube.podLogs?.logs(c.clusterId, "default", name, o);
  if (!s) return "";
  let out = "";
  for await (const chunk of s) out += String(chunk);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const condition = (p: PodView | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type)?.status;

before(async () => {
  lab = await startTestLab();
  dir = mkdtempSync(join(tmpdir(), "wilab-kubelet-it-"));
  appScript = join(dir, "app.mjs");
  // The "image": prints its env and pid, then the token file every time it changes; exits with EXIT_CODE if set.
  writeFileSync(
    appScript,
    `import { readFileSync } from "node:fs";
const f = process.env.AZURE_FEDERATED_TOKEN_FILE;
console.log("pid=" + process.pid);
console.log("file=" + f);
// A fixed in-image path: only readable with exact-path mounts.
try { console.log("ns=" + readFileSync("/var/run/secrets/kubernetes.io/serviceaccount/namespace", "utf8")); } catch { console.log("ns=?"); }
for (const k of ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_AUTHORITY_HOST", "MY_POD", "NODE_EXTRA_CA_CERTS", "KUBERNETES_SERVICE_HOST"]) console.log(k + "=" + (process.env[k] ?? ""));
if (process.env.EXIT_CODE) { console.error("exiting with " + process.env.EXIT_CODE); process.exit(Number(process.env.EXIT_CODE)); }
let last = "";
const show = () => { const t = readFileSync(f, "utf8"); if (t !== last) { last = t; console.log("token=" + t); } };
show();
setInterval(show, 100);
`,
  );
  await setImageMapping(lab.kube, APP_IMAGE, [process.execPath, appScript]);
  cluster = await makeCluster(lab, "arc1");
});

after(async () => {
  await lab?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("image mappings: set, list (user first, then built-in), remove", async () => {
  const list = await listImageMappings(lab.kube);
  assert.deepEqual(list[0], { image: APP_IMAGE, command: [process.execPath, appScript], builtin: false });
  assert.ok(list.some((m) => m.builtin && m.image === "ghcr.io/azure/azure-workload-identity/msal-go"));
  await setImageMapping(lab.kube, "busybox:1.36", ["true"]);
  assert.equal(await removeImageMapping(lab.kube, "docker.io/library/busybox:1.36"), true);
  assert.equal(await removeImageMapping(lab.kube, "busybox:1.36"), false);
  await assert.rejects(setImageMapping(lab.kube, "Not An Image", ["x"]), /invalid image reference/);
  await assert.rejects(setImageMapping(lab.kube, "busybox", []), /non-empty/);
});

test("a mapped pod runs: Running and Ready, the token file at its path is a JWT for the pod, env resolved, logs captured, refreshed past 80 %, stopped on delete", async (t) => {
  await createPod(cluster, podManifest(lab, "app", APP_IMAGE, { extraEnv: [{ name: "MY_POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }] }));
  const pod = await until("Running and Ready", async () => {
    const p = await getPod(cluster, "app");
    return p?.status?.phase === "Running" && condition(p, "Ready") === "True" ? p : undefined;
  });
  assert.equal(pod.spec.nodeName, "wilab-node");
  for (const t of ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]) assert.equal(condition(pod, t), "True", t);
  assert.equal(pod.status!.podIP, "127.0.0.1");
  assert.equal(pod.status!.hostIP, "127.0.0.1");
  assert.ok(pod.status!.startTime);
  assert.equal(pod.status!.qosClass, "BestEffort");
  const cs = pod.status!.containerStatuses![0]!;
  assert.equal(cs.name, "oidc");
  assert.equal(cs.ready, true);
  assert.equal(cs.restartCount, 0);
  assert.match(cs.containerID!, /^wilab:\/\/\d+$/);
  assert.ok(cs.state.running);

  const logs = await until("the token in the logs", async () => ((await logsOf(cluster, "app")).includes("token=") ? logsOf(cluster, "app") : undefined));
  const pid = Number(/pid=(\d+)/.exec(logs)![1]);
  assert.equal(`wilab://${pid}`, cs.containerID);
  assert.match(logs, /^MY_POD=app$/m);
  assert.match(logs, new RegExp(`^AZURE_TENANT_ID=${lab.tenantId}$`, "m"));
  assert.match(logs, /^NODE_EXTRA_CA_CERTS=\/.+ca\.crt$/m);
  assert.match(logs, /^KUBERNETES_SERVICE_HOST=.+$/m);
  const file = /^file=(.*)$/m.exec(logs)![1]!;
  // Root with mount namespaces: the exact path; otherwise the host file (documented).
  if (file !== TOKEN_FILE) assert.match(file, /volumes\/azure-identity-token\/azure-identity-token$/);
  if (file === TOKEN_FILE) assert.match(logs, /^ns=default$/m, "the kube-api-access volume is at its path too");
  t.diagnostic(file === TOKEN_FILE ? "exact-path mounts (mount namespace)" : `env-path mode: ${file}`);
  const token1 = /^token=(.*)$/m.exec(logs)![1]!;
  const claims = decodeJwt(token1);
  assert.deepEqual(claims.aud, ["api://AzureADTokenExchange"]);
  assert.equal(claims.sub, `system:serviceaccount:default:${SA}`);
  assert.equal(claims.iss, lab.kube.issuerUrl(cluster));
  assert.equal((claims.exp as number) - (claims.iat as number), 3600);
  const kio = claims["kubernetes.io"] as { pod: { name: string; uid: string }; serviceaccount: { name: string } };
  assert.deepEqual(kio.pod, { name: "app", uid: pod.metadata.uid });
  assert.equal(kio.serviceaccount.name, SA);

  // 50 minutes on the lab clock: past 80 % of the hour, the kubelet writes a new token.
  lab.ctx.clock.advance(50 * 60_000);
  const token2 = await until("a refreshed token", async () => {
    const all = [...(await logsOf(cluster, "app")).matchAll(/^token=(.*)$/gm)].map((m) => m[1]!);
    return all.length >= 2 ? all.at(-1) : undefined;
  });
  assert.notEqual(token2, token1);
  assert.ok((decodeJwt(token2).iat as number) >= (claims.iat as number) + 50 * 60);

  await lab.kube.storage.write((tx) => tx.delete(cluster.clusterId, "pods", "default", "app"));
  await until("the process to stop", async () => !alive(pid));
});

test("an unmapped image waits with a message that says how to map it; mapping it starts the pod", async () => {
  const image = "registry.example.test/unmapped/thing:2.0";
  await createPod(cluster, podManifest(lab, "unmapped", image));
  const p = await until("ImagePullBackOff", async () => {
    const p = await getPod(cluster, "unmapped");
    const w = p?.status?.containerStatuses?.[0]?.state.waiting;
    return w && (w.reason === "ErrImagePull" || w.reason === "ImagePullBackOff") ? p : undefined;
  });
  assert.equal(p.status!.phase, "Pending");
  const w = p.status!.containerStatuses![0]!.state.waiting!;
  assert.ok(w.message!.includes(`wilab image map ${image} -- <command>`), w.message);
  await until("ImagePullBackOff after ErrImagePull", async () => (await getPod(cluster, "unmapped"))?.status?.containerStatuses?.[0]?.state.waiting?.reason === "ImagePullBackOff");
  await setImageMapping(lab.kube, "registry.example.test/unmapped/thing", [process.execPath, appScript]);
  await until("Running after the mapping", async () => (await getPod(cluster, "unmapped"))?.status?.phase === "Running");
  await lab.kube.storage.write((tx) => tx.delete(cluster.clusterId, "pods", "default", "unmapped"));
});

test("a missing ConfigMap reference is CreateContainerConfigError until the ConfigMap exists", async () => {
  await createPod(cluster, podManifest(lab, "needs-cm", APP_IMAGE, { extraEnv: [{ name: "LEVEL", valueFrom: { configMapKeyRef: { name: "settings", key: "level" } } }] }));
  const w = await until("CreateContainerConfigError", async () => (await getPod(cluster, "needs-cm"))?.status?.containerStatuses?.[0]?.state.waiting);
  await until("CreateContainerConfigError", async () => (await getPod(cluster, "needs-cm"))?.status?.containerStatuses?.[0]?.state.waiting?.reason === "CreateContainerConfigError");
  assert.ok(w);
  const p = await getPod(cluster, "needs-cm");
  assert.equal(p!.status!.containerStatuses![0]!.state.waiting!.message, 'configmap "settings" not found');
  await lab.kube.storage.write((tx) =>
    tx.create(cluster.clusterId, "configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "default" } as unknown as KubeObject["metadata"], data: { level: "high" } }),
  );
  await until("Running once the ConfigMap exists", async () => (await getPod(cluster, "needs-cm"))?.status?.phase === "Running");
  await lab.kube.storage.write((tx) => tx.delete(cluster.clusterId, "pods", "default", "needs-cm"));
});

test("restartPolicy Never and exit 1: the pod fails; Always: restarts with CrashLoopBackOff", async () => {
  await createPod(cluster, podManifest(lab, "fails", APP_IMAGE, { restartPolicy: "Never", env: [{ name: "EXIT_CODE", value: "1" }] }));
  const p = await until("Failed", async () => {
    const p = await getPod(cluster, "fails");
    return p?.status?.phase === "Failed" ? p : undefined;
  });
  const t = p.status!.containerStatuses![0]!.state.terminated!;
  assert.equal(t.exitCode, 1);
  assert.equal(t.reason, "Error");
  assert.equal(condition(p, "Ready"), "False");
  assert.match(await logsOf(cluster, "fails"), /exiting with 1/);

  await createPod(cluster, podManifest(lab, "crashes", APP_IMAGE, { env: [{ name: "EXIT_CODE", value: "3" }] }));
  const c = await until("CrashLoopBackOff", async () => {
    const p = await getPod(cluster, "crashes");
    return p?.status?.containerStatuses?.[0]?.state.waiting?.reason === "CrashLoopBackOff" ? p : undefined;
  });
  const cs = c.status!.containerStatuses![0]!;
  assert.equal(c.status!.phase, "Running");
  assert.equal(cs.restartCount, 1, "the first restart is immediate, the second waits 10 s");
  assert.match(cs.state.waiting!.message!, /^back-off 10s restarting failed container=oidc pod=crashes_default\(/);
  assert.deepEqual((cs.lastState.terminated as { exitCode: number }).exitCode, 3);
  assert.match(await logsOf(cluster, "crashes", { previous: true }), /exiting with 3/);
  await lab.kube.storage.write(async (tx) => {
    await tx.delete(cluster.clusterId, "pods", "default", "fails");
    await tx.delete(cluster.clusterId, "pods", "default", "crashes");
  });
});

test("graceful deletion: deletionTimestamp set → the kubelet stops the containers and deletes the object", async () => {
  await createPod(cluster, podManifest(lab, "graceful", APP_IMAGE));
  await until("Running", async () => (await getPod(cluster, "graceful"))?.status?.phase === "Running");
  const logs = await until("pid", async () => /pid=(\d+)/.exec(await logsOf(cluster, "graceful"))?.[1]);
  await lab.kube.storage.write(async (tx) => {
    const p = (await tx.get(cluster.clusterId, "pods", "default", "graceful"))!;
    p.metadata.deletionTimestamp = new Date(lab.ctx.clock.now()).toISOString();
    (p.metadata as { deletionGracePeriodSeconds?: number }).deletionGracePeriodSeconds = 5;
    await tx.update(cluster.clusterId, "pods", p);
  });
  await until("the object to go", async () => (await getPod(cluster, "graceful")) === undefined);
  assert.equal(alive(Number(logs)), false);
});

const ROLES = { secretsUser: "4633458b-17de-408a-b874-0445c86b69e6", secretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7" };

test("end to end: the msal-go pod logs the secret value read from Key Vault with only the webhook's settings", async () => {
  const cred = adminCredential(lab);
  const opts = armClientOptions(lab);
  await new ResourceManagementClient(cred, lab.subscriptionId, opts).resourceGroups.createOrUpdate("rg-k", { location: "westeurope" });
  const vault = await new KeyVaultManagementClient(cred, lab.subscriptionId, opts).vaults.beginCreateOrUpdateAndWait("rg-k", "kv-kubelet", {
    location: "westeurope",
    properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true },
  });
  const msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId, opts);
  const id = await msi.userAssignedIdentities.createOrUpdate("rg-k", "quick-start", { location: "westeurope" });
  await msi.federatedIdentityCredentials.createOrUpdate("rg-k", "quick-start", "kubernetes-federated-credential", {
    issuer: lab.kube.issuerUrl(cluster),
    subject: `system:serviceaccount:default:${SA}`,
    audiences: ["api://AzureADTokenExchange"],
  });
  const authz = new AuthorizationManagementClient(cred, lab.subscriptionId, opts);
  const roleDef = (g: string) => `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${g}`;
  await authz.roleAssignments.create(vault.id!, randomUUID(), { roleDefinitionId: roleDef(ROLES.secretsOfficer), principalId: lab.admin.objectId, principalType: "ServicePrincipal" });
  await authz.roleAssignments.create(vault.id!, randomUUID(), { roleDefinitionId: roleDef(ROLES.secretsUser), principalId: id.principalId!, principalType: "ServicePrincipal" });
  await new SecretClient(lab.vaultUrl("kv-kubelet"), cred).setSecret("my-secret", "Hello!");

  await createPod(
    cluster,
    podManifest(lab, "quick-start", "ghcr.io/azure/azure-workload-identity/msal-go", {
      clientId: id.clientId!,
      env: [
        { name: "KEYVAULT_URL", value: lab.vaultUrl("kv-kubelet") },
        { name: "SECRET_NAME", value: "my-secret" },
      ],
    }),
  );
  const logs = await until("the secret in the sample's log", async () => {
    const l = await logsOf(cluster, "quick-start");
    return l.includes("successfully got secret") ? l : undefined;
  }, 60_000).catch(async (err: unknown) => {
    throw new Error(`${(err as Error).message}\n--- logs ---\n${await logsOf(cluster, "quick-start")}\n--- pod ---\n${JSON.stringify((await getPod(cluster, "quick-start"))?.status)}`);
  });
  assert.match(logs, /^successfully got secret, secret=Hello!$/m);
  await lab.kube.storage.write((tx) => tx.delete(cluster.clusterId, "pods", "default", "quick-start"));
});

test("a lab restart on the same data dir runs the pods again", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "wilab-kubelet-restart-"));
  try {
    let l = await startTestLab({ memory: false, dataDir });
    await setImageMapping(l.kube, APP_IMAGE, [process.execPath, appScript]);
    const c = await makeCluster(l, "arc-restart");
    await l.kube.storage.write((tx) => tx.create(c.clusterId, "pods", podManifest(l, "survivor", APP_IMAGE)));
    await until("Running", async () => (await getPod(c, "survivor", l))?.status?.phase === "Running");
    const pid1 = Number(await until("pid", async () => /pid=(\d+)/.exec(await logsOf(c, "survivor", {}, l))?.[1]));
    const port = l.port;
    await l.stop();
    assert.equal(alive(pid1), false, "lab stop kills the containers");
    l = await startTestLab({ memory: false, dataDir, port });
    try {
      const p = await until("Running again with a restart counted", async () => {
        const p = await getPod(c, "survivor", l);
        const cs = p?.status?.containerStatuses?.[0];
        return p?.status?.phase === "Running" && cs?.state.running && cs.restartCount === 1 ? p : undefined;
      });
      assert.equal((p.status!.containerStatuses![0]!.lastState.terminated as { reason: string }).reason, "Unknown");
      assert.match(await logsOf(c, "survivor", { previous: true }, l), /pid=/, "the previous run's log survives");
      const pid2 = Number(await until("pid", async () => /pid=(\d+)/.exec(await logsOf(c, "survivor", {}, l))?.[1]));
      assert.notEqual(pid2, pid1);
    } finally {
      await l.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

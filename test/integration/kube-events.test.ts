// Kubernetes Events with real kubectl: the scheduler's and the kubelet's events with kube's reasons and texts, and
// wilab's own WorkloadIdentity… warnings, shown by `kubectl describe pod`, `kubectl get events` and `kubectl events`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { startTestLab, adminCredential, armClientOptions } from "../helpers/lab.js";
import { makeCluster, kubectl, api, type TestCluster } from "../helpers/kube.js";
import { setImageMapping } from "../../src/kube/kubelet/index.js";
import { mutatingWebhookConfiguration, WEBHOOK_NAMESPACE, WEBHOOK_SERVICE } from "../../src/webhook/index.js";
import type { KubeObject } from "../../src/kube/index.js";
import type { LogEntry } from "../../src/platform/index.js";
import type { Lab } from "../../src/index.js";

const APP = "registry.example.test/wilab/events-app:v1";
const CRASH = "registry.example.test/wilab/crash:v1";
const SDK = "/usr/lib/google-cloud-sdk/bin";
const VERSIONS = ["1.27", "1.33"].filter((v) => existsSync(`${SDK}/kubectl.${v}`));

let lab: Lab;
let c: TestCluster;
let dir: string;
let clientId: string;
const logged: (LogEntry & { time: string })[] = [];

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function podYaml(name: string, o: { sa?: string; image?: string; label?: boolean; restartPolicy?: string }): string {
  return [
    "apiVersion: v1",
    "kind: Pod",
    "metadata:",
    `  name: ${name}`,
    ...(o.label === false ? [] : ["  labels:", '    azure.workload.identity/use: "true"']),
    "spec:",
    `  serviceAccountName: ${o.sa ?? "default"}`,
    `  restartPolicy: ${o.restartPolicy ?? "Always"}`,
    "  terminationGracePeriodSeconds: 2",
    "  containers:",
    "  - name: oidc",
    `    image: ${o.image ?? APP}`,
    "",
  ].join("\n");
}

function saYaml(name: string, annotations: Record<string, string>): string {
  const lines = Object.entries(annotations).map(([k, v]) => `    ${k}: "${v}"`);
  return ["apiVersion: v1", "kind: ServiceAccount", "metadata:", `  name: ${name}`, ...(lines.length ? ["  annotations:", ...lines] : []), ""].join("\n");
}

async function apply(yaml: string): Promise<void> {
  const r = await kubectl(c, ["apply", "-f", "-"], { input: yaml });
  assert.equal(r.code, 0, r.stderr);
}

async function events(pod: string): Promise<KubeObject[]> {
  const r = await api(c, "GET", `/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3D${pod}`);
  return (r.body.items as KubeObject[]) ?? [];
}

async function eventWith(pod: string, reason: string): Promise<KubeObject> {
  return until(`${reason} on ${pod}`, async () => (await events(pod)).find((e) => e.reason === reason));
}

/** The Events section of `kubectl describe pod` (default kubectl, then each versioned one). */
async function describeEvents(pod: string, bin?: string): Promise<string> {
  const r = await kubectl(c, ["describe", "pod", pod], bin ? { bin } : {});
  assert.equal(r.code, 0, r.stderr);
  const i = r.stdout.indexOf("\nEvents:");
  assert.ok(i >= 0, r.stdout);
  return r.stdout.slice(i);
}

before(async () => {
  lab = await startTestLab();
  lab.ctx.labLog.subscribe((e) => logged.push(e));
  dir = mkdtempSync(join(tmpdir(), "wilab-events-it-"));
  const app = join(dir, "app.mjs");
  writeFileSync(app, `console.log("up"); setInterval(() => undefined, 1000);\n`);
  await setImageMapping(lab.kube, APP, [process.execPath, app]);
  await setImageMapping(lab.kube, CRASH, [process.execPath, "-e", "process.exit(3)"]);
  c = await makeCluster(lab, { name: "events1", workloadIdentity: true });
  // The workload identity webhook's registration, as the cluster extension installs it.
  await lab.kube.storage.write(async (tx) => {
    await tx.create(c.record.clusterId, "namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: WEBHOOK_NAMESPACE } as KubeObject["metadata"] });
    const mwc = mutatingWebhookConfiguration({ service: { name: WEBHOOK_SERVICE, namespace: WEBHOOK_NAMESPACE, path: "/mutate-v1-pod", port: 443 }, caBundle: Buffer.from(lab.caCert).toString("base64") });
    await tx.create(c.record.clusterId, "mutatingwebhookconfigurations", mwc as unknown as KubeObject);
  });
  const cred = adminCredential(lab);
  const opts = armClientOptions(lab);
  await new ResourceManagementClient(cred, lab.subscriptionId, opts).resourceGroups.createOrUpdate("rg-ev", { location: "westeurope" });
  const msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId, opts);
  clientId = (await msi.userAssignedIdentities.createOrUpdate("rg-ev", "id-events", { location: "westeurope" })).clientId!;
  // The classic mistake: the credential names another namespace.
  await msi.federatedIdentityCredentials.createOrUpdate("rg-ev", "id-events", "fic-events", {
    issuer: lab.kube.issuerUrl(c.record),
    subject: "system:serviceaccount:prod:wi-sa",
    audiences: ["api://AzureADTokenExchange"],
  });
});

after(async () => {
  await lab?.stop();
  c?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a running pod: describe shows Scheduled, Pulled, Created, Started with kube's texts, kubectl 1.27 and 1.33 alike", async () => {
  await apply(podYaml("web", { label: false }));
  const started = await eventWith("web", "Started");
  assert.equal(started.message, "Started container oidc");
  assert.deepEqual(started.source, { component: "kubelet", host: "wilab-node" });
  assert.equal((started.involvedObject as { fieldPath?: string }).fieldPath, "spec.containers{oidc}");
  const all = await events("web");
  const scheduled = all.find((e) => e.reason === "Scheduled")!;
  assert.equal(scheduled.message, "Successfully assigned default/web to wilab-node");
  assert.equal(scheduled.reportingComponent, "default-scheduler");
  assert.equal(scheduled.action, "Binding");
  assert.equal(all.find((e) => e.reason === "Pulled")?.message, `Container image "${APP}" already present on machine`);
  assert.equal(all.find((e) => e.reason === "Created")?.message, "Created container oidc", "1.32 kubelets write no colon");
  assert.ok(!all.some((e) => String(e.reason).startsWith("WorkloadIdentity")), "a pod that does not use workload identity gets no wilab warning");

  for (const bin of [undefined, ...VERSIONS.map((v) => `${SDK}/kubectl.${v}`)]) {
    const out = await describeEvents("web", bin);
    assert.match(out, /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/web to wilab-node/, `${bin ?? "kubectl"}:\n${out}`);
    assert.match(out, /Normal\s+Pulled\s+\S+\s+kubelet\s+(spec\.containers\{oidc\}: )?Container image "registry\.example\.test\/wilab\/events-app:v1" already present on machine/, out);
    assert.match(out, /Normal\s+Created\s+\S+\s+kubelet\s+(spec\.containers\{oidc\}: )?Created container oidc/, out);
    assert.match(out, /Normal\s+Started\s+\S+\s+kubelet\s+(spec\.containers\{oidc\}: )?Started container oidc/, out);
  }
});

test("a crashing container: BackOff with the pod's name, namespace and uid, counted, and in the lab log", async () => {
  await apply(podYaml("crasher", { label: false, image: CRASH }));
  const backoff = await eventWith("crasher", "BackOff");
  const pod = await api(c, "GET", "/api/v1/namespaces/default/pods/crasher");
  const uid = (pod.body.metadata as { uid: string }).uid;
  assert.equal(backoff.type, "Warning");
  assert.equal(backoff.message, `Back-off restarting failed container oidc in pod crasher_default(${uid})`);
  const out = await describeEvents("crasher");
  assert.match(out, /Warning\s+BackOff\s+.*kubelet\s+(spec\.containers\{oidc\}: )?Back-off restarting failed container oidc in pod crasher_default\(/, out);
  // The second start bumps the count of Created/Started instead of writing new Events.
  const created = await until("Created counted twice", async () => (await events("crasher")).find((e) => e.reason === "Created" && Number(e.count) >= 2));
  assert.equal(created.message, "Created container oidc");
  assert.match(out, /Normal\s+Pulled\s+\S+( \(x\d+ over \S+\))?\s+kubelet/, out);
  const line = logged.find((e) => e.code === "BackOff" && e.fields?.pod === "default/crasher");
  assert.ok(line, "the kubelet's Warning goes to the lab log");
  assert.equal(line.face, "kubelet");
  assert.equal(line.op, "pods/start");
  assert.equal(line.fields?.cluster, "events1");
});

test("deleting a pod: the kubelet's Killing event", async () => {
  await apply(podYaml("doomed", { label: false }));
  await eventWith("doomed", "Started");
  const r = await kubectl(c, ["delete", "pod", "doomed", "--wait=true"]);
  assert.equal(r.code, 0, r.stderr);
  const killing = await eventWith("doomed", "Killing");
  assert.equal(killing.message, "Stopping container oidc");
  assert.equal((killing.involvedObject as { fieldPath?: string }).fieldPath, "spec.containers{oidc}");
});

test("an image with no mapping: Pulling, Failed (ErrImagePull) and the back-off", async () => {
  const image = "registry.example.test/nobody/unmapped:v9";
  await apply(podYaml("nopull", { label: false, image }));
  const failed = await until("Failed to pull", async () => (await events("nopull")).find((e) => e.reason === "Failed" && String(e.message).startsWith("Failed to pull image")));
  assert.match(String(failed.message), /^Failed to pull image "registry\.example\.test\/nobody\/unmapped:v9": wilab runs containers as local processes/);
  const all = await events("nopull");
  assert.ok(all.some((e) => e.reason === "Pulling" && e.message === `Pulling image "${image}"`));
  assert.ok(all.some((e) => e.reason === "Failed" && e.message === "Error: ErrImagePull"));
  await eventWith("nopull", "BackOff");
  assert.ok((await events("nopull")).some((e) => e.reason === "BackOff" && e.message === `Back-off pulling image "${image}"` && e.type === "Normal"));
});

test("a missing ConfigMap volume: FailedMount with kube's text", async () => {
  const yaml = podYaml("nomount", { label: false }).replace("  containers:\n", "  volumes:\n  - name: settings\n    configMap:\n      name: absent-settings\n  containers:\n");
  await apply(yaml);
  const ev = await eventWith("nomount", "FailedMount");
  assert.equal(ev.message, 'MountVolume.SetUp failed for volume "settings" : configmap "absent-settings" not found');
  assert.equal(ev.type, "Warning");
  const out = await describeEvents("nomount");
  assert.match(out, /Warning\s+FailedMount\s+.*kubelet\s+MountVolume\.SetUp failed for volume "settings" : configmap "absent-settings" not found/, out);
});

test("WorkloadIdentityLabelMissing: the service account is annotated but the pod has no label", async () => {
  await apply(saYaml("wi-sa", { "azure.workload.identity/client-id": clientId }));
  await apply(podYaml("nolabel", { sa: "wi-sa", label: false }));
  const ev = await eventWith("nolabel", "WorkloadIdentityLabelMissing");
  assert.equal(ev.type, "Warning");
  assert.equal(ev.reportingComponent, "wilab");
  assert.match(String(ev.message), /Service account "default\/wi-sa" has the annotation azure\.workload\.identity\/client-id=/);
  assert.match(String(ev.message), /lacks the label azure\.workload\.identity\/use: "true"/);
  assert.match(String(ev.message), /kubectl label does not re-run the webhook/);
  for (const bin of [undefined, ...VERSIONS.map((v) => `${SDK}/kubectl.${v}`)]) {
    const out = await describeEvents("nolabel", bin);
    assert.match(out, /Warning\s+WorkloadIdentityLabelMissing\s+\S+\s+wilab\s+Service account "default\/wi-sa"/, out);
  }
  assert.ok(logged.some((e) => e.code === "WorkloadIdentityLabelMissing" && e.fields?.pod === "default/nolabel"));
});

test("WorkloadIdentityClientIdMissing: a labelled pod whose service account has azure.workload.identity/clientid", async () => {
  await apply(saYaml("typo-sa", { "azure.workload.identity/clientid": clientId }));
  await apply(podYaml("typo", { sa: "typo-sa" }));
  const ev = await eventWith("typo", "WorkloadIdentityClientIdMissing");
  assert.match(String(ev.message), /has no annotation azure\.workload\.identity\/client-id, only "azure\.workload\.identity\/clientid"/);
  assert.ok(String(ev.message).includes(`kubectl annotate serviceaccount typo-sa -n default azure.workload.identity/client-id=${clientId} --overwrite && kubectl annotate serviceaccount typo-sa -n default azure.workload.identity/clientid-`), String(ev.message));
  const out = await describeEvents("typo");
  assert.match(out, /Warning\s+WorkloadIdentityClientIdMissing\s+\S+\s+wilab\s+Pod "typo" is labelled/, out);
});

test("WorkloadIdentityNoFederatedCredential: the identity's credential names another subject; both subjects named", async () => {
  await apply(podYaml("wrongsub", { sa: "wi-sa" }));
  const ev = await eventWith("wrongsub", "WorkloadIdentityNoFederatedCredential");
  const msg = String(ev.message);
  assert.ok(msg.includes("subject: credential has 'system:serviceaccount:prod:wi-sa', the pod presents 'system:serviceaccount:default:wi-sa'"), msg);
  assert.ok(msg.includes("Nearest: 'fic-events'"), msg);
  assert.ok(msg.includes("AADSTS700213"), msg);
  assert.ok(msg.includes("az identity federated-credential update --name fic-events --identity-name id-events --resource-group rg-ev --subject system:serviceaccount:default:wi-sa"), msg);
  const out = await describeEvents("wrongsub");
  assert.match(out, /Warning\s+WorkloadIdentityNoFederatedCredential\s+\S+\s+wilab\s+No federated identity credential of identity 'id-events'/, out);
  // The fixed credential: a new pod gets no warning.
  const msi = new ManagedServiceIdentityClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab));
  await msi.federatedIdentityCredentials.createOrUpdate("rg-ev", "id-events", "fic-events", {
    issuer: lab.kube.issuerUrl(c.record),
    subject: "system:serviceaccount:default:wi-sa",
    audiences: ["api://AzureADTokenExchange"],
  });
  await apply(podYaml("rightsub", { sa: "wi-sa" }));
  await eventWith("rightsub", "Started");
  assert.ok(!(await events("rightsub")).some((e) => String(e.reason).startsWith("WorkloadIdentity")));
});

test("WorkloadIdentityClientIdUnknown: the service account names the identity's principal id instead of its client id", async () => {
  const msi = new ManagedServiceIdentityClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab));
  const id = await msi.userAssignedIdentities.get("rg-ev", "id-events");
  await apply(saYaml("oid-sa", { "azure.workload.identity/client-id": id.principalId! }));
  await apply(podYaml("oid", { sa: "oid-sa" }));
  const ev = await eventWith("oid", "WorkloadIdentityClientIdUnknown");
  assert.ok(String(ev.message).includes(`'${id.principalId!}' is the principal (object) id of 'id-events'; its client id is ${clientId}.`), String(ev.message));
  assert.ok(String(ev.message).includes(`kubectl annotate serviceaccount oid-sa -n default azure.workload.identity/client-id=${clientId} --overwrite`), String(ev.message));
});

test("WorkloadIdentityClientIdChanged: the service account's annotation changes under a running pod", async () => {
  const other = "0b6f2a54-1c3d-4e5f-8a9b-0c1d2e3f4a5b";
  const r = await kubectl(c, ["annotate", "serviceaccount", "wi-sa", `azure.workload.identity/client-id=${other}`, "--overwrite"]);
  assert.equal(r.code, 0, r.stderr);
  const ev = await eventWith("rightsub", "WorkloadIdentityClientIdChanged");
  assert.ok(String(ev.message).includes(`Service account "default/wi-sa" now has azure.workload.identity/client-id=${other}, but pod "rightsub" was given AZURE_CLIENT_ID=${clientId} when it was created`), String(ev.message));
  assert.match(String(ev.message), /Fix: create the pod again \(kubectl delete pod rightsub -n default, then kubectl apply\)\.$/);
  assert.ok(!(await events("nolabel")).some((e) => e.reason === "WorkloadIdentityClientIdChanged"), "a pod the webhook never mutated has no client id to go stale");
});

test("WorkloadIdentityNotMutated: a labelled pod in a cluster without the workload identity webhook", async () => {
  const plain = await makeCluster(lab, { name: "plain1", workloadIdentity: false });
  try {
    for (const y of [saYaml("wi-sa", { "azure.workload.identity/client-id": clientId }), podYaml("unmutated", { sa: "wi-sa" })]) {
      const r = await kubectl(plain, ["apply", "-f", "-"], { input: y });
      assert.equal(r.code, 0, r.stderr);
    }
    const ev = await until("WorkloadIdentityNotMutated", async () => {
      const r = await api(plain, "GET", "/api/v1/namespaces/default/events?fieldSelector=reason%3DWorkloadIdentityNotMutated");
      return (r.body.items as KubeObject[] | undefined)?.[0];
    });
    assert.match(String(ev.message), /Pod "unmutated" is labelled azure\.workload\.identity\/use=true, but no container has AZURE_FEDERATED_TOKEN_FILE .* the cluster has no workload identity webhook/);
  } finally {
    plain.cleanup();
  }
});

test("kubectl get events and kubectl events list them; a field selector on reason and type works", async () => {
  const r = await kubectl(c, ["get", "events"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.split("\n")[0]!, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
  assert.match(r.stdout, /Warning\s+WorkloadIdentityLabelMissing\s+pod\/nolabel\s+Service account/);
  assert.match(r.stdout, /Normal\s+Scheduled\s+pod\/web\s+Successfully assigned default\/web to wilab-node/);
  const wide = await kubectl(c, ["get", "events", "-o", "wide", "--field-selector", "reason=BackOff,type=Warning"]);
  assert.equal(wide.code, 0, wide.stderr);
  assert.match(wide.stdout.split("\n")[0]!, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+SUBOBJECT\s+SOURCE\s+MESSAGE\s+FIRST SEEN\s+COUNT\s+NAME$/);
  assert.match(wide.stdout, /Warning\s+BackOff\s+pod\/crasher\s+spec\.containers\{oidc\}\s+kubelet, wilab-node\s+Back-off restarting/);
  assert.ok(!wide.stdout.includes("Scheduled"));
  for (const bin of ["kubectl", ...VERSIONS.filter((v) => v >= "1.28").map((v) => `${SDK}/kubectl.${v}`)]) {
    const ev = await kubectl(c, ["events", "--for", "pod/typo"], { bin });
    assert.equal(ev.code, 0, `${bin}: ${ev.stderr}`);
    assert.match(ev.stdout, /Warning\s+WorkloadIdentityClientIdMissing\s+Pod\/typo\s+Pod "typo" is labelled/, `${bin}:\n${ev.stdout}`);
  }
});

test("events expire an hour after their last write, on the lab clock", async () => {
  const before = await events("web");
  assert.ok(before.length > 0);
  lab.ctx.clock.advance(3_601_000);
  assert.deepEqual(await events("web"), []);
  const r = await api(c, "GET", `/api/v1/namespaces/default/events/${before[0]!.metadata.name}`);
  assert.equal(r.status, 404);
  // New events are written (and listed) as before.
  await apply(podYaml("late", { label: false }));
  assert.equal((await eventWith("late", "Started")).count, 1);
});

// `wilab doctor` end to end: a lab with a workload-identity cluster (its webhook registered), a managed identity
// with a federated credential, an RBAC vault with the Secrets User role, a service account and a pod made with real
// kubectl (so the real admission chain and webhook mutate it). The doctor passes; then links are broken the way
// people break them; `/_wilab/doctor` and the CLI binary exit 1 naming the values and the fix; the fix command
// printed is run as is (through the az shim and kubectl); the doctor passes again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { startLab, type Lab } from "../../src/index.js";
import { adminCredential, armClientOptions } from "../helpers/lab.js";
import { kubectl, makeCluster, SA_MANIFEST, type TestCluster } from "../helpers/kube.js";
import { initialObjects } from "../../src/kube/clusterObjects.js";
import type { KubeObject } from "../../src/kube/index.js";
import type { CheckResult, DoctorReport } from "../../src/diagnose/doctor/index.js";

const root = resolve(fileURLToPath(new URL("../../../", import.meta.url)));
const WILAB = join(root, "bin", "wilab");
const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";

let lab: Lab;
let home: string;
let cluster: TestCluster;
let identity: { clientId: string; principalId: string };
let vaultId: string;
let assignmentName: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(file, args, { env: { ...process.env, WILAB_HOME: home, ...env }, cwd: root }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

const wilab = (...args: string[]) => run(process.execPath, [WILAB, ...args]);

/** Runs a fix command exactly as the doctor printed it, with `az` (the shim) and kubectl on PATH. */
const shell = (command: string) => run("bash", ["-c", command], { PATH: `${join(root, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`, KUBECONFIG: cluster.kubeconfig, HOME: cluster.home });

async function doctorApi(query: string, token?: string): Promise<{ status: number; body: DoctorReport & { error?: { code: string; message: string } } }> {
  const t = token ?? (await adminCredential(lab).getToken("https://management.azure.com/.default")).token;
  const res = await fetch(`${lab.url}/_wilab/doctor?${query}`, { headers: t ? { authorization: `Bearer ${t}` } : {} });
  return { status: res.status, body: (await res.json()) as DoctorReport & { error?: { code: string; message: string } } };
}

const byId = (r: DoctorReport, id: string): CheckResult => r.checks.find((c) => c.id === id)!;
const failing = (r: DoctorReport) => r.checks.filter((c) => c.status === "fail").map((c) => c.id);

const POD = (vaultUrl: string) => `apiVersion: v1
kind: Pod
metadata:
  name: quick-start
  namespace: default
  labels:
    azure.workload.identity/use: "true"
spec:
  serviceAccountName: workload-identity-sa
  containers:
    - image: registry.example.test/doctor/app:v1
      name: app
      env:
      - name: KEYVAULT_URL
        value: ${vaultUrl}
      - name: SECRET_NAME
        value: my-secret
`;

before(async () => {
  home = mkdtempSync(join(tmpdir(), "wilab-doctor-"));
  const caDir = process.env.WILAB_TEST_CA_DIR;
  if (!caDir) throw new Error("WILAB_TEST_CA_DIR is not set: run the tests with scripts/run-tests.mjs");
  lab = await startLab({ memory: true, port: 0, caDir, dataDir: home, recordEndpoints: true });
  cluster = await makeCluster(lab, { name: "arc-doctor", workloadIdentity: true });
  // The webhook's registration, as ARM writes it for a workload-identity cluster.
  const mwc = initialObjects({ workloadIdentity: true, caPem: lab.caCert, tenantId: lab.tenantId }).find((o) => o.resource === "mutatingwebhookconfigurations")!;
  await lab.kube.storage.write((tx) => tx.create(cluster.record.clusterId, "mutatingwebhookconfigurations", mwc.object as KubeObject, "admissionregistration.k8s.io"));

  const cred = adminCredential(lab);
  const opts = armClientOptions(lab);
  await new ResourceManagementClient(cred, lab.subscriptionId, opts).resourceGroups.createOrUpdate("rg-doctor", { location: "westeurope" });
  const vault = await new KeyVaultManagementClient(cred, lab.subscriptionId, opts).vaults.beginCreateOrUpdateAndWait("rg-doctor", "kv-doctor", {
    location: "westeurope",
    properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true },
  });
  vaultId = vault.id!;
  const msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId, opts);
  const id = await msi.userAssignedIdentities.createOrUpdate("rg-doctor", "doctor-id", { location: "westeurope" });
  identity = { clientId: id.clientId!, principalId: id.principalId! };
  await msi.federatedIdentityCredentials.createOrUpdate("rg-doctor", "doctor-id", "kubernetes-federated-credential", {
    issuer: lab.kube.issuerUrl(cluster.record),
    subject: "system:serviceaccount:default:workload-identity-sa",
    audiences: ["api://AzureADTokenExchange"],
  });
  const authz = new AuthorizationManagementClient(cred, lab.subscriptionId, opts);
  const roleDef = (g: string) => `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${g}`;
  await authz.roleAssignments.create(vaultId, crypto.randomUUID(), { roleDefinitionId: roleDef(SECRETS_OFFICER), principalId: lab.admin.objectId, principalType: "ServicePrincipal" });
  assignmentName = crypto.randomUUID();
  await authz.roleAssignments.create(vaultId, assignmentName, { roleDefinitionId: roleDef(SECRETS_USER), principalId: identity.principalId, principalType: "ServicePrincipal" });

  for (const manifest of [SA_MANIFEST(identity.clientId), POD(lab.vaultUrl("kv-doctor"))]) {
    const r = await kubectl(cluster, ["apply", "-f", "-"], { input: manifest });
    assert.equal(r.code, 0, r.stderr);
  }
  assert.equal((await wilab("login", "--output", "none")).code, 0);
});

after(async () => {
  await lab?.stop();
  cluster?.cleanup();
  if (home) rmSync(home, { recursive: true, force: true });
});

test("a whole chain: every check passes over /_wilab/doctor (no sign-in yet is only a warning); the API needs an ARM token", async () => {
  const { status, body } = await doctorApi("pod=quick-start");
  assert.equal(status, 200);
  assert.equal(body.target, "pod default/quick-start in cluster arc-doctor");
  assert.equal(body.ok, true, JSON.stringify(body.checks, null, 2));
  assert.deepEqual(
    body.checks.map((c) => c.id),
    ["pod-label", "service-account", "webhook-mutation", "token", "identity", "federated-credential", "sign-in", "role-assignment", "vault", "propagation"],
  );
  for (const c of body.checks) if (c.id !== "sign-in") assert.equal(c.status, "pass", `${c.id}: ${c.detail}`);
  assert.match(byId(body, "token").detail, new RegExp(`iss=${lab.kube.issuerUrl(cluster.record)}, sub=system:serviceaccount:default:workload-identity-sa, aud=api://AzureADTokenExchange`));
  assert.match(byId(body, "role-assignment").detail, /'Key Vault Secrets User' assigned to doctor-id/);

  const anonymous = await fetch(`${lab.url}/_wilab/doctor?pod=quick-start`);
  assert.equal(anonymous.status, 401);
  assert.equal(((await anonymous.json()) as { error: { code: string } }).error.code, "Unauthorized");
  const missing = await doctorApi("pod=nope&namespace=default&cluster=arc-doctor");
  assert.equal(missing.status, 404);
  assert.match(missing.body.error!.message, /pods "nope" not found in namespace 'default' of cluster arc-doctor/);
  const identityEnd = await doctorApi("identity=doctor-id&resourceGroup=rg-doctor");
  assert.equal(identityEnd.body.ok, true, JSON.stringify(identityEnd.body.checks, null, 2));
  assert.match(byId(identityEnd.body, "service-accounts").detail, /trusted: arc-doctor:default\/workload-identity-sa/);
  const vaultEnd = await doctorApi("vault=kv-doctor");
  assert.equal(vaultEnd.body.ok, true, JSON.stringify(vaultEnd.body.checks, null, 2));
});

test("the CLI: exit 0 with a readable table; the role assignment deleted → exit 1 naming the principal, the vault and the fix; the printed fix makes it pass", async () => {
  let r = await wilab("doctor", "pod", "quick-start", "-o", "table");
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^Doctor: pod default\/quick-start in cluster arc-doctor\n\n✔ PASS {2}pod-label +.*\n/);
  assert.match(r.stdout, /\nOK: 0 failed, 1 warning\(s\), 9 passed, 0 skipped\n$/);

  // Break: the identity's Secrets User assignment goes away.
  const authz = new AuthorizationManagementClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab));
  await authz.roleAssignments.delete(vaultId, assignmentName);

  const api = await doctorApi("pod=quick-start&namespace=default&cluster=arc-doctor&resourceGroup=rg-kube");
  assert.equal(api.body.ok, false);
  assert.deepEqual(failing(api.body), ["role-assignment"]);
  const ra = byId(api.body, "role-assignment");
  const fix = `az role assignment create --assignee-object-id ${identity.principalId} --role 'Key Vault Secrets User' --scope ${vaultId} --assignee-principal-type ServicePrincipal`;
  assert.equal(ra.fix, fix);
  assert.match(ra.detail, new RegExp(`no role assignment grants doctor-id \\(principal ${identity.principalId}\\) Microsoft.KeyVault/vaults/secrets/getSecret/action on ${vaultId}/secrets/my-secret`));

  r = await wilab("doctor", "pod", "quick-start", "-n", "default", "--cluster", "arc-doctor", "-g", "rg-kube");
  assert.equal(r.code, 1, r.stderr);
  const json = JSON.parse(r.stdout) as DoctorReport;
  assert.equal(json.ok, false);
  assert.equal(byId(json, "role-assignment").fix, fix);
  r = await wilab("doctor", "pod", "quick-start", "-o", "table");
  assert.equal(r.code, 1);
  assert.match(r.stdout, /\n✖ FAIL {2}role-assignment +no role assignment grants doctor-id/);
  assert.ok(r.stdout.includes(`\n                              fix:      ${fix}\n`), r.stdout);
  assert.match(r.stdout, /\nFAILED: 1 failed, /);
  r = await wilab("doctor", "vault", "kv-doctor", "-o", "table");
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /! WARN {2}role-assignments|✔ PASS {2}role-assignments/);

  // The fix, exactly as printed, through the az shim.
  const applied = await shell(fix);
  assert.equal(applied.code, 0, applied.stderr);
  r = await wilab("doctor", "pod", "quick-start");
  assert.equal(r.code, 0, r.stdout);
  assert.equal((JSON.parse(r.stdout) as DoctorReport).ok, true);
});

test("the annotation removed from the service account: service-account fails with the kubectl fix naming the clientId; running it passes", async () => {
  const removed = await kubectl(cluster, ["annotate", "serviceaccount", "workload-identity-sa", "-n", "default", "azure.workload.identity/client-id-"]);
  assert.equal(removed.code, 0, removed.stderr);
  const r = await wilab("doctor", "pod", "quick-start");
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as DoctorReport;
  assert.deepEqual(failing(report), ["service-account", "webhook-mutation"]);
  const sa = byId(report, "service-account");
  assert.equal(sa.actual, "no such annotation");
  assert.equal(sa.fix, `kubectl annotate serviceaccount workload-identity-sa -n default azure.workload.identity/client-id=${identity.clientId} --overwrite`);
  // The pod still carries the old AZURE_CLIENT_ID: the webhook would now inject none.
  assert.equal(byId(report, "webhook-mutation").actual, `container app: AZURE_CLIENT_ID=${identity.clientId}`);

  const applied = await shell(sa.fix!);
  assert.equal(applied.code, 0, applied.stderr);
  const again = await wilab("doctor", "pod", "quick-start");
  assert.equal(again.code, 0, again.stdout);
});

test("the identity's credential trusts another subject namespace: federated-credential fails with the nearest miss; identity doctor names it too", async () => {
  const msi = new ManagedServiceIdentityClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab));
  await msi.federatedIdentityCredentials.createOrUpdate("rg-doctor", "doctor-id", "kubernetes-federated-credential", {
    issuer: lab.kube.issuerUrl(cluster.record),
    subject: "system:serviceaccount:dev:workload-identity-sa",
    audiences: ["api://AzureADTokenExchange"],
  });
  const { body } = await doctorApi("pod=quick-start");
  assert.deepEqual(failing(body), ["federated-credential"]);
  const f = byId(body, "federated-credential");
  assert.equal(f.expected, "subject=system:serviceaccount:default:workload-identity-sa (the token's)");
  assert.equal(f.actual, "subject=system:serviceaccount:dev:workload-identity-sa (credential kubernetes-federated-credential)");
  assert.match(f.fix!, /^az identity federated-credential update --name kubernetes-federated-credential --identity-name doctor-id --resource-group rg-doctor --issuer \S+ --subject system:serviceaccount:default:workload-identity-sa --audiences api:\/\/AzureADTokenExchange$/);
  const r = await wilab("doctor", "identity", "doctor-id", "-g", "rg-doctor");
  assert.equal(r.code, 1);
  assert.deepEqual(failing(JSON.parse(r.stdout) as DoctorReport), ["service-accounts"]);

  await msi.federatedIdentityCredentials.createOrUpdate("rg-doctor", "doctor-id", "kubernetes-federated-credential", {
    issuer: lab.kube.issuerUrl(cluster.record),
    subject: "system:serviceaccount:default:workload-identity-sa",
    audiences: ["api://AzureADTokenExchange"],
  });
  assert.equal((await doctorApi("pod=quick-start")).body.ok, true);
});

test("the issuer changed (the credential was made when the lab listened on another port): token and federated-credential name both issuers", async () => {
  const msi = new ManagedServiceIdentityClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab));
  const now = lab.kube.issuerUrl(cluster.record);
  const old = now.replace(`:${lab.port}/`, `:${lab.port === 8443 ? 9443 : 8443}/`);
  await msi.federatedIdentityCredentials.createOrUpdate("rg-doctor", "doctor-id", "kubernetes-federated-credential", {
    issuer: old,
    subject: "system:serviceaccount:default:workload-identity-sa",
    audiences: ["api://AzureADTokenExchange"],
  });
  const r = await wilab("doctor", "pod", "quick-start");
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as DoctorReport;
  assert.deepEqual(failing(report), ["token", "federated-credential"]);
  const t = byId(report, "token");
  assert.equal(t.actual, `iss=${now}`);
  assert.equal(t.expected, `an issuer trusted by doctor-id: ${old}`);
  assert.equal(t.fix, `az identity federated-credential update --name kubernetes-federated-credential --identity-name doctor-id --resource-group rg-doctor --issuer ${now} --subject system:serviceaccount:default:workload-identity-sa --audiences api://AzureADTokenExchange`);
  const f = byId(report, "federated-credential");
  assert.equal(f.expected, `issuer=${now} (the token's)`);
  assert.equal(f.actual, `issuer=${old} (credential kubernetes-federated-credential)`);
  const id = JSON.parse((await wilab("doctor", "identity", "doctor-id", "-g", "rg-doctor")).stdout) as DoctorReport;
  assert.equal(byId(id, "credential-issuers").expected, now);
  assert.equal(byId(id, "credential-issuers").actual, old);

  await msi.federatedIdentityCredentials.createOrUpdate("rg-doctor", "doctor-id", "kubernetes-federated-credential", {
    issuer: now,
    subject: "system:serviceaccount:default:workload-identity-sa",
    audiences: ["api://AzureADTokenExchange"],
  });
  assert.equal((await wilab("doctor", "pod", "quick-start")).code, 0);
});

test("a pod without the label: pod-label fails, the webhook did not mutate it; the printed fix, given the manifest, recreates it labelled and mutated", async () => {
  const manifest = join(home, "unlabelled.yaml");
  writeFileSync(manifest, POD(lab.vaultUrl("kv-doctor")).replace("name: quick-start", "name: unlabelled").replace(/ {2}labels:\n {4}azure.workload.identity\/use: "true"\n/, ""));
  const applied = await kubectl(cluster, ["apply", "-f", manifest]);
  assert.equal(applied.code, 0, applied.stderr);
  const r = await wilab("doctor", "pod", "unlabelled", "-o", "table");
  assert.equal(r.code, 1);
  assert.match(r.stdout, /\n✖ FAIL {2}pod-label +pod default\/unlabelled has no azure.workload.identity\/use label: the webhook did not mutate it/);
  const report = JSON.parse((await wilab("doctor", "pod", "unlabelled")).stdout) as DoctorReport;
  assert.deepEqual(failing(report), ["pod-label"]);
  const label = byId(report, "pod-label");
  assert.equal(label.expected, "azure.workload.identity/use=true");
  assert.equal(label.actual, "no such label");
  assert.equal(byId(report, "webhook-mutation").status, "skip");

  const fixed = await shell(label.fix!.replace("<the pod's manifest>", manifest));
  assert.equal(fixed.code, 0, fixed.stderr);
  const again = await wilab("doctor", "pod", "unlabelled");
  assert.equal(again.code, 0, again.stdout);
  assert.equal(byId(JSON.parse(again.stdout) as DoctorReport, "webhook-mutation").status, "pass");
});

test("the role given to another identity, then at a group without the vault, the audience with a trailing slash: each names both values; the fixes pass", async () => {
  const cred = adminCredential(lab);
  const opts = armClientOptions(lab);
  const authz = new AuthorizationManagementClient(cred, lab.subscriptionId, opts);
  const msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId, opts);
  const roleDef = `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${SECRETS_USER}`;
  const mine: string[] = [];
  for await (const a of authz.roleAssignments.listForScope(vaultId)) if (a.principalId === identity.principalId) mine.push(a.name!);
  for (const name of mine) await authz.roleAssignments.delete(vaultId, name);

  const other = await msi.userAssignedIdentities.createOrUpdate("rg-doctor", "other-id", { location: "westeurope" });
  const wrong = crypto.randomUUID();
  await authz.roleAssignments.create(vaultId, wrong, { roleDefinitionId: roleDef, principalId: other.principalId!, principalType: "ServicePrincipal" });
  let ra = byId((await doctorApi("pod=quick-start")).body, "role-assignment");
  assert.equal(ra.status, "fail");
  assert.match(ra.detail, new RegExp(`'Key Vault Secrets User' at ${vaultId} is assigned to ${other.principalId}, the principal of identity other-id, not to doctor-id's principal ${identity.principalId}`));
  assert.equal(ra.expected, `principalId ${identity.principalId} (identity doctor-id)`);
  assert.equal(ra.actual, `principalId ${other.principalId}`);
  await authz.roleAssignments.delete(vaultId, wrong);

  await new ResourceManagementClient(cred, lab.subscriptionId, opts).resourceGroups.createOrUpdate("rg-elsewhere", { location: "westeurope" });
  const elsewhere = `/subscriptions/${lab.subscriptionId}/resourceGroups/rg-elsewhere`;
  await authz.roleAssignments.create(elsewhere, crypto.randomUUID(), { roleDefinitionId: roleDef, principalId: identity.principalId, principalType: "ServicePrincipal" });
  const r = await wilab("doctor", "pod", "quick-start");
  assert.equal(r.code, 1);
  ra = byId(JSON.parse(r.stdout) as DoctorReport, "role-assignment");
  assert.equal(ra.expected, `a scope containing ${vaultId}/secrets/my-secret`);
  assert.equal(ra.actual, `scope ${elsewhere}`);
  const fixed = await shell(ra.fix!);
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.equal((await wilab("doctor", "pod", "quick-start")).code, 0);

  await msi.federatedIdentityCredentials.createOrUpdate("rg-doctor", "doctor-id", "kubernetes-federated-credential", {
    issuer: lab.kube.issuerUrl(cluster.record),
    subject: "system:serviceaccount:default:workload-identity-sa",
    audiences: ["api://AzureADTokenExchange/"],
  });
  const f = byId((await doctorApi("pod=quick-start")).body, "federated-credential");
  assert.equal(f.status, "fail");
  assert.match(f.detail, /audience: expected 'api:\/\/AzureADTokenExchange\/', presented 'api:\/\/AzureADTokenExchange' \(differs only in a trailing '\/'\)/);
  assert.equal(f.expected, "audience=api://AzureADTokenExchange (the token's)");
  assert.equal(f.actual, "audience=api://AzureADTokenExchange/ (credential kubernetes-federated-credential)");
  await msi.federatedIdentityCredentials.createOrUpdate("rg-doctor", "doctor-id", "kubernetes-federated-credential", {
    issuer: lab.kube.issuerUrl(cluster.record),
    subject: "system:serviceaccount:default:workload-identity-sa",
    audiences: ["api://AzureADTokenExchange"],
  });
  assert.equal((await doctorApi("pod=quick-start")).body.ok, true);
});

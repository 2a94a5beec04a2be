// The shared setup of the first-hour acceptance tests (test/integration/first-hour*.test.ts): one lab, one
// workload-identity cluster with the webhook registered, a managed identity with a federated credential, an RBAC vault
// with a secret and the Secrets User role, the service account; and the ways those tests look at the chain: the pod's
// log through kubectl, `wilab doctor pod` through the CLI binary, the lab log, the sign-in log over Microsoft Graph,
// Key Vault's audit events, `kubectl describe`. Each test file that imports it gets its own lab (one process per file).
import { before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { SecretClient } from "@azure/keyvault-secrets";
import { startLab, type Lab } from "../../src/index.js";
import { adminCredential, armClientOptions } from "./lab.js";
import { kubectl, makeCluster, SA_MANIFEST, type TestCluster } from "./kube.js";
import { initialObjects } from "../../src/kube/clusterObjects.js";
import type { KubeObject } from "../../src/kube/index.js";
import type { CheckResult, DoctorReport } from "../../src/diagnose/doctor/index.js";

const root = resolve(fileURLToPath(new URL("../../../", import.meta.url)));
const WILAB = join(root, "bin", "wilab");
export const RG = "rg-first-hour";
export const VAULT = "kv-first-hour";
export const IDENTITY = "first-hour-id";
export const FIC = "kubernetes-federated-credential";
export const SA = "workload-identity-sa";
export const SUBJECT = `system:serviceaccount:default:${SA}`;
export const AUDIENCE = "api://AzureADTokenExchange";
export const SECRET = "the-first-hour-secret";
export const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
export const POD = "quick-start";
export const DEPLOY = "first-hour-app";

export interface LogLine {
  level: string;
  face: string;
  op: string;
  status?: number;
  code?: string;
  message?: string;
  caller?: { clientId?: string; objectId?: string };
  hint?: string;
  fields?: Record<string, string | number | boolean>;
}
export interface SignIn {
  id: string;
  appId: string;
  createdDateTime: string;
  status: { errorCode: number; failureReason?: string; additionalDetails?: string };
  federatedAssertion?: { issuer?: string; subject?: string; audiences?: string[] };
  federatedCredential?: { name: string; matched: boolean; differences?: { field: string; expected: string; presented: string }[] };
}
export interface AuditEvent {
  operationName: string;
  resultSignature: string;
  identity: { claim: { oid?: string; appid?: string } };
  properties: { httpStatusCode: number };
  authorization?: { roleAssignmentId?: string; deniedReason?: string };
}
interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The lab, cluster and identities of this test file (set by useFirstHourLab's `before`). */
export let lab: Lab;
let home: string;
export let cluster: TestCluster;
export let identity: { clientId: string; principalId: string };
export let other: { principalId: string };
export let vaultId: string;
let graphToken: string;
export const lines: LogLine[] = [];

function run(file: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(file, args, { env: { ...process.env, WILAB_HOME: home, ...env }, cwd: root, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** A command line as a user types it: `az` is the shim in bin/, kubectl talks to the test cluster. */
export const shell = (command: string) => run("bash", ["-c", command], { PATH: `${join(root, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`, KUBECONFIG: cluster.kubeconfig, HOME: cluster.home });

export async function k(...args: string[]): Promise<string> {
  const r = await kubectl(cluster, args);
  assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** Polls until `fn` answers something, for at most `seconds` (a bound on the wait, not an assertion on time). */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, seconds = 60, explain?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}${explain ? `\n${await explain()}` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function doctor(pod: string): Promise<{ code: number; report: DoctorReport }> {
  const r = await run(process.execPath, [WILAB, "doctor", "pod", pod, "-n", "default"]);
  assert.ok(r.code === 0 || r.code === 1, `doctor: exit ${r.code}: ${r.stderr}`);
  return { code: r.code, report: JSON.parse(r.stdout) as DoctorReport };
}

export const byId = (r: DoctorReport, id: string): CheckResult => {
  const c = r.checks.find((x) => x.id === id);
  assert.ok(c, `no check ${id} in ${JSON.stringify(r.checks.map((x) => x.id))}`);
  return c;
};
export const failing = (r: DoctorReport) => r.checks.filter((c) => c.status === "fail").map((c) => c.id);
export const dump = (r: DoctorReport) => JSON.stringify(r.checks, null, 1);

/** The sample's manifest (the upstream quick-start's, with this lab's vault), written to a file as a user has it. */
export function podManifest(o: { label: boolean }): string {
  const file = join(home, `${POD}${o.label ? "" : "-unlabelled"}.yaml`);
  writeFileSync(
    file,
    `apiVersion: v1
kind: Pod
metadata:
  name: ${POD}
  namespace: default
${o.label ? `  labels:\n    azure.workload.identity/use: "true"\n` : ""}spec:
  serviceAccountName: ${SA}
  terminationGracePeriodSeconds: 5
  containers:
    - image: ghcr.io/azure/azure-workload-identity/msal-go
      name: oidc
      env:
      - name: KEYVAULT_URL
        value: ${lab.vaultUrl(VAULT)}
      - name: SECRET_NAME
        value: my-secret
  nodeSelector:
    kubernetes.io/os: linux
`,
  );
  return file;
}

/** The pod made again from its manifest (the webhook only mutates at creation): delete, wait, apply. */
export async function recreatePod(o: { label: boolean } = { label: true }): Promise<void> {
  await k("delete", "pod", POD, "-n", "default", "--ignore-not-found", "--wait=true");
  await k("apply", "-f", podManifest(o));
}

/** `kubectl logs` of the pod's container (of the run before, when it is restarting after an exit). */
export async function podLogs(pod: string, previous = false): Promise<string> {
  const r = await kubectl(cluster, ["logs", pod, "-n", "default", ...(previous ? ["--previous"] : [])]);
  return r.code === 0 ? r.stdout : "";
}

/** The pod's log until it matches (the sample logs one attempt per start, then retries each minute). */
export async function logUntil(pod: string, re: RegExp): Promise<string> {
  return until(`${re} in the log of pod ${pod}`, async () => {
    for (const previous of [false, true]) {
      const l = await podLogs(pod, previous);
      if (re.test(l)) return l;
    }
    return undefined;
  }, 90, async () => `--- logs ---\n${await podLogs(pod)}\n--- describe ---\n${(await kubectl(cluster, ["describe", "pod", pod])).stdout}`);
}

export async function signInsSince(since: string): Promise<SignIn[]> {
  const filter = encodeURIComponent(`appId eq '${identity.clientId}' and createdDateTime ge ${since}`);
  const res = await fetch(`${lab.graphEndpoint}/beta/auditLogs/signIns?$filter=${filter}`, { headers: { authorization: `Bearer ${graphToken}` } });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { value: SignIn[] }).value;
}

export async function auditSince(since: string): Promise<AuditEvent[]> {
  const token = (await adminCredential(lab).getToken("https://management.azure.com/.default")).token;
  const res = await fetch(`${lab.url}/_wilab/auditEvents?vault=${VAULT}&oid=${identity.principalId}&since=${encodeURIComponent(since)}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { value: AuditEvent[] }).value;
}

/** The lab log line after `from` that `pred` picks, waiting briefly (the kubelet logs a warning once its event is written). */
export async function logged(from: number, what: string, pred: (l: LogLine) => boolean): Promise<LogLine> {
  return until(`${what} in the lab log`, async () => lines.slice(from).find(pred), 10, async () => JSON.stringify(lines.slice(from), null, 1));
}

/** The moment a break starts, on the lab clock and in the lab log. */
export function mark(): { since: string; from: number } {
  return { since: new Date(lab.ctx.clock.now()).toISOString(), from: lines.length };
}

export const msi = () => new ManagedServiceIdentityClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab));
export const authz = () => new AuthorizationManagementClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab));
export const roleDef = (g: string) => `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${g}`;

export async function setCredential(o: { issuer?: string; subject?: string; audience?: string } = {}): Promise<void> {
  await msi().federatedIdentityCredentials.createOrUpdate(RG, IDENTITY, FIC, {
    issuer: o.issuer ?? lab.kube.issuerUrl(cluster.record),
    subject: o.subject ?? SUBJECT,
    audiences: [o.audience ?? AUDIENCE],
  });
}

/** Every role assignment of a principal, at any scope of the subscription. */
export async function assignmentsOf(principalId: string): Promise<{ id: string; scope: string }[]> {
  const out: { id: string; scope: string }[] = [];
  for await (const a of authz().roleAssignments.listForSubscription({ filter: `principalId eq '${principalId}'` })) out.push({ id: a.id!, scope: a.scope! });
  return out;
}

/** The whole chain as it should be, whatever an earlier case left: credential, annotation, one role at the vault. */
export async function restoreChain(): Promise<void> {
  await setCredential();
  await k("annotate", "serviceaccount", SA, "-n", "default", `azure.workload.identity/client-id=${identity.clientId}`, "--overwrite");
  for (const principal of [identity.principalId, other.principalId]) {
    for (const a of await assignmentsOf(principal)) if (principal !== identity.principalId || a.scope.toLowerCase() !== vaultId.toLowerCase()) await authz().roleAssignments.deleteById(a.id);
  }
  if ((await assignmentsOf(identity.principalId)).length === 0) {
    await authz().roleAssignments.create(vaultId, randomUUID(), { roleDefinitionId: roleDef(SECRETS_USER), principalId: identity.principalId, principalType: "ServicePrincipal" });
  }
  await k("delete", "pod", POD, "-n", "default", "--ignore-not-found", "--wait=true");
  await k("delete", "deployment", DEPLOY, "-n", "default", "--ignore-not-found", "--wait=true");
}

/** After the fix: the pod (made again) reads the secret, and the doctor passes. */
export async function readsTheSecretAndPasses(pod = POD): Promise<void> {
  const logs = await logUntil(pod, /successfully got secret|failed to get secret|environment variable is not set/);
  assert.match(logs, new RegExp(`^successfully got secret, secret=${SECRET}$`, "m"), logs);
  const { code, report } = await doctor(pod);
  assert.equal(code, 0, dump(report));
  assert.equal(report.ok, true);
  assert.equal(byId(report, "sign-in").status, "pass", "the new pod's sign-in succeeded");
}

/** `kubectl describe pod` lists the pod's events; each wanted reason is there. Answers the Events section. */
export async function describeShows(target: string, reasons: string[]): Promise<string> {
  const what = target.includes("/") ? target : `pod/${target}`;
  return until(`events ${reasons.join(", ")} in kubectl describe ${what}`, async () => {
    const d = (await kubectl(cluster, ["describe", what, "-n", "default"])).stdout;
    const events = d.slice(d.indexOf("\nEvents:"));
    return reasons.every((r) => events.includes(r)) ? events : undefined;
  }, 30, async () => (await kubectl(cluster, ["describe", what, "-n", "default"])).stdout);
}

/** Runs a doctor fix exactly as printed. */
export async function runFix(fix: string): Promise<void> {
  const r = await shell(fix);
  assert.equal(r.code, 0, `${fix}\n${r.stderr}${r.stdout}`);
}

/** Registers the file's `before` (the lab and the whole chain) and `after` (everything stopped and removed). */
export function useFirstHourLab(): void {
  before(async () => {
    home = mkdtempSync(join(tmpdir(), "wilab-first-hour-"));
    const caDir = process.env.WILAB_TEST_CA_DIR;
    if (!caDir) throw new Error("WILAB_TEST_CA_DIR is not set: run the tests with scripts/run-tests.mjs");
    lab = await startLab({ memory: true, port: 0, caDir, dataDir: home, recordEndpoints: true, logFormat: "json", logWrite: (l) => lines.push(JSON.parse(l) as LogLine) });
    cluster = await makeCluster(lab, { name: "arc-first-hour", workloadIdentity: true });
    // The webhook's registration, as ARM writes it for a workload-identity cluster.
    const mwc = initialObjects({ workloadIdentity: true, caPem: lab.caCert, tenantId: lab.tenantId }).find((o) => o.resource === "mutatingwebhookconfigurations")!;
    await lab.kube.storage.write((tx) => tx.create(cluster.record.clusterId, "mutatingwebhookconfigurations", mwc.object as KubeObject, "admissionregistration.k8s.io"));

    const cred = adminCredential(lab);
    const opts = armClientOptions(lab);
    await new ResourceManagementClient(cred, lab.subscriptionId, opts).resourceGroups.createOrUpdate(RG, { location: "westeurope" });
    await new ResourceManagementClient(cred, lab.subscriptionId, opts).resourceGroups.createOrUpdate("rg-elsewhere", { location: "westeurope" });
    const vault = await new KeyVaultManagementClient(cred, lab.subscriptionId, opts).vaults.beginCreateOrUpdateAndWait(RG, VAULT, {
      location: "westeurope",
      properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true },
    });
    vaultId = vault.id!;
    const id = await msi().userAssignedIdentities.createOrUpdate(RG, IDENTITY, { location: "westeurope" });
    identity = { clientId: id.clientId!, principalId: id.principalId! };
    other = { principalId: (await msi().userAssignedIdentities.createOrUpdate(RG, "someone-else", { location: "westeurope" })).principalId! };
    await authz().roleAssignments.create(vaultId, randomUUID(), { roleDefinitionId: roleDef(SECRETS_OFFICER), principalId: lab.admin.objectId, principalType: "ServicePrincipal" });
    await new SecretClient(lab.vaultUrl(VAULT), cred).setSecret("my-secret", SECRET);
    const sa = await kubectl(cluster, ["apply", "-f", "-"], { input: SA_MANIFEST(identity.clientId) });
    assert.equal(sa.code, 0, sa.stderr);
    const login = await run(process.execPath, [WILAB, "login", "--output", "none"]);
    assert.equal(login.code, 0, login.stderr);
    // A Graph token as `az rest` gets one: from the signed-in CLI.
    const t = await shell("az account get-access-token --resource-type ms-graph -o json");
    assert.equal(t.code, 0, t.stderr);
    graphToken = (JSON.parse(t.stdout) as { accessToken: string }).accessToken;
  });

  after(async () => {
    await lab?.stop();
    cluster?.cleanup();
    if (home) rmSync(home, { recursive: true, force: true });
  });
}

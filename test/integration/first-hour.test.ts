// The acceptance test of issue 8 ("the first hour"): one lab, one workload-identity cluster (its webhook registered),
// one managed identity with a federated credential, an RBAC vault holding a secret and the Secrets User role — and a
// pod of the upstream quick-start image, which the kubelet runs as a local process with the real @azure/identity and
// @azure/keyvault-secrets. The chain is broken the ways people break it; for each break the pod is (re)created with
// real kubectl and fails in its own log, `wilab doctor pod` (the CLI binary) exits 1 naming both differing values and
// a fix, the lab log shows the failure, the sign-in log read over Microsoft Graph (a token from `az account
// get-access-token`, as `az rest` does) holds the record with Entra's errorCode (or none at all when the SDK never
// reaches Entra), `kubectl describe` shows the pod's events; the printed fix is run as printed (the az shim, kubectl),
// the pod is made again, reads the secret, and the doctor passes.
import { test, before, after } from "node:test";
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
import { adminCredential, armClientOptions } from "../helpers/lab.js";
import { kubectl, makeCluster, SA_MANIFEST, type TestCluster } from "../helpers/kube.js";
import { initialObjects } from "../../src/arm/kubernetes/clusterObjects.js";
import type { KubeObject } from "../../src/kube/index.js";
import type { CheckResult, DoctorReport } from "../../src/diagnose/doctor/index.js";

const root = resolve(fileURLToPath(new URL("../../../", import.meta.url)));
const WILAB = join(root, "bin", "wilab");
const RG = "rg-first-hour";
const VAULT = "kv-first-hour";
const IDENTITY = "first-hour-id";
const FIC = "kubernetes-federated-credential";
const SA = "workload-identity-sa";
const SUBJECT = `system:serviceaccount:default:${SA}`;
const AUDIENCE = "api://AzureADTokenExchange";
const SECRET = "the-first-hour-secret";
const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
const POD = "quick-start";
const DEPLOY = "first-hour-app";

interface LogLine {
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
interface SignIn {
  id: string;
  appId: string;
  createdDateTime: string;
  status: { errorCode: number; failureReason?: string; additionalDetails?: string };
  federatedAssertion?: { issuer?: string; subject?: string; audiences?: string[] };
  federatedCredential?: { name: string; matched: boolean; differences?: { field: string; expected: string; presented: string }[] };
}
interface AuditEvent {
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

let lab: Lab;
let home: string;
let cluster: TestCluster;
let identity: { clientId: string; principalId: string };
let other: { principalId: string };
let vaultId: string;
let graphToken: string;
const lines: LogLine[] = [];

function run(file: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(file, args, { env: { ...process.env, WILAB_HOME: home, ...env }, cwd: root, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** A command line as a user types it: `az` is the shim in bin/, kubectl talks to the test cluster. */
const shell = (command: string) => run("bash", ["-c", command], { PATH: `${join(root, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`, KUBECONFIG: cluster.kubeconfig, HOME: cluster.home });

async function k(...args: string[]): Promise<string> {
  const r = await kubectl(cluster, args);
  assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** Polls until `fn` answers something, for at most `seconds` (a bound on the wait, not an assertion on time). */
async function until<T>(what: string, fn: () => Promise<T | undefined | false>, seconds = 60, explain?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}${explain ? `\n${await explain()}` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function doctor(pod: string): Promise<{ code: number; report: DoctorReport }> {
  const r = await run(process.execPath, [WILAB, "doctor", "pod", pod, "-n", "default"]);
  assert.ok(r.code === 0 || r.code === 1, `doctor: exit ${r.code}: ${r.stderr}`);
  return { code: r.code, report: JSON.parse(r.stdout) as DoctorReport };
}

const byId = (r: DoctorReport, id: string): CheckResult => {
  const c = r.checks.find((x) => x.id === id);
  assert.ok(c, `no check ${id} in ${JSON.stringify(r.checks.map((x) => x.id))}`);
  return c;
};
const failing = (r: DoctorReport) => r.checks.filter((c) => c.status === "fail").map((c) => c.id);
const dump = (r: DoctorReport) => JSON.stringify(r.checks, null, 1);

/** The sample's manifest (the upstream quick-start's, with this lab's vault), written to a file as a user has it. */
function podManifest(o: { label: boolean }): string {
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
async function recreatePod(o: { label: boolean } = { label: true }): Promise<void> {
  await k("delete", "pod", POD, "-n", "default", "--ignore-not-found", "--wait=true");
  await k("apply", "-f", podManifest(o));
}

/** `kubectl logs` of the pod's container (of the run before, when it is restarting after an exit). */
async function podLogs(pod: string, previous = false): Promise<string> {
  const r = await kubectl(cluster, ["logs", pod, "-n", "default", ...(previous ? ["--previous"] : [])]);
  return r.code === 0 ? r.stdout : "";
}

/** The pod's log until it matches (the sample logs one attempt per start, then retries each minute). */
async function logUntil(pod: string, re: RegExp): Promise<string> {
  return until(`${re} in the log of pod ${pod}`, async () => {
    for (const previous of [false, true]) {
      const l = await podLogs(pod, previous);
      if (re.test(l)) return l;
    }
    return undefined;
  }, 90, async () => `--- logs ---\n${await podLogs(pod)}\n--- describe ---\n${(await kubectl(cluster, ["describe", "pod", pod])).stdout}`);
}

async function signInsSince(since: string): Promise<SignIn[]> {
  const filter = encodeURIComponent(`appId eq '${identity.clientId}' and createdDateTime ge ${since}`);
  const res = await fetch(`${lab.graphEndpoint}/beta/auditLogs/signIns?$filter=${filter}`, { headers: { authorization: `Bearer ${graphToken}` } });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { value: SignIn[] }).value;
}

async function auditSince(since: string): Promise<AuditEvent[]> {
  const token = (await adminCredential(lab).getToken("https://management.azure.com/.default")).token;
  const res = await fetch(`${lab.url}/_wilab/auditEvents?vault=${VAULT}&oid=${identity.principalId}&since=${encodeURIComponent(since)}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { value: AuditEvent[] }).value;
}

/** The lab log line after `from` that `pred` picks, waiting briefly (the kubelet logs a warning once its event is written). */
async function logged(from: number, what: string, pred: (l: LogLine) => boolean): Promise<LogLine> {
  return until(`${what} in the lab log`, async () => lines.slice(from).find(pred), 10, async () => JSON.stringify(lines.slice(from), null, 1));
}

/** The moment a break starts, on the lab clock and in the lab log. */
function mark(): { since: string; from: number } {
  return { since: new Date(lab.ctx.clock.now()).toISOString(), from: lines.length };
}

const msi = () => new ManagedServiceIdentityClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab));
const authz = () => new AuthorizationManagementClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab));
const roleDef = (g: string) => `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${g}`;

async function setCredential(o: { issuer?: string; subject?: string; audience?: string } = {}): Promise<void> {
  await msi().federatedIdentityCredentials.createOrUpdate(RG, IDENTITY, FIC, {
    issuer: o.issuer ?? lab.kube.issuerUrl(cluster.record),
    subject: o.subject ?? SUBJECT,
    audiences: [o.audience ?? AUDIENCE],
  });
}

/** Every role assignment of a principal, at any scope of the subscription. */
async function assignmentsOf(principalId: string): Promise<{ id: string; scope: string }[]> {
  const out: { id: string; scope: string }[] = [];
  for await (const a of authz().roleAssignments.listForSubscription({ filter: `principalId eq '${principalId}'` })) out.push({ id: a.id!, scope: a.scope! });
  return out;
}

/** The whole chain as it should be, whatever an earlier case left: credential, annotation, one role at the vault. */
async function restoreChain(): Promise<void> {
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
async function readsTheSecretAndPasses(pod = POD): Promise<void> {
  const logs = await logUntil(pod, /successfully got secret|failed to get secret|environment variable is not set/);
  assert.match(logs, new RegExp(`^successfully got secret, secret=${SECRET}$`, "m"), logs);
  const { code, report } = await doctor(pod);
  assert.equal(code, 0, dump(report));
  assert.equal(report.ok, true);
  assert.equal(byId(report, "sign-in").status, "pass", "the new pod's sign-in succeeded");
}

/** `kubectl describe pod` lists the pod's events; each wanted reason is there. Answers the Events section. */
async function describeShows(target: string, reasons: string[]): Promise<string> {
  const what = target.includes("/") ? target : `pod/${target}`;
  return until(`events ${reasons.join(", ")} in kubectl describe ${what}`, async () => {
    const d = (await kubectl(cluster, ["describe", what, "-n", "default"])).stdout;
    const events = d.slice(d.indexOf("\nEvents:"));
    return reasons.every((r) => events.includes(r)) ? events : undefined;
  }, 30, async () => (await kubectl(cluster, ["describe", what, "-n", "default"])).stdout);
}

/** Runs a doctor fix exactly as printed. */
async function runFix(fix: string): Promise<void> {
  const r = await shell(fix);
  assert.equal(r.code, 0, `${fix}\n${r.stderr}${r.stdout}`);
}

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

test("the whole chain: the pod reads the secret, the doctor passes, the sign-in succeeded, kubectl describe shows the pod's events", async () => {
  await restoreChain();
  await k("apply", "-f", podManifest({ label: true }));
  await readsTheSecretAndPasses();
  const events = await describeShows(POD, ["Scheduled", "Pulled", "Created", "Started"]);
  assert.match(events, /Normal +Scheduled .*Successfully assigned default\/quick-start to wilab-node/);
  assert.doesNotMatch(events, /Warning/);
});

interface FicBreak {
  title: string;
  credential: () => { issuer?: string; subject?: string; audience?: string };
  code: number;
  field: "issuer" | "subject" | "audience";
  /** The value the credential trusts, and the one the pod's token presents. */
  trusted: () => string;
  presented: () => string;
  /** The failing checks, the first naming both values. */
  failing: string[];
}

const issuerNow = () => lab.kube.issuerUrl(cluster.record);
/** The issuer as it was when the lab listened on another port (a recreated cluster or lab: the same slip). */
const issuerBefore = () => issuerNow().replace(`:${lab.port}/`, `:${lab.port === 8443 ? 9443 : 8443}/`);
const DEV_SUBJECT = `system:serviceaccount:dev:${SA}`;

const FIC_BREAKS: FicBreak[] = [
  {
    title: "the wrong subject namespace",
    credential: () => ({ subject: DEV_SUBJECT }),
    code: 700213,
    field: "subject",
    trusted: () => DEV_SUBJECT,
    presented: () => SUBJECT,
    failing: ["federated-credential", "sign-in"],
  },
  {
    title: "a trailing slash on the audience",
    credential: () => ({ audience: `${AUDIENCE}/` }),
    code: 700212,
    field: "audience",
    trusted: () => `${AUDIENCE}/`,
    presented: () => AUDIENCE,
    failing: ["federated-credential", "sign-in"],
  },
  {
    title: "the webhook's issuer changed (the credential trusts the issuer of the lab on its old port)",
    credential: () => ({ issuer: issuerBefore() }),
    code: 700211,
    field: "issuer",
    trusted: issuerBefore,
    presented: issuerNow,
    failing: ["token", "federated-credential", "sign-in"],
  },
];

for (const b of FIC_BREAKS) {
  test(`${b.title}: AADSTS${b.code} in the pod's log, the doctor names both values, the lab log, the sign-in over Graph and the events show it; the printed fix works`, async () => {
    await restoreChain();
    const m = mark();
    await setCredential(b.credential());
    await recreatePod();

    const logs = await logUntil(POD, /failed to get secret|successfully got secret/);
    assert.match(logs, new RegExp(`AADSTS${b.code}: No matching federated identity record found for presented assertion ${b.field} '${b.presented()}'`), logs);
    assert.doesNotMatch(logs, /successfully got secret/);

    // The doctor: exit 1, the credential's value and the token's named, with the fix.
    const { code, report } = await doctor(POD);
    assert.equal(code, 1, dump(report));
    assert.deepEqual(failing(report), b.failing, dump(report));
    const f = byId(report, "federated-credential");
    assert.equal(f.expected, `${b.field}=${b.presented()} (the token's)`);
    assert.equal(f.actual, `${b.field}=${b.trusted()} (credential ${FIC})`);
    assert.ok(f.detail.includes(`(Entra answers AADSTS${b.code});`), `the doctor names the code Entra answered: ${f.detail}`);
    const fix = `az identity federated-credential update --name ${FIC} --identity-name ${IDENTITY} --resource-group ${RG} --issuer ${issuerNow()} --subject ${SUBJECT} --audiences ${AUDIENCE}`;
    assert.equal(f.fix, fix);
    if (b.field === "issuer") {
      const t = byId(report, "token");
      assert.equal(t.actual, `iss=${issuerNow()}`);
      assert.equal(t.expected, `an issuer trusted by ${IDENTITY}: ${issuerBefore()}`);
      assert.equal(t.fix, fix);
    }
    const s = byId(report, "sign-in");
    assert.equal(s.expected, "errorCode 0");
    assert.equal(s.actual, `errorCode ${b.code}`);

    // The lab log: Entra's refusal, with the caller and the hint.
    const line = await logged(m.from, `AADSTS${b.code}`, (l) => l.face === "entra" && l.code === `AADSTS${b.code}`);
    assert.equal(line.level, "warn");
    assert.equal(line.status, 401);
    assert.equal(line.caller?.clientId, identity.clientId);
    assert.equal(line.fields?.[b.field], b.presented());
    assert.ok(line.hint, "the wilab hint");

    // The sign-in log over Graph: the failure with Entra's errorCode, the credential that came nearest.
    const signIns = await signInsSince(m.since);
    assert.ok(signIns.length >= 1, "a sign-in since the break");
    assert.ok(signIns.every((r) => r.status.errorCode === b.code), JSON.stringify(signIns, null, 1));
    const [last] = signIns;
    assert.match(last!.status.failureReason ?? "", new RegExp(`presented assertion ${b.field} '${b.presented()}'`));
    assert.equal(last!.federatedCredential?.name, FIC);
    assert.equal(last!.federatedCredential?.matched, false);
    assert.deepEqual(last!.federatedCredential?.differences, [{ field: b.field, expected: b.trusted(), presented: b.presented() }]);

    // kubectl describe: the kubelet's events and wilab's warning naming both values and Entra's answer.
    const events = await describeShows(POD, ["Scheduled", "Pulled", "Created", "Started", "WorkloadIdentityNoFederatedCredential"]);
    assert.match(events, /Warning +WorkloadIdentityNoFederatedCredential/);
    assert.ok(events.includes(`Entra will answer AADSTS${b.code}`), events);
    assert.ok(events.includes(`${b.field}: credential has '${b.trusted()}', the pod presents '${b.presented()}'`), events);
    const warned = await logged(m.from, "the warning", (l) => l.face === "kubelet" && l.code === "WorkloadIdentityNoFederatedCredential");
    assert.equal(warned.fields?.pod, `default/${POD}`);

    // The fix as printed; a new pod reads the secret; the doctor passes.
    await runFix(fix);
    await recreatePod();
    await readsTheSecretAndPasses();
  });
}

interface RoleBreak {
  title: string;
  /** Gives the role somewhere it does not count; answers the doctor's expected and actual values. */
  misassign: () => Promise<{ expected: string; actual: string }>;
}

const ROLE_BREAKS: RoleBreak[] = [
  {
    title: "the role given to the wrong principal",
    misassign: async () => {
      await authz().roleAssignments.create(vaultId, randomUUID(), { roleDefinitionId: roleDef(SECRETS_USER), principalId: other.principalId, principalType: "ServicePrincipal" });
      return { expected: `principalId ${identity.principalId} (identity ${IDENTITY})`, actual: `principalId ${other.principalId}` };
    },
  },
  {
    title: "a role at the wrong scope",
    misassign: async () => {
      const elsewhere = `/subscriptions/${lab.subscriptionId}/resourceGroups/rg-elsewhere`;
      await authz().roleAssignments.create(elsewhere, randomUUID(), { roleDefinitionId: roleDef(SECRETS_USER), principalId: identity.principalId, principalType: "ServicePrincipal" });
      return { expected: `a scope containing ${vaultId}/secrets/my-secret`, actual: `scope ${elsewhere}` };
    },
  },
];

for (const b of ROLE_BREAKS) {
  test(`${b.title}: the sign-in succeeds, Key Vault answers 403 ForbiddenByRbac (pod log, lab log, audit event), the doctor names both values; the printed fix works`, async () => {
    await restoreChain();
    for (const a of await assignmentsOf(identity.principalId)) await authz().roleAssignments.deleteById(a.id);
    const want = await b.misassign();
    const m = mark();
    await recreatePod();

    const logs = await logUntil(POD, /failed to get secret|successfully got secret/);
    assert.match(logs, /failed to get secret from keyvault, err: Caller is not authorized to perform action on resource/, logs);
    assert.doesNotMatch(logs, /successfully got secret/);

    const { code, report } = await doctor(POD);
    assert.equal(code, 1, dump(report));
    assert.deepEqual(failing(report), ["role-assignment"], dump(report));
    const ra = byId(report, "role-assignment");
    assert.equal(ra.expected, want.expected);
    assert.equal(ra.actual, want.actual);
    const fix = `az role assignment create --assignee-object-id ${identity.principalId} --role 'Key Vault Secrets User' --scope ${vaultId} --assignee-principal-type ServicePrincipal`;
    assert.equal(ra.fix, fix);

    // Entra let the pod in: every sign-in since the break succeeded.
    const signIns = await signInsSince(m.since);
    assert.ok(signIns.length >= 1, "a sign-in since the break");
    assert.ok(signIns.every((r) => r.status.errorCode === 0), JSON.stringify(signIns, null, 1));
    // Key Vault did not: the lab log and the audit log say so, and name the caller.
    const line = await logged(m.from, "Key Vault's 403", (l) => l.face === "keyvault" && l.status === 403);
    assert.equal(line.code, "ForbiddenByRbac");
    assert.equal(line.op, "SecretGet");
    assert.equal(line.caller?.objectId, identity.principalId);
    assert.match(line.hint ?? "", /Key Vault Secrets User/);
    const denied = (await auditSince(m.since)).filter((e) => e.operationName === "SecretGet" && e.resultSignature === "Forbidden");
    assert.ok(denied.length >= 1);
    assert.equal(denied[0]!.properties.httpStatusCode, 403);
    assert.equal(denied[0]!.identity.claim.appid, identity.clientId);
    assert.equal(denied[0]!.authorization?.roleAssignmentId, undefined);

    // The cluster side is sound: the kubelet's events, no workload identity warning.
    const events = await describeShows(POD, ["Scheduled", "Pulled", "Created", "Started"]);
    assert.doesNotMatch(events, /WorkloadIdentity/);

    await runFix(fix);
    await recreatePod();
    await readsTheSecretAndPasses();
    const allowed = (await auditSince(m.since)).find((e) => e.operationName === "SecretGet" && e.resultSignature === "OK");
    assert.ok(allowed?.authorization?.roleAssignmentId, "the audit event names the assignment that allowed it");
  });
}

test("no client-id annotation on the service account: the SDK never reaches Entra (no sign-in), the doctor names the annotation and the clientId; the printed fix works", async () => {
  await restoreChain();
  const m = mark();
  await k("annotate", "serviceaccount", SA, "-n", "default", "azure.workload.identity/client-id-");
  await recreatePod();
  const logs = await logUntil(POD, /environment variable is not set|failed to get secret|successfully got secret/);
  assert.match(logs, /^AZURE_CLIENT_ID environment variable is not set$/m, logs);

  const { code, report } = await doctor(POD);
  assert.equal(code, 1, dump(report));
  // The webhook injected no AZURE_CLIENT_ID (it injects only a value): webhook-mutation points back at the service account.
  assert.deepEqual(failing(report), ["service-account", "webhook-mutation"], dump(report));
  assert.equal(byId(report, "webhook-mutation").actual, "AZURE_CLIENT_ID not set");
  const sa = byId(report, "service-account");
  assert.equal(sa.actual, "no such annotation");
  assert.match(sa.expected ?? "", new RegExp(`azure.workload.identity/client-id=<the identity's clientId> \\(${identity.clientId}, identity ${IDENTITY}\\)`));
  const fix = `kubectl annotate serviceaccount ${SA} -n default azure.workload.identity/client-id=${identity.clientId} --overwrite`;
  assert.equal(sa.fix, fix);

  assert.deepEqual(await signInsSince(m.since), [], "no sign-in: the SDK had no client id to sign in with");
  const events = await describeShows(POD, ["Scheduled", "Started", "WorkloadIdentityClientIdMissing"]);
  assert.match(events, /Warning +WorkloadIdentityClientIdMissing/);
  assert.ok(events.includes(`has no annotation azure.workload.identity/client-id: AZURE_CLIENT_ID in the pod is empty`), events);
  const warned = await logged(m.from, "the warning", (l) => l.face === "kubelet" && l.code === "WorkloadIdentityClientIdMissing");
  assert.equal(warned.level, "warn");

  await runFix(fix);
  await recreatePod();
  await readsTheSecretAndPasses();
});

test("no azure.workload.identity/use label on the pod: not mutated, no sign-in; the doctor names the label; the printed fix (given the manifest) makes a labelled pod that reads the secret", async () => {
  await restoreChain();
  const m = mark();
  await recreatePod({ label: false });
  const logs = await logUntil(POD, /environment variable is not set|failed to get secret|successfully got secret/);
  assert.match(logs, /^AZURE_CLIENT_ID environment variable is not set$/m, logs);

  const { code, report } = await doctor(POD);
  assert.equal(code, 1, dump(report));
  assert.deepEqual(failing(report), ["pod-label"], dump(report));
  const label = byId(report, "pod-label");
  assert.equal(label.expected, "azure.workload.identity/use=true");
  assert.equal(label.actual, "no such label");
  assert.equal(label.fix, "kubectl label --local -f <the pod's manifest> azure.workload.identity/use=true -o yaml | kubectl replace --force -f -");

  assert.deepEqual(await signInsSince(m.since), [], "no sign-in: the pod has no AZURE_* settings");
  const events = await describeShows(POD, ["Scheduled", "Started", "WorkloadIdentityLabelMissing"]);
  assert.match(events, /Warning +WorkloadIdentityLabelMissing/);
  assert.ok(events.includes(`has the annotation azure.workload.identity/client-id=${identity.clientId}, but pod "${POD}" lacks the label azure.workload.identity/use: "true"`), events);
  const warned = await logged(m.from, "the warning", (l) => l.face === "kubelet" && l.code === "WorkloadIdentityLabelMissing");
  assert.equal(warned.level, "warn");

  await runFix(label.fix!.replace("<the pod's manifest>", join(home, `${POD}-unlabelled.yaml`)));
  await readsTheSecretAndPasses();
});


/** The sample as a Deployment whose author put the label on the Deployment's own metadata, not on its pod template. */
const DEPLOYMENT = () => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${DEPLOY}
  namespace: default
  labels:
    azure.workload.identity/use: "true"
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${DEPLOY}
  template:
    metadata:
      labels:
        app: ${DEPLOY}
    spec:
      serviceAccountName: ${SA}
      terminationGracePeriodSeconds: 5
      containers:
      - name: oidc
        image: ghcr.io/azure/azure-workload-identity/msal-go
        env:
        - name: KEYVAULT_URL
          value: ${lab.vaultUrl(VAULT)}
        - name: SECRET_NAME
          value: my-secret
`;

/** The Deployment's one live pod with (or without) the workload identity label. */
async function deploymentPod(labelled: boolean): Promise<string> {
  const selector = `app=${DEPLOY},${labelled ? "" : "!"}azure.workload.identity/use`;
  return until(`a${labelled ? " labelled" : "n unlabelled"} pod of deployment ${DEPLOY}`, async () => {
    const list = JSON.parse(await k("get", "pods", "-n", "default", "-l", selector, "-o", "json")) as { items: KubeObject[] };
    const live = list.items.filter((p) => !p.metadata.deletionTimestamp);
    return live.length === 1 ? live[0]!.metadata.name : undefined;
  });
}

test("the label on the Deployment instead of its pod template: pods unmutated, no sign-in; the doctor names the Deployment and its template; the printed patch rolls out a pod that reads the secret", async () => {
  await restoreChain();
  const m = mark();
  const applied = await kubectl(cluster, ["apply", "-f", "-"], { input: DEPLOYMENT() });
  assert.equal(applied.stdout.trim(), `deployment.apps/${DEPLOY} created`, applied.stderr);
  const pod = await deploymentPod(false);
  const logs = await logUntil(pod, /environment variable is not set|failed to get secret|successfully got secret/);
  assert.match(logs, /^AZURE_CLIENT_ID environment variable is not set$/m, logs);

  const { code, report } = await doctor(pod);
  assert.equal(code, 1, dump(report));
  assert.deepEqual(failing(report), ["pod-label"], dump(report));
  const label = byId(report, "pod-label");
  assert.equal(label.expected, `spec.template.metadata.labels.azure.workload.identity/use=true on Deployment ${DEPLOY}`);
  assert.equal(label.actual, `metadata.labels.azure.workload.identity/use=true on Deployment ${DEPLOY}; the template has none`);
  const fix = `kubectl patch deployment ${DEPLOY} -n default --type merge -p '{"spec":{"template":{"metadata":{"labels":{"azure.workload.identity/use":"true"}}}}}'`;
  assert.equal(label.fix, fix);

  assert.deepEqual(await signInsSince(m.since), [], "no sign-in: the pod has no AZURE_* settings");
  const events = await describeShows(pod, ["Scheduled", "Started", "WorkloadIdentityLabelMissing"]);
  assert.ok(events.includes(`not to the Deployment's own metadata: kubectl patch deployment ${DEPLOY} -n default`), events);
  const rs = await describeShows(`deployment/${DEPLOY}`, ["ScalingReplicaSet"]);
  assert.match(rs, new RegExp(`Scaled up replica set ${DEPLOY}-[a-z0-9]+ (to|from 0 to) 1`));
  const warned = await logged(m.from, "the warning", (l) => l.face === "kubelet" && l.code === "WorkloadIdentityLabelMissing");
  assert.equal(warned.fields?.pod, `default/${pod}`);

  // The patch rolls out a new ReplicaSet whose pod the webhook mutates.
  await runFix(fix);
  const rollout = await kubectl(cluster, ["rollout", "status", `deployment/${DEPLOY}`, "-n", "default", "--timeout=90s"], { timeoutMs: 100_000 });
  assert.equal(rollout.code, 0, rollout.stderr);
  assert.match(rollout.stdout, new RegExp(`deployment "${DEPLOY}" successfully rolled out`));
  await readsTheSecretAndPasses(await deploymentPod(true));
  await k("delete", "deployment", DEPLOY, "-n", "default", "--wait=true");
});

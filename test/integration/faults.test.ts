// Fault injection with real clients: the SDKs' retry on 429 (Key Vault, Entra, ARM), AADSTS50166 while a wilab
// cluster's issuer is unreachable, success after propagation on the lab clock, latency, and `wilab fault …`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ClientAssertionCredential, ClientSecretCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { adminCredential, armClientOptions } from "../helpers/lab.js";
import { api, makeCluster, type TestCluster } from "../helpers/kube.js";
import { startLab, type Lab } from "../../src/index.js";

const root = resolve(fileURLToPath(new URL("../../../", import.meta.url)));
const WILAB = join(root, "bin", "wilab");
const RG = "rg-faults";
const VAULT = "kv-faults";
const SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const SUBJECT = "system:serviceaccount:default:default";

let lab: Lab;
let home: string;
let cluster: TestCluster;
let issuerUrl: string;
let adminToken: string;
let msi: ManagedServiceIdentityClient;
let authz: AuthorizationManagementClient;
const lines: Record<string, unknown>[] = [];

before(async () => {
  home = mkdtempSync(join(tmpdir(), "wilab-faults-"));
  const caDir = process.env.WILAB_TEST_CA_DIR;
  if (!caDir) throw new Error("WILAB_TEST_CA_DIR is not set: run the tests with scripts/run-tests.mjs");
  lab = await startLab({
    memory: true,
    port: 0,
    caDir,
    dataDir: home,
    recordEndpoints: true,
    logFormat: "json",
    logLevel: "info",
    logWrite: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
    // A start option: one ARM request is delayed, then the fault clears itself.
    faults: [{ kind: "latency", face: "arm", ms: 1, count: 1 }],
  });
  const cred = adminCredential(lab);
  const opts = armClientOptions(lab);
  adminToken = (await cred.getToken("https://management.azure.com/.default"))!.token;
  msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId, opts);
  authz = new AuthorizationManagementClient(cred, lab.subscriptionId, opts);
  await new ResourceManagementClient(cred, lab.subscriptionId, opts).resourceGroups.createOrUpdate(RG, { location: "westeurope" });
  await new KeyVaultManagementClient(cred, lab.subscriptionId, opts).vaults.createOrUpdate(RG, VAULT, {
    location: "westeurope",
    properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true },
  });
  await assign(lab.admin.objectId, SECRETS_OFFICER);
  cluster = await makeCluster(lab, { name: "aks-faults" });
  issuerUrl = lab.kube.issuerUrl(cluster.record);
});

after(async () => {
  cluster?.cleanup();
  await lab?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

async function assign(principalId: string, role: string): Promise<void> {
  await authz.roleAssignments.create(`/subscriptions/${lab.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/${VAULT}`, randomUUID(), {
    roleDefinitionId: `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
    principalId,
    principalType: "ServicePrincipal",
  });
}

/** A service-account token from the cluster's TokenRequest API, for Entra's audience. */
async function saToken(): Promise<string> {
  const r = await api(cluster, "POST", "/api/v1/namespaces/default/serviceaccounts/default/token", {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { audiences: ["api://AzureADTokenExchange"], expirationSeconds: 3600 },
  });
  assert.equal(r.status, 201, r.text);
  return (r.body.status as { token: string }).token;
}

/** A user-assigned identity whose federated credential trusts the cluster's default service account. */
async function identity(name: string): Promise<{ clientId: string; principalId: string }> {
  const id = await msi.userAssignedIdentities.createOrUpdate(RG, name, { location: "westeurope" });
  await msi.federatedIdentityCredentials.createOrUpdate(RG, name, "fic", { issuer: issuerUrl, subject: SUBJECT, audiences: ["api://AzureADTokenExchange"] });
  return { clientId: id.clientId!, principalId: id.principalId! };
}

/** A fresh credential (its own MSAL cache) exchanging the cluster's service-account token. */
function credential(clientId: string): ClientAssertionCredential {
  return new ClientAssertionCredential(lab.tenantId, clientId, saToken, { authorityHost: lab.authorityHost, disableInstanceDiscovery: true });
}

async function labApi(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${lab.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

const linesFor = (faultId: string) => lines.filter((l) => (l.fields as Record<string, unknown> | undefined)?.fault === faultId);

test("startLab({faults}): the fault is in force from the start, logged when added and when its count ran out", () => {
  const added = lines.find((l) => l.op === "fault add" && (l.fields as Record<string, unknown>).kind === "latency");
  assert.ok(added, "a 'fault add' line");
  const id = String((added.fields as Record<string, unknown>).fault);
  assert.equal(added.face, "lab");
  const hit = linesFor(id).filter((l) => l.face === "arm");
  assert.equal(hit.length, 1, "exactly one ARM request was delayed");
  assert.match(String(hit[0]!.op), /^(GET|PUT|POST) \//);
  assert.ok(linesFor(id).some((l) => l.op === "fault clear" && /count is used up/.test(String(l.message))));
  assert.equal(lab.faults.list().length, 0);
});

test("throttle keyvault: 429 in Key Vault's body with Retry-After; @azure/keyvault-secrets retries and succeeds", async () => {
  const client = new SecretClient(lab.vaultUrl(VAULT), adminCredential(lab));
  await client.setSecret("db-password", "s3cret-value-never-logged");
  // The raw answer, as Key Vault throttles.
  const f1 = lab.faults.add({ kind: "throttle", face: "keyvault", retryAfterS: 2, count: 1 });
  const raw = await fetch(`${lab.vaultUrl(VAULT)}secrets/db-password?api-version=7.5`);
  assert.equal(raw.status, 429);
  assert.equal(raw.headers.get("retry-after"), "2");
  const body = (await raw.json()) as { error: { code: string; message: string; wilabHint?: string } };
  assert.equal(body.error.code, "Throttled");
  assert.equal(body.error.message, "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached");
  assert.match(body.error.wilabHint ?? "", new RegExp(`wilab fault ${f1.id} \\(throttle keyvault`));
  // The SDK: its first attempt is throttled, it waits Retry-After and retries.
  const f2 = lab.faults.add({ kind: "throttle", face: "keyvault", retryAfterS: 1, count: 1 });
  const s = await client.getSecret("db-password");
  assert.equal(s.value, "s3cret-value-never-logged");
  assert.deepEqual(lab.faults.list(), [], "both counted faults used up");
  const hit = linesFor(f2.id).find((l) => l.face === "keyvault" && l.status === 429);
  assert.ok(hit, "the throttled request is logged with the fault id");
  assert.equal(hit.level, "warn");
  assert.ok(!lines.some((l) => JSON.stringify(l).includes("s3cret-value-never-logged")), "secret values never reach the log");
});

test("throttle entra: 429 with AADSTS90055 and Retry-After; @azure/identity retries the token request", async () => {
  const f = lab.faults.add({ kind: "throttle", face: "entra", count: 1 });
  const raw = await fetch(`${lab.authorityHost}/${lab.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: lab.admin.clientId, client_secret: lab.admin.clientSecret, scope: "https://management.azure.com/.default" }).toString(),
  });
  assert.equal(raw.status, 429);
  assert.equal(raw.headers.get("retry-after"), "1");
  const body = (await raw.json()) as { error: string; error_codes: number[]; error_description: string };
  assert.equal(body.error, "temporarily_unavailable");
  assert.deepEqual(body.error_codes, [90055]);
  assert.match(body.error_description, /^AADSTS90055: There are too many incoming requests\./);
  assert.equal(linesFor(f.id).filter((l) => l.face === "entra" && l.status === 429).length, 1);
  // Metadata is not throttled; the token endpoint is, and the SDK retries after Retry-After.
  lab.faults.add({ kind: "throttle", face: "entra", count: 1 });
  const fresh = new ClientSecretCredential(lab.tenantId, lab.admin.clientId, lab.admin.clientSecret, { authorityHost: lab.authorityHost, disableInstanceDiscovery: true });
  const t = await fresh.getToken("https://vault.azure.net/.default");
  assert.ok(t?.token);
  assert.deepEqual(lab.faults.list(), []);
});

test("throttle arm: SubscriptionRequestsThrottled; the management SDK retries", async () => {
  lab.faults.add({ kind: "throttle", face: "arm", count: 1 });
  const raw = await fetch(`${lab.armEndpoint}/subscriptions/${lab.subscriptionId}/resourcegroups?api-version=2021-04-01`, { headers: { authorization: `Bearer ${adminToken}` } });
  assert.equal(raw.status, 429);
  assert.equal(raw.headers.get("retry-after"), "1");
  const body = (await raw.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, "SubscriptionRequestsThrottled");
  assert.match(body.error.message, /^Number of read requests for subscription '[0-9a-f-]{36}' exceeded the limit of '12000' for time interval '01:00:00'\./);
  lab.faults.add({ kind: "throttle", face: "arm", count: 1 });
  const rg = await new ResourceManagementClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab)).resourceGroups.get(RG);
  assert.equal(rg.name, RG);
  assert.deepEqual(lab.faults.list(), []);
});

test("issuer-unreachable: the exchange fails with AADSTS50166 even with keys cached, and succeeds after the fault is cleared", async () => {
  const wi = await identity("id-issuer");
  assert.ok((await credential(wi.clientId).getToken("https://management.azure.com/.default"))?.token, "works before the fault (and Entra caches the keys)");

  const added = await labApi("POST", "/_wilab/faults", { kind: "issuer-unreachable", cluster: "aks-faults", resourceGroup: "rg-kube" });
  assert.equal(added.status, 201, JSON.stringify(added.json));
  const fault = added.json as { id: string; issuerPrefix: string; cluster: string; description: string };
  assert.equal(fault.issuerPrefix, issuerUrl);
  assert.equal(fault.cluster, "aks-faults");

  await assert.rejects(credential(wi.clientId).getToken("https://management.azure.com/.default"), (err: Error) => {
    assert.match(err.message, /AADSTS50166: Request to External OIDC endpoint failed\./);
    return true;
  });
  const hit = linesFor(fault.id).find((l) => l.face === "entra");
  assert.ok(hit, "the refused key fetch is logged with the fault id");
  assert.match(String(hit.message), /ECONNREFUSED/);

  const cleared = await labApi("DELETE", `/_wilab/faults/${fault.id}`);
  assert.equal(cleared.status, 200);
  assert.ok((await credential(wi.clientId).getToken("https://management.azure.com/.default"))?.token, "works again after fault clear");
  assert.ok(linesFor(fault.id).some((l) => l.op === "fault clear"));

  const unknown = await labApi("POST", "/_wilab/faults", { kind: "issuer-unreachable", cluster: "no-such-cluster" });
  assert.equal(unknown.status, 404);
  assert.match(JSON.stringify(unknown.json), /cluster 'no-such-cluster' was not found/);
});

test("propagation: a new federated credential fails with AADSTS70021, then works once the lab clock passes the delay", async () => {
  const added = await labApi("POST", "/_wilab/faults", { kind: "propagation", fic: "30s" });
  assert.equal(added.status, 201, JSON.stringify(added.json));
  const fault = added.json as { id: string; ficMs: number };
  assert.equal(fault.ficMs, 30_000);
  const wi = await identity("id-propagation");
  await assert.rejects(credential(wi.clientId).getToken("https://management.azure.com/.default"), (err: Error) => {
    assert.match(err.message, /AADSTS70021: No matching federated identity record found for presented assertion\./);
    return true;
  });
  lab.ctx.clock.advance(31_000);
  assert.ok((await credential(wi.clientId).getToken("https://management.azure.com/.default"))?.token);
  lab.faults.clear(fault.id);
});

test("propagation --rbac: a new role assignment answers 403 until the lab clock passes the delay", async () => {
  const fault = lab.faults.add({ kind: "propagation", rbacMs: 5 * 60_000 });
  const wi = await identity("id-rbac");
  await assign(wi.principalId, SECRETS_USER);
  const client = new SecretClient(lab.vaultUrl(VAULT), credential(wi.clientId));
  await assert.rejects(client.getSecret("db-password"), (err: Error & { statusCode?: number }) => {
    assert.equal(err.statusCode, 403);
    return true;
  });
  const raw = await fetch(`${lab.vaultUrl(VAULT)}secrets/db-password?api-version=7.5`, {
    headers: { authorization: `Bearer ${(await credential(wi.clientId).getToken("https://vault.azure.net/.default"))!.token}` },
  });
  assert.match(raw.headers.get("x-wilab-hint") ?? "", new RegExp(`still propagating .*set by wilab fault ${fault.id}`));
  const hit = linesFor(fault.id).find((l) => l.face === "keyvault" && l.status === 403);
  assert.ok(hit, "the request the propagation fault refused is logged with its id");
  lab.ctx.clock.advance(5 * 60_000 + 1000);
  assert.equal((await client.getSecret("db-password")).value, "s3cret-value-never-logged");
  lab.faults.clear(fault.id);
});

test("latency: the fault is listed and each delayed request is logged with its id", async () => {
  lab.faults.clear();
  const added = await labApi("POST", "/_wilab/faults", { kind: "latency", face: "arm", ms: 20 });
  assert.equal(added.status, 201);
  const fault = added.json as { id: string };
  const list = (await labApi("GET", "/_wilab/faults")).json as { id: string; kind: string; face: string; ms: number; description: string }[];
  assert.deepEqual(
    list.map((f) => [f.id, f.kind, f.face, f.ms, f.description]),
    [[fault.id, "latency", "arm", 20, "latency arm ms=20"]],
  );
  const res = await fetch(`${lab.armEndpoint}/subscriptions/${lab.subscriptionId}/resourcegroups/${RG}?api-version=2021-04-01`, { headers: { authorization: `Bearer ${adminToken}` } });
  assert.equal(res.status, 200);
  const hit = linesFor(fault.id).find((l) => l.face === "arm" && l.op === `GET /subscriptions/${lab.subscriptionId}/resourcegroups/${RG}`);
  assert.ok(hit, "the delayed request is logged");
  assert.equal(hit.status, 200);
  assert.equal(hit.level, "info");
  const gone = await labApi("DELETE", "/_wilab/faults");
  assert.deepEqual((gone.json as { id: string }[]).map((f) => f.id), [fault.id]);
  assert.deepEqual((await labApi("GET", "/_wilab/faults")).json, []);
});

test("/_wilab/faults: bad requests name the field; a caller without a token is refused", async () => {
  const bad = await labApi("POST", "/_wilab/faults", { kind: "throttle", face: "graph" });
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(bad.json), /face must be one of entra, keyvault, arm/);
  const anon = await fetch(`${lab.url}/_wilab/faults`);
  assert.equal(anon.status, 401);
  const missing = await labApi("DELETE", "/_wilab/faults/fault-424242");
  assert.equal(missing.status, 404);
});

function wilab(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [WILAB, ...args], { env: { ...process.env, WILAB_HOME: home }, cwd: root }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

test("CLI: wilab fault add / list / clear, with az-style output", async () => {
  lab.faults.clear();
  const login = await wilab(["login"]);
  assert.equal(login.code, 0, login.stderr);
  const add = await wilab(["fault", "add", "throttle", "--face", "keyvault", "--retry-after", "3", "--count", "5"]);
  assert.equal(add.code, 0, add.stderr);
  const f = JSON.parse(add.stdout) as { id: string; kind: string; face: string; retryAfterS: number; remaining: number };
  assert.deepEqual([f.kind, f.face, f.retryAfterS, f.remaining], ["throttle", "keyvault", 3, 5]);
  const prop = await wilab(["fault", "add", "propagation", "--fic", "30s", "--rbac", "5m", "--query", "[ficMs, rbacMs]", "-o", "tsv"]);
  assert.equal(prop.code, 0, prop.stderr);
  assert.equal(prop.stdout, "30000\n300000\n");
  const issuer = await wilab(["fault", "add", "issuer-unreachable", "--cluster", "aks-faults", "-g", "rg-kube", "--query", "issuerPrefix", "-o", "tsv"]);
  assert.equal(issuer.code, 0, issuer.stderr);
  assert.equal(issuer.stdout, `${issuerUrl}\n`);
  const table = await wilab(["fault", "list", "-o", "table"]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /Id\s+Kind\s+Description/);
  assert.match(table.stdout, new RegExp(`${f.id}\\s+throttle\\s+throttle keyvault retry-after=3s count=5`));
  const ids = await wilab(["fault", "list", "--query", "[].id", "-o", "tsv"]);
  assert.equal(ids.stdout.trim().split("\n").length, 3);
  const one = await wilab(["fault", "clear", f.id, "--query", "[0].id", "-o", "tsv"]);
  assert.equal(one.stdout, `${f.id}\n`);
  const bad = await wilab(["fault", "add", "latency", "--face", "entra"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /latency needs ms/);
  const all = await wilab(["fault", "clear", "--query", "length(@)", "-o", "tsv"]);
  assert.equal(all.stdout, "2\n");
  assert.deepEqual(lab.faults.list(), []);
});

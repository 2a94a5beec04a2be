// Concurrency (issue 12, item 4): for each resource type, 1,000 concurrent creates of one name, sent as raw HTTPS
// requests over a keep-alive agent of 50 sockets. Exactly one creation happens; the others get what the service
// answers (an ARM PUT updates: 200; a Kubernetes POST: 409 AlreadyExists; federated credentials on one identity:
// 200, or Azure's 409 for concurrent writes under one identity); no acknowledged write is lost (each is read back);
// every secret version created is listed; nothing answers 5xx.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Agent, request } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import { randomUUID } from "node:crypto";
import { startTestLab, adminCredential } from "../helpers/lab.js";
import { makeCluster, type TestCluster } from "../helpers/kube.js";
import type { Lab } from "../../src/index.js";

const N = 1000;
const SOCKETS = 50;
const RG = "rg-concurrency";
const LOC = "westeurope";
const MSI_API = "2023-01-31";

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: Record<string, unknown>;
}

let lab: Lab;
let pool: Agent;
let armAuth: Record<string, string>;
let cluster: TestCluster;

function parse(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** One raw HTTPS request (over the shared keep-alive pool unless another agent is given). */
function send(method: string, url: string, headers: Record<string, string>, body?: unknown, agent: Agent | false = pool): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, agent, ca: lab.caCert, headers: { ...headers, ...(payload !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parse(text) });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const all = <T>(n: number, f: (i: number) => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: n }, (_, i) => f(i)));

/** Status → count. */
function tally(answers: Answer[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
}

function no5xx(answers: Answer[]): void {
  const bad = answers.filter((a) => a.status >= 500);
  assert.equal(bad.length, 0, `5xx answers: ${bad.slice(0, 3).map((a) => `${a.status} ${a.text.slice(0, 200)}`).join(" | ")}`);
}

const at = (o: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined), o);
const arm = (path: string, apiVersion: string) => `${lab.armEndpoint}${path}?api-version=${apiVersion}`;
const rgPath = () => `/subscriptions/${lab.subscriptionId}/resourceGroups/${RG}`;

/** N concurrent PUTs of one ARM resource, writer i's body from `body(i)`; asserts no 5xx and returns the answers in writer order. */
async function armRace(t: { diagnostic(m: string): void }, label: string, url: string, body: (i: number) => unknown): Promise<Answer[]> {
  const answers = await all(N, (i) => send("PUT", url, armAuth, body(i)));
  no5xx(answers);
  t.diagnostic(`# ${label}: ${N} concurrent PUTs of one name over ${SOCKETS} sockets → ${JSON.stringify(tally(answers))}`);
  return answers;
}

/** The writers whose write was acknowledged (2xx). */
function acknowledged(answers: Answer[]): Set<string> {
  return new Set(answers.flatMap((a, i) => (a.status >= 200 && a.status < 300 ? [String(i)] : [])));
}

before(async () => {
  lab = await startTestLab();
  pool = new Agent({ keepAlive: true, maxSockets: SOCKETS, ca: lab.caCert });
  const token = await adminCredential(lab).getToken("https://management.azure.com/.default");
  armAuth = { authorization: `Bearer ${token.token}` };
  const rg = await send("PUT", arm(rgPath(), "2022-09-01"), armAuth, { location: LOC });
  assert.equal(rg.status, 201, rg.text);
  cluster = await makeCluster(lab, { name: "race" });
});

after(async () => {
  pool?.destroy();
  cluster?.cleanup();
  await lab?.stop();
});

test("resource group: one creation (201), the other 999 PUTs update it (200); an acknowledged write is what stays", async (t) => {
  const url = arm(`/subscriptions/${lab.subscriptionId}/resourcegroups/rg-race`, "2022-09-01");
  const answers = await armRace(t, "resource group", url, (i) => ({ location: LOC, tags: { writer: String(i) } }));
  assert.deepEqual(tally(answers), { 200: N - 1, 201: 1 });
  const got = await send("GET", url, armAuth);
  assert.equal(got.status, 200, got.text);
  assert.ok(acknowledged(answers).has(String(at(got.json, "tags", "writer"))), got.text);
  const list = await send("GET", arm(`/subscriptions/${lab.subscriptionId}/resourcegroups`, "2022-09-01"), armAuth);
  assert.equal((list.json.value as unknown[]).filter((r) => at(r, "name") === "rg-race").length, 1);
});

test("managed identity: one creation (one principal and client id), 999 updates; an acknowledged write is what stays", async (t) => {
  const url = arm(`${rgPath()}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-race`, MSI_API);
  const answers = await armRace(t, "user-assigned identity", url, (i) => ({ location: LOC, tags: { writer: String(i) } }));
  assert.deepEqual(tally(answers), { 200: N - 1, 201: 1 });
  const ids = new Set(answers.map((a) => `${String(at(a.json, "properties", "principalId"))}/${String(at(a.json, "properties", "clientId"))}`));
  assert.equal(ids.size, 1, "every answer names the one identity created");
  const got = await send("GET", url, armAuth);
  assert.equal(`${String(at(got.json, "properties", "principalId"))}/${String(at(got.json, "properties", "clientId"))}`, [...ids][0]);
  assert.ok(acknowledged(answers).has(String(at(got.json, "tags", "writer"))), got.text);
  const list = await send("GET", arm(`${rgPath()}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`, MSI_API), armAuth);
  assert.equal((list.json.value as unknown[]).filter((r) => at(r, "name") === "id-race").length, 1);
});

test("key vault (ARM): one creation (201), 999 updates (200); an acknowledged write is what stays", async (t) => {
  const url = arm(`${rgPath()}/providers/Microsoft.KeyVault/vaults/kv-race`, "2023-07-01");
  const body = (i: number) => ({ location: LOC, tags: { writer: String(i) }, properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true } });
  const answers = await armRace(t, "key vault", url, body);
  assert.deepEqual(tally(answers), { 200: N - 1, 201: 1 });
  const got = await send("GET", url, armAuth);
  assert.equal(got.status, 200, got.text);
  assert.ok(acknowledged(answers).has(String(at(got.json, "tags", "writer"))), got.text);
  const list = await send("GET", arm(`${rgPath()}/providers/Microsoft.KeyVault/vaults`, "2023-07-01"), armAuth);
  assert.equal((list.json.value as unknown[]).filter((r) => at(r, "name") === "kv-race").length, 1);
});

const ISSUER = "https://issuer.race.example";
const ficBody = (subject: string) => ({ properties: { issuer: ISSUER, subject, audiences: ["api://AzureADTokenExchange"] } });

/** A user-assigned identity made before the race (one PUT); returns its path. */
async function identity(name: string): Promise<{ path: string; principalId: string }> {
  const path = `${rgPath()}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
  const r = await send("PUT", arm(path, MSI_API), armAuth, { location: LOC });
  assert.equal(r.status, 201, r.text);
  return { path, principalId: String(at(r.json, "properties", "principalId")) };
}

/** Azure's refusal of concurrent credential writes under one identity (sources in src/arm/ArmError.ts, concurrentFicWrites). */
const concurrentFicError = (identityName: string) => ({
  code: "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity",
  message: `Too many Federated Identity Credentials are written concurrently for the managed identity '/subscriptions/${lab.subscriptionId}/resourcegroups/${RG}/providers/microsoft.managedidentity/userassignedidentities/${identityName}'. Concurrent Federated Identity Credentials writes under the same managed identity are not supported.`,
});

const errorOf = (a: Answer) => ({ code: at(a.json, "error", "code"), message: at(a.json, "error", "message") });

/** Sends a request on every socket of the pool at once, so a race starts with all of them open. */
async function warmPool(): Promise<void> {
  no5xx(await all(SOCKETS, () => send("GET", arm(rgPath(), "2022-09-01"), armAuth)));
}

test("federated credential on one identity: one creation (201); the others update it (200) or get Azure's 409 for concurrent writes; nothing lost", async (t) => {
  const id = await identity("id-fic-race");
  const url = arm(`${id.path}/federatedIdentityCredentials/fic-race`, MSI_API);
  // The lab handles a request in one go; Azure's writes take time, so concurrent ones overlap. An ARM latency fault
  // gives the lab's writes that time (the requests reach ARM, then wait), and they overlap too.
  await warmPool();
  const fault = lab.faults.add({ kind: "latency", face: "arm", ms: 20 });
  const answers = await armRace(t, "federated identity credential (20 ms ARM latency fault)", url, (i) => ficBody(`system:serviceaccount:race:w${i}`)).finally(() => lab.faults.clear(fault.id));
  const counts = tally(answers);
  assert.equal(counts[201], 1, JSON.stringify(counts));
  assert.equal((counts[200] ?? 0) + (counts[409] ?? 0), N - 1, JSON.stringify(counts));
  assert.ok((counts[409] ?? 0) > 0, `overlapping writes on one identity conflict: ${JSON.stringify(counts)}`);
  for (const a of answers.filter((x) => x.status === 409)) assert.deepEqual(errorOf(a), concurrentFicError("id-fic-race"));
  const got = await send("GET", url, armAuth);
  assert.equal(got.status, 200, got.text);
  const acked = new Set([...acknowledged(answers)].map((i) => `system:serviceaccount:race:w${i}`));
  assert.ok(acked.has(String(at(got.json, "properties", "subject"))), `the credential holds a refused write: ${got.text}`);
  const list = await send("GET", arm(`${id.path}/federatedIdentityCredentials`, MSI_API), armAuth);
  assert.equal((list.json.value as unknown[]).length, 1);
});

/** A PUT whose body is held back until the server has taken its request line (Expect: 100-continue); `meanwhile` runs then. */
function putAfterContinue(url: string, body: unknown, meanwhile: () => Promise<void>): Promise<Answer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const headers = { ...armAuth, "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)), expect: "100-continue" };
    const req = request(url, { method: "PUT", agent: false, ca: lab.caCert, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parse(text) });
      });
    });
    req.on("error", reject);
    req.on("continue", () => void meanwhile().then(() => req.end(payload), reject));
    req.flushHeaders();
  });
}

test("#4: a credential write in flight while another on the same identity commits gets 409 ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity; written again afterwards it succeeds", async () => {
  const id = await identity("id-fic-pair");
  const urlA = arm(`${id.path}/federatedIdentityCredentials/fic-a`, MSI_API);
  const urlB = arm(`${id.path}/federatedIdentityCredentials/fic-b`, MSI_API);
  let b: Answer | undefined;
  const a = await putAfterContinue(urlA, ficBody("system:serviceaccount:pair:a"), async () => {
    b = await send("PUT", urlB, armAuth, ficBody("system:serviceaccount:pair:b"));
  });
  assert.equal(b?.status, 201, b?.text);
  assert.equal(a.status, 409, a.text);
  assert.deepEqual(errorOf(a), concurrentFicError("id-fic-pair"));
  assert.equal((await send("GET", urlA, armAuth)).status, 404, "the refused write left nothing");
  assert.equal((await send("GET", urlB, armAuth)).status, 200);
  const again = await send("PUT", urlA, armAuth, ficBody("system:serviceaccount:pair:a"));
  assert.equal(again.status, 201, again.text);
});

test("credential writes one after another on one identity all succeed, and so do concurrent ones on different identities", async () => {
  // [D] entra-docs workload-identity-federation-considerations.md: "Make sure that any kind of automation creates
  // federated identity credentials under the same parent identity sequentially. Federated identity credentials under
  // different managed identities can be created in parallel without any restrictions."
  const one = await identity("id-fic-seq");
  for (let i = 0; i < 20; i++) {
    const r = await send("PUT", arm(`${one.path}/federatedIdentityCredentials/seq-${i}`, MSI_API), armAuth, ficBody(`system:serviceaccount:seq:${i}`));
    assert.equal(r.status, 201, r.text);
  }
  const many = await all(20, (i) => identity(`id-fic-par-${i}`));
  const answers = await all(20, (i) => send("PUT", arm(`${many[i]!.path}/federatedIdentityCredentials/par`, MSI_API), armAuth, ficBody("system:serviceaccount:par:x")));
  assert.deepEqual(tally(answers), { 201: 20 });
});

test("role assignment: 1,000 concurrent PUTs of one name make one assignment; each gets ARM's 201 with that assignment", async (t) => {
  const { principalId } = await identity("id-ra-race");
  const url = arm(`${rgPath()}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`, "2022-04-01");
  const roleDefinitionId = `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`;
  const answers = await armRace(t, "role assignment", url, () => ({ properties: { roleDefinitionId, principalId, principalType: "ServicePrincipal" } }));
  assert.deepEqual(tally(answers), { 201: N });
  assert.equal(new Set(answers.map((a) => `${String(a.json.id)} ${String(at(a.json, "properties", "createdOn"))}`)).size, 1, "every answer is the one assignment");
  const list = await send("GET", `${arm(`${rgPath()}/providers/Microsoft.Authorization/roleAssignments`, "2022-04-01")}&$filter=${encodeURIComponent(`principalId eq '${principalId}'`)}`, armAuth);
  assert.equal((list.json.value as unknown[]).length, 1, list.text);
});

/** The vault's data-plane resource, read from its challenge as the SDKs do (reference §4.3). */
async function vaultAuth(vaultUrl: URL): Promise<Record<string, string>> {
  const challenge = await send("GET", new URL("secrets?api-version=7.5", vaultUrl).href, {});
  assert.equal(challenge.status, 401, challenge.text);
  const m = /resource="([^"]+)"/.exec(String(challenge.headers["www-authenticate"]));
  assert.ok(m, "the 401 names the vault's resource");
  const token = await adminCredential(lab).getToken(`${m[1]}/.default`);
  return { authorization: `Bearer ${token.token}` };
}

/** Every item of a Key Vault list, following nextLink. */
async function listAll(url: string, auth: Record<string, string>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let next: string | null = url; next; ) {
    const page: Answer = await send("GET", next, auth);
    assert.equal(page.status, 200, page.text);
    out.push(...(page.json.value as Record<string, unknown>[]));
    next = (page.json.nextLink as string | null | undefined) ?? null;
  }
  return out;
}

test("Key Vault secret: 1,000 concurrent sets of one name make 1,000 versions; each is listed and reads back its value", async (t) => {
  const vault = "kv-versions";
  const made = await send("PUT", arm(`${rgPath()}/providers/Microsoft.KeyVault/vaults/${vault}`, "2023-07-01"), armAuth, {
    location: LOC,
    properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, accessPolicies: [{ tenantId: lab.tenantId, objectId: lab.admin.objectId, permissions: { secrets: ["get", "list", "set"] } }] },
  });
  assert.equal(made.status, 201, made.text);
  const base = new URL(lab.vaultUrl(vault));
  const auth = await vaultAuth(base);
  const answers = await all(N, (i) => send("PUT", new URL("secrets/race?api-version=7.5", base).href, auth, { value: `value-${i}` }));
  no5xx(answers);
  t.diagnostic(`# Key Vault secret: ${N} concurrent sets of one name over ${SOCKETS} sockets → ${JSON.stringify(tally(answers))}`);
  assert.deepEqual(tally(answers), { 200: N });
  const versions = answers.map((a) => String(a.json.id).split("/").pop()!);
  assert.equal(new Set(versions).size, N, "each set made a version of its own");
  const listed = await listAll(new URL("secrets/race/versions?api-version=7.5&maxresults=25", base).href, auth);
  assert.deepEqual(listed.map((v) => String(v.id).split("/").pop()).sort(), [...versions].sort());
  const reads = await all(N, (i) => send("GET", new URL(`secrets/race/${versions[i]}?api-version=7.5`, base).href, auth));
  const wrong = reads.flatMap((r, i) => (r.status === 200 && r.json.value === `value-${i}` ? [] : [`${versions[i]}: ${r.status} ${r.text.slice(0, 120)}`]));
  assert.deepEqual(wrong, [], "every acknowledged version reads back its value");
});

test("Kubernetes ConfigMap: 1,000 concurrent POSTs of one name: one 201, 999 × 409 AlreadyExists; the created one is the 201's", async (t) => {
  const url = `${cluster.server}/api/v1/namespaces/default/configmaps`;
  const auth = { authorization: `Bearer ${cluster.record.adminToken}` };
  const answers = await all(N, (i) => send("POST", url, auth, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "race" }, data: { writer: String(i) } }));
  no5xx(answers);
  t.diagnostic(`# Kubernetes ConfigMap: ${N} concurrent POSTs of one name over ${SOCKETS} sockets → ${JSON.stringify(tally(answers))}`);
  assert.deepEqual(tally(answers), { 201: 1, 409: N - 1 });
  for (const a of answers.filter((x) => x.status === 409)) {
    const { kind, apiVersion, status, message, reason, code } = a.json;
    assert.deepEqual({ kind, apiVersion, status, message, reason, code }, { kind: "Status", apiVersion: "v1", status: "Failure", message: 'configmaps "race" already exists', reason: "AlreadyExists", code: 409 });
    assert.deepEqual({ name: at(a.json, "details", "name"), kind: at(a.json, "details", "kind") }, { name: "race", kind: "configmaps" });
  }
  const winner = answers.findIndex((a) => a.status === 201);
  const got = await send("GET", `${url}/race`, auth);
  assert.equal(got.status, 200, got.text);
  assert.equal(at(got.json, "data", "writer"), String(winner));
  const list = await send("GET", `${url}?fieldSelector=metadata.name%3Drace`, auth);
  assert.equal((list.json.items as unknown[]).length, 1);
});

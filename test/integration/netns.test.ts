// A lab reachable by a team (issue 14): `wilab up --listen <address> --hostname lab.wilab.test` in a network namespace
// of its own, on one end of a veth pair, and a client on the other end, in a second namespace: another machine as far
// as the network goes. The client trusts the lab's CA through NODE_EXTRA_CA_CERTS only, and maps the lab's names to
// its address in its own /etc/hosts (/etc/netns/<client>/hosts). It uses the lab with the real SDKs, and every probe it
// makes without credentials, by address and by name, is searched for the secrets the test reads from the data dir.
// Root only (network namespaces); the host's /etc/hosts is left as it was.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createNetnsPair, netnsUnavailable, type NetnsPair } from "../helpers/netns.js";
import type { Probe, ProbeResult, UseInput, UseOutput } from "../helpers/netnsClient.js";

const HOSTNAME = "lab.wilab.test";
const VAULT = "kv-netns";
const BIN = join(import.meta.dirname, "../../../bin/wilab");
const CLIENT = join(import.meta.dirname, "../helpers/netnsClient.js");

interface Endpoints {
  port: number;
  tenantId: string;
  subscriptionId: string;
  admin: { clientId: string; clientSecret: string; password: string; objectId: string; userPrincipalName: string };
}

let pair: NetnsPair | undefined;
let dir: string | undefined;
let lab: { pid: number; exited: Promise<unknown>; kill(signal: NodeJS.Signals): boolean } | undefined;
let e: Endpoints;
let used: UseOutput | undefined;
const secretValue = `netns-${randomBytes(12).toString("hex")}`;
// Where namespaces cannot be made (not root), the tests skip and say why, as transparent.test.ts does for port 443.
const skip = netnsUnavailable() ?? false;

/** Starts `wilab up` in the lab's namespace and waits for its ready line. */
async function startLabIn(p: NetnsPair, dataDir: string): Promise<void> {
  const proc = p.spawnIn(p.lab.name, [process.execPath, BIN, "up", "--listen", p.lab.address, "--hostname", HOSTNAME, "--port", "0", "--data-dir", dataDir], { PATH: process.env.PATH, HOME: dataDir });
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  lab = { pid: proc.pid!, exited, kill: (s) => proc.kill(s) };
  let out = "";
  proc.stderr.on("data", (c: Buffer) => (out += c.toString()));
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("wilab ready on ")) resolve();
    });
    void exited.then((code) => reject(new Error(`wilab up exited with ${code}: ${out}`)));
  });
  assert.ok(out.includes(`listening on ${p.lab.address}, certificate for localhost, 127.0.0.1, ::1, ${p.lab.address}, ${HOSTNAME}`), out);
}

before(async () => {
  if (skip) return;
  try {
    pair = createNetnsPair();
    // The lab's own /etc/hosts (where it adds its vaults' names) is the namespace's file, not the host's.
    pair.hostsFile(pair.lab.name, ["127.0.0.1 localhost", "::1 localhost"]);
    // The client machine maps the lab's name and the vault's name to the lab's address, as docs/scale-out.md says.
    pair.hostsFile(pair.client.name, ["127.0.0.1 localhost", "::1 localhost", `${pair.lab.address} ${HOSTNAME}`, `${pair.lab.address} ${VAULT}.vault.localhost`]);
    dir = mkdtempSync(join(tmpdir(), "wilab-netns-"));
    await startLabIn(pair, dir);
    e = JSON.parse(readFileSync(join(dir, "endpoints.json"), "utf8")) as Endpoints;
  } catch (err) {
    await cleanUp();
    throw err;
  }
});

async function cleanUp(): Promise<void> {
  if (lab) {
    lab.kill("SIGTERM");
    await lab.exited;
    // The lab's hosts block went to its namespace's file: the host's /etc/hosts never had one of this lab's.
    assert.ok(!readFileSync("/etc/hosts", "utf8").includes(`pid=${lab.pid} `), "the lab wrote to the host's /etc/hosts");
    lab = undefined;
  }
  pair?.remove();
  pair = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

after(cleanUp);

/** Runs the client script in the client's namespace; with `trustCa` its NODE_EXTRA_CA_CERTS is the lab's CA. */
async function client<T>(mode: string, input: object, trustCa = true): Promise<T> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, WILAB_NETNS_CLIENT: JSON.stringify(input) };
  if (trustCa) env.NODE_EXTRA_CA_CERTS = join(dir!, "ca.crt");
  const r = await pair!.runIn(pair!.client.name, [process.execPath, CLIENT, mode], env);
  assert.equal(r.code, 0, `client ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const byName = () => `https://${HOSTNAME}:${e.port}`;
const byAddress = () => `https://${pair!.lab.address}:${e.port}`;

function useInput(): UseInput {
  return { labUrl: byName(), tenantId: e.tenantId, subscriptionId: e.subscriptionId, clientId: e.admin.clientId, clientSecret: e.admin.clientSecret, objectId: e.admin.objectId, vault: VAULT, secretValue };
}

test("a client in another namespace, the CA trusted, uses the lab by its --hostname: Entra token, ARM, Key Vault, Graph, kubectl", { skip }, async () => {
  used = await client<UseOutput>("use", useInput());
  assert.match(used.armToken, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/);
  assert.equal(used.resourceGroup, "rg-netns");
  assert.equal(used.vaultUri, `https://${VAULT}.vault.localhost:${e.port}/`);
  assert.equal(used.secretRead, secretValue, "the real SecretClient read the secret back through the lab's address");
  assert.match(used.clusterId, /^[0-9a-f-]{36}$/);
  assert.equal(used.graphServicePrincipalId, e.admin.objectId, "Graph answers at the lab's remote name too");
  // Real kubectl from the client machine, with the kubeconfig ARM gave it and its server named by the lab's --hostname.
  const home = mkdtempSync(join(dir!, "kubectl-"));
  const kubeconfig = join(home, "config");
  writeFileSync(kubeconfig, used.kubeconfig.replace(/server: https:\/\/localhost:/, `server: https://${HOSTNAME}:`), { mode: 0o600 });
  const r = await pair!.runIn(pair!.client.name, ["kubectl", "--kubeconfig", kubeconfig, "get", "namespaces", "-o", "name"], { PATH: process.env.PATH, HOME: home });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^namespace\/default$/m);
  // The lab added its vault's name to its own namespace's /etc/hosts, not to the host's.
  assert.match(readFileSync(`/etc/netns/${pair!.lab.name}/hosts`, "utf8"), new RegExp(`^127\\.0\\.0\\.1 ${VAULT}\\.vault\\.localhost$`, "m"));
  assert.ok(!readFileSync("/etc/hosts", "utf8").includes(`pid=${lab!.pid} `));
});

test("the lab is another machine: not on the client's 127.0.0.1; without its CA trusted, TLS verification fails", { skip }, async () => {
  const [loopback, address, name] = await client<ProbeResult[]>("probe", { probes: [`https://127.0.0.1:${e.port}/`, `${byAddress()}/`, `${byName()}/`].map((url) => ({ method: "GET", url })) });
  assert.equal(loopback!.error, "ECONNREFUSED", JSON.stringify(loopback));
  for (const r of [address!, name!]) assert.equal(typeof r.status, "number", `${r.probe.url} with the CA trusted: ${r.error}`);
  const untrusted = await client<ProbeResult[]>("probe", { probes: [`${byAddress()}/`, `${byName()}/`].map((url) => ({ method: "GET", url })) }, false);
  const verifyErrors = ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"];
  for (const r of untrusted) assert.ok(r.error && verifyErrors.includes(r.error), `${r.probe.url} without the CA: ${JSON.stringify(r.error ?? r.status)}`);
  const token = await client<{ token?: string; error?: string }>("token", useInput(), false);
  assert.equal(token.token, undefined, "no token without the CA trusted");
  // MSAL reports the failed TLS handshake of its metadata request as an endpoints resolution error.
  assert.match(token.error ?? "", /endpoints_resolution_error|certificate|UNABLE_TO_VERIFY/i);
});

/** Every private key in a text: PEM blocks, also inside JSON strings (escaped newlines). */
function privateKeysIn(text: string): string[] {
  const pems = text.match(/-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g) ?? [];
  return pems.map((p) => p.replace(/\\n/g, "\n"));
}

/** The secrets the lab holds, read from its data dir: admin credentials, every private key (PEM lines and JWK private members). */
function labSecrets(): string[] {
  const texts = [readFileSync(join(dir!, "ca.key"), "utf8"), readFileSync(join(dir!, "leaf-cache.json"), "utf8")];
  const db = new Database(join(dir!, "lab.db"), { readonly: true, fileMustExist: true });
  try {
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) texts.push(...Object.values(row).map(String));
    }
  } finally {
    db.close();
  }
  const keys = texts.flatMap(privateKeysIn);
  assert.ok(keys.length >= 3, `the CA key, a leaf key and the STS signing key at least (found ${keys.length})`);
  const secrets = [e.admin.clientSecret, e.admin.password, secretValue];
  // A key's private parts, in base64url (JWK) and base64. Not the PEM's lines: those of an RSA key carry its modulus,
  // which its certificate in the public JWKS (x5c) carries too; a PEM block itself is caught by its "PRIVATE KEY" line.
  for (const pem of keys) {
    const jwk = createPrivateKey(pem).export({ format: "jwk" });
    for (const k of ["d", "p", "q", "dp", "dq", "qi"] as const) {
      if (jwk[k]) secrets.push(jwk[k], Buffer.from(jwk[k], "base64url").toString("base64").replace(/=+$/, ""));
    }
  }
  if (used) secrets.push(used.armToken, ...[...used.kubeconfig.matchAll(/(?:token|client-key-data): (\S+)/g)].map((m) => m[1]!));
  return secrets;
}

/** Any JWK with private members in a JSON body. */
function privateJwkIn(body: string): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return false;
  }
  const walk = (v: unknown): boolean => {
    if (Array.isArray(v)) return v.some(walk);
    if (!v || typeof v !== "object") return false;
    const o = v as Record<string, unknown>;
    return ("kty" in o && "d" in o) || Object.values(o).some(walk);
  };
  return walk(doc);
}

/** A response as seen, with every long base64 run in it decoded too (a kubeconfig in ARM's answer is base64). */
function withDecoded(text: string): string {
  const runs = text.match(/[A-Za-z0-9+/_-]{40,}={0,2}/g) ?? [];
  return [text, ...runs.map((b) => Buffer.from(b, b.includes("-") || b.includes("_") ? "base64url" : "base64").toString("latin1"))].join("\n");
}

type Expect = "denied" | "no token" | "anything";
interface Case {
  method: string;
  path: string;
  expect: Expect;
  /** Sent to a vault's host (by name: `<vault>.vault.localhost`; by address: that Host header). */
  vault?: boolean;
  /** A Host header of the caller's choosing (a remote caller can send any). */
  host?: string;
  form?: Record<string, string>;
  json?: unknown;
  headers?: Record<string, string>;
}

function cases(): Case[] {
  const t = e.tenantId;
  const sub = `/subscriptions/${e.subscriptionId}`;
  const cc = `${sub}/resourceGroups/rg-netns/providers/Microsoft.Kubernetes/connectedClusters/netns`;
  const k8s = `/k8s/${used?.clusterId ?? "00000000-0000-0000-0000-000000000000"}`;
  const get = (path: string, expect: Expect = "denied"): Case => ({ method: "GET", path, expect });
  const token = (form: Record<string, string>, path = `/${t}/oauth2/v2.0/token`): Case => ({ method: "POST", path, expect: "no token", form });
  const client = { grant_type: "client_credentials", client_id: e.admin.clientId, scope: "https://management.azure.com/.default" };
  return [
    // The lab's own API and the portal's data.
    ...["status", "clock", "faults", "auditEvents", "doctor", "images", "oidc-issuers", "oidc-issuers/x"].map((p) => get(`/_wilab/${p}`)),
    { method: "POST", path: "/_wilab/clock", expect: "denied", json: { offsetMs: 1 } },
    { method: "POST", path: "/_wilab/faults", expect: "denied", json: {} },
    { method: "DELETE", path: "/_wilab/faults", expect: "denied" },
    { method: "PUT", path: "/_wilab/oidc-issuers/x", expect: "denied", json: {} },
    { method: "PUT", path: "/_wilab/images/x", expect: "denied", json: {} },
    ...["overview", "identities", "signins", "signins/stream", "clusters", "me", "workloads", "auditEvents", "chain"].map((p) => get(`/portal/api/${p}`)),
    { method: "POST", path: "/portal/api/fix", expect: "denied", json: {} },
    { method: "POST", path: "/portal/api/match", expect: "denied", json: {} },
    // Files of the data dir, under their names and by traversal.
    ...["/endpoints.json", "/ca.key", "/ca.crt", "/lab.db", "/leaf-cache.json", "/lab.lock", "/..%2fca.key", "/portal/assets/..%2fendpoints.json", "/portal/assets/%2e%2e%2f%2e%2e%2fca.key", "/portal/assets/ca.key"].map((p) => get(p, "anything")),
    // Entra: the token endpoints without (or with wrong) credentials; discovery, keys, sign-in pages.
    token(client),
    token({ ...client, client_secret: "not-the-secret" }),
    token({ ...client, client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0." }),
    token({ grant_type: "password", client_id: e.admin.clientId, username: e.admin.userPrincipalName, scope: "https://management.azure.com/.default" }),
    token({ grant_type: "client_credentials", client_id: e.admin.clientId, resource: "https://management.azure.com/" }, `/${t}/oauth2/token`),
    token({ grant_type: "client_credentials", client_id: e.admin.clientId, resource: "https://vault.azure.net" }, `/${t}/oauth2/token`),
    ...["/", "/portal", "/portal/auth/callback?code=x&state=y", `/${t}/v2.0/.well-known/openid-configuration`, `/${t}/.well-known/openid-configuration`, `/${t}/discovery/v2.0/keys`, `/${t}/discovery/keys`, "/common/discovery/keys", "/common/discovery/instance?api-version=1.1&authorization_endpoint=https://login.microsoftonline.com/common/oauth2/v2.0/authorize", `/common/userrealm/${e.admin.userPrincipalName}?api-version=1.0`, "/metadata/endpoints?api-version=2022-09-01", `/${t}/oauth2/v2.0/authorize?client_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46&response_type=code&redirect_uri=http://localhost:8400&scope=openid`, "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/"].map((p) => get(p, "anything")),
    { method: "POST", path: `/${t}/oauth2/v2.0/authorize`, expect: "anything", form: { client_id: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", response_type: "code", redirect_uri: "http://localhost:8400", login: e.admin.userPrincipalName } },
    // ARM and Graph without a token, and with one that is not the lab's.
    ...[`/subscriptions?api-version=2022-12-01`, `${sub}/resourcegroups?api-version=2021-04-01`, `${sub}/resourceGroups/rg-netns/providers/Microsoft.KeyVault/vaults/${VAULT}?api-version=2023-07-01`, `${cc}?api-version=2024-12-01-preview`].map((p) => get(p)),
    // Graph, under the lab's names and with `Host: localhost` (a remote caller can send any).
    ...["/v1.0/servicePrincipals", "/v1.0/users", "/v1.0/me", "/beta/auditLogs/signIns"].flatMap((p) => [get(p), { ...get(p), host: `localhost:${e.port}` }]),
    { method: "GET", path: `${sub}/resourcegroups?api-version=2021-04-01`, expect: "denied", headers: { authorization: "Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tIn0." } },
    { method: "POST", path: `${cc}/listClusterUserCredential?api-version=2024-01-01`, expect: "denied", json: {} },
    { method: "POST", path: `${cc}/providers/Microsoft.HybridContainerService/provisionedClusterInstances/default/listAdminKubeconfig?api-version=2024-01-01`, expect: "denied", json: {} },
    // Key Vault without a token (the challenge only), and the vault's host asked for what it is not.
    ...["/secrets/greeting?api-version=7.4", "/secrets?api-version=7.4", "/secrets/greeting/versions?api-version=7.4", "/deletedsecrets?api-version=7.4"].map((p) => ({ ...get(p), vault: true })),
    { ...get("/_wilab/status"), vault: true },
    { ...get("/endpoints.json", "anything"), vault: true },
    // The cluster's API server without a token; its issuer's public documents.
    ...["/api/v1/secrets", "/api/v1/namespaces/kube-system/secrets", "/api/v1/namespaces/default/serviceaccounts", "/api/v1/namespaces/default/pods", "/apis"].map((p) => get(`${k8s}${p}`)),
    { method: "POST", path: `${k8s}/api/v1/namespaces/default/serviceaccounts/default/token`, expect: "denied", json: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} } },
    ...["/version", "/healthz", "/.well-known/openid-configuration", "/openid/v1/jwks"].map((p) => get(`${k8s}${p}`, "anything")),
    ...(used ? [`/oidc/${t}/${used.clusterId}/.well-known/openid-configuration`, `/oidc/${t}/${used.clusterId}/openid/v1/jwks`].map((p) => get(p, "anything")) : []),
    { method: "POST", path: `/webhooks/azure-wi/${used?.clusterId ?? "x"}/mutate-v1-pod`, expect: "anything", json: { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { uid: "1" } } },
  ];
}

/** A case as the client sends it, to the lab's address (vault cases with the vault's Host header) or by name. */
function probeOf(c: Case, how: "address" | "name"): Probe {
  const vaultHost = `${VAULT}.vault.localhost:${e.port}`;
  const origin = c.vault && how === "name" ? `https://${vaultHost}` : how === "name" ? byName() : byAddress();
  const headers: Record<string, string> = { ...c.headers, ...(c.vault && how === "address" ? { host: vaultHost } : {}), ...(c.host ? { host: c.host } : {}) };
  let body: string | undefined;
  if (c.form) [body, headers["content-type"]] = [new URLSearchParams(c.form).toString(), "application/x-www-form-urlencoded"];
  if (c.json !== undefined) [body, headers["content-type"]] = [JSON.stringify(c.json), "application/json"];
  return { method: c.method, url: `${origin}${c.path}`, headers, body };
}

test("every unauthenticated probe of the lab's address, by address and by name, gets nothing secret", { skip }, async () => {
  const all = cases();
  const probes = all.flatMap((c) => [probeOf(c, "address"), probeOf(c, "name")]);
  const results = await client<ProbeResult[]>("probe", { probes });
  assert.equal(results.length, probes.length);
  const secrets = labSecrets();
  const jwt = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,}/;
  const problems: string[] = [];
  results.forEach((r, i) => {
    const c = all[Math.floor(i / 2)]!;
    const where = `${r.probe.method} ${r.probe.url}${r.probe.headers?.host ? ` (Host ${r.probe.headers.host})` : ""}`;
    if (r.status === undefined) return problems.push(`${where}: no answer (${r.error})`);
    const seen = withDecoded(`${JSON.stringify(r.headers)}\n${r.body}`);
    if (c.expect === "denied" && r.status !== 401 && r.status !== 403) problems.push(`${where}: ${r.status}, expected 401 or 403: ${r.body?.slice(0, 200)}`);
    if (c.expect === "no token" && (r.status < 400 || /access_token|refresh_token|"code"\s*:/.test(r.body ?? ""))) problems.push(`${where}: ${r.status} ${r.body?.slice(0, 200)}`);
    if (seen.includes("PRIVATE KEY")) problems.push(`${where}: a PEM private key`);
    if (jwt.test(seen)) problems.push(`${where}: a token`);
    if (privateJwkIn(r.body ?? "")) problems.push(`${where}: a private JWK`);
    for (const s of secrets) if (seen.includes(s)) problems.push(`${where}: a secret of the lab (${s.slice(0, 6)}…)`);
  });
  assert.deepEqual(problems, []);
  // The probes did reach the lab's faces: a Key Vault challenge, Entra's refusal, the issuer's public keys.
  const vault = results.find((r) => r.probe.url === `https://${VAULT}.vault.localhost:${e.port}/secrets/greeting?api-version=7.4`)!;
  assert.match(String(vault.headers?.["www-authenticate"]), /^Bearer authorization="https:\/\/localhost:\d+\/[0-9a-f-]{36}", resource="https:\/\/vault\.localhost:\d+"$/);
  assert.match(results.find((r) => r.probe.url.endsWith(`/${e.tenantId}/oauth2/v2.0/token`))!.body ?? "", /AADSTS/);
  assert.match(results.find((r) => r.probe.url.endsWith(`/${e.tenantId}/discovery/v2.0/keys`))!.body ?? "", /"kty":"RSA"/);
});

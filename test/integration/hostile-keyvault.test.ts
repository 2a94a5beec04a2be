// The generated hostile corpus, Key Vault face: secret names, versions, bodies, content types, api-versions and
// query parameters on every secrets operation, sent with a valid bearer, without one, or with one mutated from a
// real lab token. Invariants on every input: an answer within the timeout, never a 5xx; without a valid token the
// 401 challenge comes first (before the api-version, the name or the body is looked at); a tampered bearer never
// gets a 2xx; with a valid token no 2xx for a name, api-version or value Key Vault refuses. Afterwards the lab
// answers and the original token still reads the seeded secret.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { startTestLab, policyVault } from "../helpers/lab.js";
import { HostileClient, basicFailure, cut, describe, equivalent, jwtMutations, signingKeyForms, runCorpus, type Mutated, type Verdict } from "../helpers/hostile.js";
import type { Lab } from "../../src/index.js";

const RG = "rg-hostile-kv";
const VAULT = "kv-hostile";
const SEEDED = ["seeded", "seeded-2", "a".repeat(127)];
/** Read at the start and at the end; never named by a generated input. */
const KEPT = "kept-for-the-end";
const VALID_API = ["7.0", "7.3", "7.4", "7.5", "7.6", "2025-07-01", "7.6-preview.2", "2016-10-01"];
const NAME = /^[0-9a-zA-Z-]{1,127}$/;

let lab: Lab;
let client: HostileClient;
let vaultHost: string;
let kvToken: string;
let armToken: string;
let backupBlob: string;
let keyForms: { label: string; secret: Buffer }[];

before(async () => {
  lab = await startTestLab();
  client = new HostileClient(lab.port, lab.caCert);
  ({ vaultHost, kvToken, armToken } = await policyVault(lab, RG, VAULT));
  for (const name of [...SEEDED, KEPT]) {
    const r = await kv("PUT", `/secrets/${name}?api-version=7.5`, JSON.stringify({ value: `value of ${name}` }));
    assert.equal(r.status, 200, r.text);
  }
  const b = await kv("POST", "/secrets/seeded-2/backup?api-version=7.5");
  backupBlob = (b.json as { value: string }).value;
  keyForms = await signingKeyForms(kvToken, `${lab.authorityHost}/common/discovery/v2.0/keys`);
});

after(async () => {
  client?.close();
  await lab?.stop();
});

function kv(method: string, path: string, body?: string, auth = `Bearer ${kvToken}`) {
  return client.send({ method, host: vaultHost, path, headers: { authorization: auth, ...(body !== undefined ? { "content-type": "application/json" } : {}) }, body });
}

// ---- the generated inputs ----

type Auth = { kind: "valid"; header: string } | { kind: "none" } | { kind: "refused"; header: string; label: string };

interface KvInput {
  method: string;
  /** The path template's parts, the name and version already in place (encoded as sent). */
  path: string;
  /** The raw name segment as sent, when the operation names a secret. */
  name?: string;
  apiVersions: string[];
  extraQuery: string;
  contentType?: string;
  body?: string;
  auth: Auth;
}

const OPS: { method: string; path: (n: string, v: string) => string; named: boolean }[] = [
  { method: "GET", path: (n) => `/secrets/${n}`, named: true },
  { method: "GET", path: (n) => `/secrets/${n}/`, named: true },
  { method: "GET", path: (n, v) => `/secrets/${n}/${v}`, named: true },
  { method: "PUT", path: (n) => `/secrets/${n}`, named: true },
  { method: "PATCH", path: (n) => `/secrets/${n}`, named: true },
  { method: "PATCH", path: (n, v) => `/secrets/${n}/${v}`, named: true },
  { method: "DELETE", path: (n) => `/secrets/${n}`, named: true },
  { method: "GET", path: () => "/secrets", named: false },
  { method: "GET", path: (n) => `/secrets/${n}/versions`, named: true },
  { method: "POST", path: (n) => `/secrets/${n}/backup`, named: true },
  { method: "POST", path: () => "/secrets/restore", named: false },
  { method: "GET", path: () => "/deletedsecrets", named: false },
  { method: "GET", path: (n) => `/deletedsecrets/${n}`, named: true },
  { method: "POST", path: (n) => `/deletedsecrets/${n}/recover`, named: true },
  { method: "DELETE", path: (n) => `/deletedsecrets/${n}`, named: true },
];

function nameArb(): fc.Arbitrary<string> {
  const valid = fc.stringMatching(/^[0-9a-zA-Z-]{1,40}$/);
  const invalid = fc.constantFrom("bad_name", "bad.name", "bad%20name", "caf%C3%A9", "a".repeat(128), "..", "%2e%2e", "a%2Fb", "%00", "%", "%ZZ", "-", "--", "x~y", "%E9", "name%0A", "*", "$", "%u0041");
  return fc
    .oneof({ weight: 4, arbitrary: fc.constantFrom(...SEEDED) }, { weight: 4, arbitrary: valid }, { weight: 3, arbitrary: invalid }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 30 }).map(encodeURIComponent) })
    .filter((n) => n.toLowerCase() !== KEPT);
}

function bodyArb(): fc.Arbitrary<{ contentType?: string; body?: string }> {
  const value = fc.oneof(fc.string({ maxLength: 100 }), fc.constantFrom("x".repeat(25 * 1024), "x".repeat(25 * 1024 + 1), "é".repeat(13 * 1024), ""), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }));
  const attributes = fc.oneof(fc.constant(undefined), fc.record({ enabled: fc.oneof(fc.boolean(), fc.constantFrom("yes", 1, null)), nbf: fc.oneof(fc.integer(), fc.constantFrom("x", -1, 1e20, null)), exp: fc.oneof(fc.integer(), fc.constantFrom("x", 0, 1e20)) }, { requiredKeys: [] }), fc.constantFrom("x", [], 1));
  const tags = fc.oneof(fc.constant(undefined), fc.dictionary(fc.string({ maxLength: 300 }), fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null)), { maxKeys: 18 }), fc.constantFrom("x", [], null));
  const secretBody = fc.record({ value, contentType: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 300 })), attributes, tags }, { requiredKeys: ["value"] }).map((o) => JSON.stringify(o));
  const restore = fc.oneof(fc.constant(JSON.stringify({ value: backupBlob })), fc.string({ maxLength: 60 }).map((v) => JSON.stringify({ value: v })), fc.nat(backupBlob.length - 1).map((at) => JSON.stringify({ value: backupBlob.slice(0, at) + (backupBlob[at] === "A" ? "B" : "A") + backupBlob.slice(at + 1) })));
  const junk = fc.oneof(fc.constantFrom("{not json", "[1,2]", "null", "42", '"x"', "", "{}", '{"value":', "\u0000", "x".repeat(300 * 1024), JSON.stringify({ value: "x".repeat(2 * 1024 * 1024) }), '{"__proto__":{"value":"x"}}', '{"value":"a","value":"b"}'), fc.json(), fc.string());
  return fc.record({
    contentType: fc.oneof({ weight: 8, arbitrary: fc.constant("application/json") }, { weight: 2, arbitrary: fc.constantFrom(undefined, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-8", "application/xml", "multipart/form-data; boundary=x", "APPLICATION/JSON") }),
    body: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 6, arbitrary: secretBody }, { weight: 2, arbitrary: restore }, { weight: 3, arbitrary: junk }),
  });
}

function authArb(): fc.Arbitrary<Auth> {
  const tampered = jwtMutations(kvToken, { other: armToken, keyForms }).filter((m: Mutated) => !equivalent(kvToken, m.token));
  return fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom<Auth>({ kind: "valid", header: `Bearer ${kvToken}` }, { kind: "valid", header: `bearer ${kvToken}` }) },
    { weight: 2, arbitrary: fc.constant<Auth>({ kind: "none" }) },
    { weight: 6, arbitrary: tampered.map<Auth>((m) => ({ kind: "refused", header: `Bearer ${m.token}`, label: m.label })) },
    {
      weight: 2,
      arbitrary: fc.constantFrom<Auth>(
        { kind: "refused", header: `Bearer ${armToken}`, label: "an ARM token" },
        { kind: "refused", header: "Bearer", label: "Bearer alone" },
        { kind: "refused", header: "Bearer ", label: "Bearer and a space" },
        { kind: "refused", header: `Basic ${Buffer.from("u:p").toString("base64")}`, label: "Basic" },
        { kind: "refused", header: `PoP ${kvToken}`, label: "PoP scheme with a bearer token" },
        { kind: "refused", header: `Bearer ${kvToken} ${kvToken}`, label: "two tokens" },
        { kind: "refused", header: `Bearer${kvToken}`, label: "no space after Bearer" },
        { kind: "refused", header: "Bearer abc", label: "garbage" },
      ),
    },
  );
}

function inputArb(): fc.Arbitrary<KvInput> {
  return fc
    .record({
      op: fc.constantFrom(...OPS),
      name: nameArb(),
      version: fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), fc.constantFrom("", "latest", "..", "%2F", "0".repeat(33), "ZZ")),
      api: fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...VALID_API).map((v) => [v]) }, { weight: 3, arbitrary: fc.array(fc.oneof(fc.constantFrom(...VALID_API, "9.9", "", "7.5 ", " 7.5", "7.10", "7.5-preview", "2025-07-01-preview", "7", "latest", "%", "7.5%00"), fc.string({ maxLength: 10 }).map(encodeURIComponent)), { maxLength: 3 }) }),
      extra: fc.oneof({ weight: 6, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.constantFrom("&maxresults=0", "&maxresults=25", "&maxresults=26", "&maxresults=-1", "&maxresults=x", "&$skiptoken=%%%", "&$skiptoken=eyJ4IjoxfQ", "&x=%ZZ", "&api-version", "&&&") }),
      body: bodyArb(),
      auth: authArb(),
    })
    .map(({ op, name, version, api, extra, body, auth }) => ({
      method: op.method,
      path: op.path(name, version),
      name: op.named ? name : undefined,
      apiVersions: api,
      extraQuery: extra,
      contentType: body.contentType,
      body: op.method === "GET" || op.method === "DELETE" ? undefined : body.body,
      auth,
    }));
}

// ---- the oracle ----

function urlOf(i: KvInput): string {
  const q = i.apiVersions.map((v) => `api-version=${/[^\x21-\x7e]/.test(v) ? encodeURIComponent(v) : v}`).join("&");
  return `${i.path}${q || i.extraQuery ? "?" : ""}${q}${i.extraQuery}`;
}

/** A path the front end cannot decode (a bad percent-encoding). */
function badUrl(path: string): boolean {
  try {
    decodeURIComponent(path);
    return false;
  } catch {
    return true;
  }
}

/** Why Key Vault refuses the request although the caller is authenticated (undefined: it may succeed). */
function refusal(i: KvInput): string | undefined {
  if (i.apiVersions.length === 0) return "no api-version";
  const v = i.apiVersions[0]!;
  if (!VALID_API.includes(v) && !/^7\.[0-6]-preview(\.\d+)?$|^2025-0[1-7]-01-preview$/.test(v)) return `api-version ${v}`;
  if (i.name !== undefined) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(i.name);
    } catch {
      return `name ${i.name} is not a percent-encoding`;
    }
    if (!NAME.test(decoded)) return `name ${decoded}`;
  }
  if (i.method === "PUT") {
    let body: unknown;
    try {
      body = JSON.parse(i.body ?? "");
    } catch {
      return "a PUT without a JSON body";
    }
    const value = (body as { value?: unknown } | null)?.value;
    if (typeof value !== "string") return "a PUT without a string value";
    if (Buffer.byteLength(value) > 25 * 1024) return "a value over 25 KB";
  }
  return undefined;
}

async function check(i: KvInput): Promise<Verdict> {
  const headers: Record<string, string> = {};
  if (i.auth.kind !== "none") headers.authorization = i.auth.header;
  if (i.contentType && i.body !== undefined) headers["content-type"] = i.contentType;
  const g = await client.send({ method: i.method, host: vaultHost, path: urlOf(i), headers, body: i.body });
  if (g.status === -1) return { status: -1, code: "client refused" };
  const basic = basicFailure(g);
  if (basic) return { status: g.status, failure: basic };
  const code = (g.json as { error?: { code?: string } } | undefined)?.error?.code ?? (g.status < 300 ? "ok" : undefined);
  const ok = g.status >= 200 && g.status < 300;
  if (badUrl(i.path)) {
    // The front end refuses the URL before Key Vault sees it, token or not: HTTP.sys's page.
    if (g.status === 400 && g.text.includes("<h2>Bad Request - Invalid URL</h2>")) return { status: 400, code: "HTTP.sys invalid URL" };
    return { status: g.status, code, failure: `an undecodable URL got ${g.status}, not HTTP.sys's 400: ${cut(g.text, 160)}` };
  }
  if (i.auth.kind !== "valid") {
    const challenge = g.headers["www-authenticate"];
    if (g.status !== 401) return { status: g.status, code, failure: `${i.auth.kind === "none" ? "no token" : `a refused bearer (${i.auth.label})`} got ${g.status}, not the 401 challenge: ${cut(g.text, 160)}` };
    if (typeof challenge !== "string" || !challenge.startsWith(`Bearer authorization="${lab.authorityHost}/${lab.tenantId}", resource="https://vault.localhost:${lab.port}"`)) return { status: 401, code, failure: `401 without Key Vault's challenge: ${String(challenge)}` };
    return { status: g.status, code };
  }
  const why = refusal(i);
  if (ok && why) return { status: g.status, code, failure: `${g.status} for a request Key Vault refuses (${why}): ${cut(g.text, 160)}` };
  if (g.status >= 400 && !code && g.status !== 404) return { status: g.status, code, failure: `${g.status} without Key Vault's error body: ${cut(g.text)}` };
  return { status: g.status, code };
}

const show = (i: KvInput) => cut(JSON.stringify({ ...i, url: urlOf(i), body: i.body === undefined ? undefined : cut(i.body, 120), auth: i.auth.kind === "refused" ? i.auth.label : i.auth.kind }), 1200);

async function originalStillWorks(): Promise<void> {
  const r = await kv("GET", `/secrets/${KEPT}/?api-version=7.5`);
  assert.equal(r.status, 200, r.text);
  assert.equal((r.json as { value: string }).value, `value of ${KEPT}`);
}

test("Key Vault: 1,000 generated secrets requests; the challenge first, no 5xx, no hang, nothing Key Vault refuses is accepted", async () => {
  await originalStillWorks();
  const r = await runCorpus({ face: "Key Vault", arb: inputArb(), check, show });
  console.log(describe("Key Vault", r));
  assert.ok(r.inputs >= 1000);
  // The unknown route of a vault host and the OIDC metadata still answer; the original token still works.
  assert.equal((await client.send({ method: "GET", path: `/${lab.tenantId}/v2.0/.well-known/openid-configuration` })).status, 200);
  await originalStillWorks();
});

test("Key Vault regression the corpus found: an undecodable URL got Fastify's own JSON; now the front end's HTTP.sys page, token or not", async () => {
  // Shrunk from seed 20261130: GET /secrets/%u0041 answered {"code":"FST_ERR_BAD_URL",…}, which no Azure service sends.
  const page = "<h2>Bad Request - Invalid URL</h2>\r\n<hr><p>HTTP Error 400. The request URL is invalid.</p>";
  for (const auth of [undefined, `Bearer ${kvToken}`]) {
    for (const path of ["/secrets/%u0041?api-version=7.5", "/secrets/%ZZ?api-version=7.5", "/deletedsecrets/%E9/recover?api-version=7.5"]) {
      const r = await client.send({ method: "GET", host: vaultHost, path, headers: auth ? { authorization: auth } : {} });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.headers["content-type"], "text/html; charset=us-ascii");
      assert.ok(r.text.includes(page), r.text);
    }
  }
  await originalStillWorks();
});

// The generated hostile corpus, token endpoint face: generated forms (grant types, assertion types, assertions,
// scopes, junk, duplicated fields, huge values, bad encodings and content types) and client assertions mutated from a
// REAL service-account token of a lab cluster (tampering, header injection, algorithm confusion with every form of
// the issuer's public key, broken encodings, extra segments). Invariants on every input: an answer within the timeout,
// never a 5xx, never a token for a form Entra refuses; afterwards the lab answers and the genuine assertion and secret
// still get tokens.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { ResourceManagementClient } from "@azure/arm-resources";
import { startTestLab, adminCredential, armClientOptions } from "../helpers/lab.js";
import { makeCluster, api, type TestCluster } from "../helpers/kube.js";
import { HostileClient, basicFailure, cut, describe, equivalent, jwtMutations, signingKeyForms, runCorpus, type Got, type Mutated, type Verdict } from "../helpers/hostile.js";
import type { Lab } from "../../src/index.js";

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const SUBJECT = "system:serviceaccount:default:default";
const RG = "rg-hostile-token";

let lab: Lab;
let cluster: TestCluster;
let client: HostileClient;
let miClientId: string;
let assertion: string;
let keyForms: { label: string; secret: Buffer }[];
let adminArmToken: string;

before(async () => {
  lab = await startTestLab();
  client = new HostileClient(lab.port, lab.caCert);
  const cred = adminCredential(lab);
  const opts = armClientOptions(lab);
  adminArmToken = (await cred.getToken("https://management.azure.com/.default"))!.token;
  await new ResourceManagementClient(cred, lab.subscriptionId, opts).resourceGroups.createOrUpdate(RG, { location: "westeurope" });
  const msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId, opts);
  const id = await msi.userAssignedIdentities.createOrUpdate(RG, "hostile-id", { location: "westeurope" });
  miClientId = id.clientId!;
  cluster = await makeCluster(lab, { name: "aks-hostile-token" });
  const issuer = lab.kube.issuerUrl(cluster.record);
  await msi.federatedIdentityCredentials.createOrUpdate(RG, "hostile-id", "fic", { issuer, subject: SUBJECT, audiences: ["api://AzureADTokenExchange"] });
  const r = await api(cluster, "POST", "/api/v1/namespaces/default/serviceaccounts/default/token", {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { audiences: ["api://AzureADTokenExchange"], expirationSeconds: 7200 },
  });
  assert.equal(r.status, 201, r.text);
  assertion = (r.body.status as { token: string }).token;
  // The cluster issuer's published key, fetched as Entra fetches it (discovery, then jwks_uri).
  const discovery = (await (await fetch(`${issuer}.well-known/openid-configuration`)).json()) as { jwks_uri: string };
  keyForms = await signingKeyForms(assertion, discovery.jwks_uri);
});

after(async () => {
  client?.close();
  cluster?.cleanup();
  await lab?.stop();
});

// ---- the generated inputs ----

type Field = [string, string];

interface TokenInput {
  tenant: string;
  v1: boolean;
  contentType: string | undefined;
  fields: Field[];
  /** A body sent as is instead of the encoded fields (bad encodings, JSON, binary). */
  raw?: string | Buffer;
  mutation?: Mutated;
}

// "https://management.azure.com//.default" is valid: ARM's v1 resource is "https://management.azure.com/", and Entra
// documents the double slash for it (v1 resources ending in '/').
const SCOPES_VALID = ["https://management.azure.com/.default", "https://management.azure.com//.default", "https://management.core.windows.net/.default", "https://vault.azure.net/.default"];
const SCOPES_INVALID = [
  "https://management.azure.com/user_impersonation",
  "https://a/.default https://b/.default",
  "openid",
  "openid offline_access",
  ".default",
  "/.default",
  "https://unknown.example/.default",
  "api://AzureADTokenExchange/.default",
  "https://management.azure.com",
  "",
  " ",
];

/** Mostly the value a real client sends (so inputs reach the deeper checks), sometimes another or junk, sometimes absent. */
function pick(good: string, others: string[], junk: fc.Arbitrary<string>, absent = 1): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 30, arbitrary: fc.constant(good) },
    { weight: 3, arbitrary: fc.constantFrom(...others) },
    { weight: 1, arbitrary: junk },
    { weight: absent, arbitrary: fc.constant(undefined) },
  );
}

function fieldArbs(mutated: fc.Arbitrary<Mutated>): fc.Arbitrary<{ fields: Field[]; mutation?: Mutated }> {
  const junk = fc.oneof(fc.string(), fc.string({ unit: "binary", maxLength: 40 }), fc.constantFrom("x".repeat(70_000), "%", "\u0000", "é", "null", "[]", "{}"));
  const rare = (arb: fc.Arbitrary<string>) => fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
  const assertionValue = fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.constantFrom(assertion, `${assertion}\n`, ` ${assertion} `).map((a) => ({ value: a, mutation: undefined })) },
    { weight: 12, arbitrary: mutated.map((m) => ({ value: m.token, mutation: m })) },
    { weight: 1, arbitrary: junk.map((j) => ({ value: j, mutation: undefined })) },
  );
  return fc
    .record({
      grant_type: pick("client_credentials", ["password", "authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:token-exchange", "CLIENT_CREDENTIALS", " client_credentials", ""], junk),
      client_id: pick(miClientId, [lab.admin.clientId, miClientId.toUpperCase(), ` ${miClientId}`, lab.admin.objectId, "00000000-0000-0000-0000-000000000000", ""], fc.oneof(fc.uuid(), junk)),
      client_assertion_type: pick(JWT_BEARER, [JWT_BEARER.toUpperCase(), `${JWT_BEARER} `, "urn:ietf:params:oauth:client-assertion-type:saml2-bearer", ""], junk),
      client_assertion: assertionValue,
      scope: pick("https://management.azure.com/.default", [...SCOPES_VALID, ...SCOPES_INVALID], junk),
      client_secret: rare(fc.oneof(fc.constantFrom(lab.admin.clientSecret, `${lab.admin.clientSecret} `, "", "wrong"), junk)),
      resource: rare(fc.oneof(fc.constantFrom("https://management.azure.com/", "https://vault.azure.net"), junk)),
      username: rare(fc.constantFrom(lab.admin.userPrincipalName, "nobody@example.com")),
      password: rare(junk),
      code: rare(junk),
      refresh_token: rare(junk),
      junk: fc.oneof({ weight: 10, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("client_id", "scope", "grant_type", "client_assertion", "__proto__", "constructor", "toString")), junk), { minLength: 1, maxLength: 3 }) }),
    })
    .chain((r) => {
      const fields: Field[] = [];
      let mutation: Mutated | undefined;
      for (const [k, v] of Object.entries(r)) {
        if (k === "junk" || v === undefined) continue;
        if (k === "client_assertion") {
          const a = v as { value: string; mutation?: Mutated };
          fields.push([k, a.value]);
          mutation = a.mutation;
        } else fields.push([k, v as string]);
      }
      fields.push(...r.junk);
      return fc.shuffledSubarray(fields, { minLength: fields.length, maxLength: fields.length }).map((f) => ({ fields: f, mutation }));
    });
}

/** The encoded body: the fields as a form, or broken ways of sending them. */
function rawBodyArb(): fc.Arbitrary<string | Buffer | undefined> {
  return fc.oneof(
    { weight: 40, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.constantFrom("%", "%ZZ", "grant_type=%E9%FF", "a=%", "&&&==&=", "=", "grant_type", ";grant_type=client_credentials", "grant_type=client_credentials;client_id=x", "\u0000=\u0000", "x".repeat(3 * 1024 * 1024)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 200 }) },
  );
}

function tokenInputArb(): fc.Arbitrary<TokenInput> {
  const mutated = jwtMutations(assertion, { other: adminArmToken, keyForms });
  return fc
    .record({
      tenant: fc.oneof({ weight: 20, arbitrary: fc.constant(lab.tenantId) }, { weight: 2, arbitrary: fc.constantFrom("common", "organizations", "adfs", "consumers", lab.tenantId.toUpperCase(), "00000000-0000-0000-0000-000000000000", "..", "%2e%2e", "a".repeat(300), "x y", "é") }, { weight: 1, arbitrary: fc.uuid() }),
      v1: fc.boolean(),
      contentType: fc.oneof(
        { weight: 20, arbitrary: fc.constant("application/x-www-form-urlencoded") },
        { weight: 3, arbitrary: fc.constantFrom(undefined, "application/x-www-form-urlencoded; charset=utf-8", "APPLICATION/X-WWW-FORM-URLENCODED", "application/json", "text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded; charset=latin1", "application/xml", "application/x-www-form-urlencoded;;", "*/*") },
      ),
      form: fieldArbs(mutated),
      duplicate: fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.oneof(fc.constant(""), fc.string({ maxLength: 10 })), fc.boolean()) }),
      raw: rawBodyArb(),
      json: fc.boolean(),
    })
    .map(({ tenant, v1, contentType, form, duplicate, raw, json }) => {
      const fields = [...form.fields];
      if (duplicate && fields.length) {
        const [at, value, same] = duplicate;
        const [k, v] = fields[at % fields.length]!;
        fields.push([k, same ? v : value]);
      }
      let body = raw;
      // A JSON body with the same fields (some as numbers, arrays and objects): Entra reads only forms.
      if (body === undefined && json && contentType === "application/json") body = JSON.stringify(Object.fromEntries(fields.map(([k, v], i) => [k, i % 3 === 0 ? v : i % 3 === 1 ? [v] : { v }])));
      return { tenant, v1, contentType, fields, raw: body, mutation: form.mutation };
    });
}

// ---- the oracle ----

/** The last value of a field, and whether it appeared more than once. */
function field(fields: Field[], name: string): { value?: string; repeated: boolean } {
  const all = fields.filter(([k]) => k === name);
  return { value: all.at(-1)?.[1], repeated: all.length > 1 };
}

/**
 * Why Entra refuses an input (undefined when it may issue a token): only a form body with no field repeated, a known
 * tenant, `client_credentials`, a valid scope and a genuine credential of the client gets a token.
 */
function refusal(i: TokenInput): string | undefined {
  if (i.raw !== undefined) return "the body is not the generated form";
  const ct = (i.contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (ct !== "application/x-www-form-urlencoded") return `content type ${i.contentType}: Entra reads only form bodies (AADSTS900144)`;
  const names = new Set(i.fields.map(([k]) => k));
  for (const n of names) if (field(i.fields, n).repeated) return `'${n}' is repeated (AADSTS9000411)`;
  if (![lab.tenantId, "common", "organizations", "adfs"].includes(i.tenant.toLowerCase())) return `tenant ${i.tenant}`;
  if (field(i.fields, "grant_type").value !== "client_credentials") return "not client_credentials";
  const scope = field(i.fields, "scope").value;
  const resource = field(i.fields, "resource").value;
  if (!(scope !== undefined && SCOPES_VALID.includes(scope)) && !(i.v1 && scope === undefined && resource !== undefined && ["https://management.azure.com/", "https://vault.azure.net"].includes(resource))) return `scope ${scope}`;
  const clientId = field(i.fields, "client_id").value?.trim();
  const a = field(i.fields, "client_assertion").value;
  if (a !== undefined && a.trim() !== "") {
    if (field(i.fields, "client_assertion_type").value !== JWT_BEARER) return "assertion type";
    if (clientId?.toLowerCase() !== miClientId) return "client id of another application";
    return equivalent(assertion, a) ? undefined : `a tampered assertion (${i.mutation?.label ?? "junk"})`;
  }
  if (clientId?.toLowerCase() === lab.admin.clientId && field(i.fields, "client_secret").value === lab.admin.clientSecret) return undefined;
  return "no genuine credential";
}

function bodyOf(i: TokenInput): string | Buffer {
  return i.raw ?? i.fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
}

async function check(i: TokenInput): Promise<Verdict> {
  const path = `/${encodeURIComponent(i.tenant)}/oauth2/${i.v1 ? "" : "v2.0/"}token`;
  const g: Got = await client.send({ method: "POST", path, headers: i.contentType ? { "content-type": i.contentType } : {}, body: bodyOf(i) });
  const basic = basicFailure(g);
  if (basic) return { status: g.status, failure: basic };
  const codes = (g.json as { error_codes?: unknown } | undefined)?.error_codes;
  const code = Array.isArray(codes) ? String(codes[0]) : g.status === 200 ? "token" : undefined;
  const why = refusal(i);
  if (g.status >= 200 && g.status < 300 && why) return { status: g.status, failure: `a token for an input Entra refuses (${why}): ${cut(g.text, 120)}` };
  if (g.status >= 400 && !/^AADSTS\d+: /.test(String((g.json as { error_description?: unknown } | undefined)?.error_description ?? "")) && g.status !== 404) {
    return { status: g.status, failure: `${g.status} without Entra's error body: ${cut(g.text)}` };
  }
  return { status: g.status, code };
}

const show = (i: TokenInput) =>
  cut(JSON.stringify({ tenant: i.tenant, v1: i.v1, contentType: i.contentType, mutation: i.mutation?.label, raw: i.raw === undefined ? undefined : cut(String(i.raw), 80), fields: i.fields.map(([k, v]) => [cut(k, 40), cut(v, 80)]) }), 1200);

async function genuineStillWorks(): Promise<void> {
  const form = { grant_type: "client_credentials", client_id: miClientId, scope: "https://management.azure.com/.default", client_assertion_type: JWT_BEARER, client_assertion: assertion };
  const r = await client.send({ method: "POST", path: `/${lab.tenantId}/oauth2/v2.0/token`, headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form).toString() });
  assert.equal(r.status, 200, r.text);
  const secret = { grant_type: "client_credentials", client_id: lab.admin.clientId, client_secret: lab.admin.clientSecret, scope: "https://vault.azure.net/.default" };
  const s = await client.send({ method: "POST", path: `/${lab.tenantId}/oauth2/v2.0/token`, headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(secret).toString() });
  assert.equal(s.status, 200, s.text);
}

test("token endpoint: 1,000 generated forms and mutated assertions; no 5xx, no hang, no token for what Entra refuses", async () => {
  await genuineStillWorks();
  const r = await runCorpus({ face: "token endpoint", arb: tokenInputArb(), check, show });
  console.log(describe("token endpoint", r));
  assert.ok(r.inputs >= 1000);
  // No crash: the lab still serves its metadata, and the genuine credentials still get tokens.
  const meta = await client.send({ method: "GET", path: `/${lab.tenantId}/v2.0/.well-known/openid-configuration` });
  assert.equal(meta.status, 200);
  await genuineStillWorks();
});

test("token endpoint: every kind of mutation of the real assertion is refused (at least one of each, named)", async () => {
  const mutated = jwtMutations(assertion, { other: adminArmToken, keyForms });
  const labels = new Map<string, number>();
  const samples = fc.sample(mutated, { numRuns: 400, seed: 20261130 });
  for (const m of samples) {
    if (equivalent(assertion, m.token)) continue;
    const form = { grant_type: "client_credentials", client_id: miClientId, scope: "https://management.azure.com/.default", client_assertion_type: JWT_BEARER, client_assertion: m.token };
    const r = await client.send({ method: "POST", path: `/${lab.tenantId}/oauth2/v2.0/token`, headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form).toString() });
    assert.ok(r.status >= 400 && r.status < 500, `${m.label}: ${r.status} ${cut(r.text)}`);
    const code = (r.json as { error_codes?: number[] }).error_codes?.[0] ?? 0;
    labels.set(String(code), (labels.get(String(code)) ?? 0) + 1);
  }
  console.log(`# token endpoint, mutated assertions by AADSTS code: ${[...labels].map(([c, n]) => `${n}×${c}`).join(" ")}`);
  await genuineStillWorks();
});

test("token endpoint regressions the corpus found: a JSON body (non-string values gave a 500) and repeated parameters (the last one won)", async () => {
  const post = (body: string, contentType: string) => client.send({ method: "POST", path: `/${lab.tenantId}/oauth2/v2.0/token`, headers: { "content-type": contentType }, body });
  // Shrunk from seed 20261130: `client_id` as an array in a JSON body threw in the token endpoint (AADSTS50000, 500).
  // Entra reads only form bodies, so a JSON body has no grant_type [V] (a client_credentials request sent as JSON,
  // captured in a Q&A thread): "AADSTS900144: The request body must contain the following parameter: 'grant_type'."
  for (const body of [
    JSON.stringify({ grant_type: "client_credentials", client_id: [miClientId], scope: { v: "x" } }),
    JSON.stringify({ grant_type: "client_credentials", client_id: lab.admin.clientId, client_secret: lab.admin.clientSecret, scope: "https://management.azure.com/.default" }),
  ]) {
    const r = await post(body, "application/json");
    assert.equal(r.status, 400, r.text);
    const e = r.json as { error: string; error_codes: number[]; error_description: string };
    assert.equal(e.error, "invalid_request");
    assert.deepEqual(e.error_codes, [900144]);
    assert.match(e.error_description, /^AADSTS900144: The request body must contain the following parameter: 'grant_type'\. Trace ID: /);
  }
  // A repeated parameter whose last value was genuine got a token. Entra refuses any repeated parameter [V]
  // (MicrosoftDocs/azure-dev-docs#934): "AADSTS9000411: The request is not properly formatted. The parameter 'scope' is duplicated."
  const good = new URLSearchParams({ grant_type: "client_credentials", client_id: miClientId, scope: "https://management.azure.com/.default", client_assertion_type: JWT_BEARER });
  const twice = `${good.toString()}&client_assertion=junk&client_assertion=${assertion}`;
  const r = await post(twice, "application/x-www-form-urlencoded");
  assert.equal(r.status, 400, r.text);
  assert.match((r.json as { error_description: string }).error_description, /^AADSTS9000411: The request is not properly formatted\. The parameter 'client_assertion' is duplicated\. Trace ID: /);
  const scopes = await post(`${good.toString()}&scope=https%3A%2F%2Fmanagement.azure.com%2F.default&client_assertion=${assertion}`, "application/x-www-form-urlencoded");
  assert.match((scopes.json as { error_description: string }).error_description, /^AADSTS9000411: .* The parameter 'scope' is duplicated\./);
  await genuineStillWorks();
});

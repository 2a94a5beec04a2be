// The generated hostile corpus, ARM face: paths (subscriptions, resource groups, user-assigned identities, federated
// identity credentials, vaults; case, extra and missing segments, odd names), methods, api-versions and bodies, sent
// with the admin's valid ARM token, without one, or with one mutated from it. Invariants on every input: an answer
// within the timeout, never a 5xx; a missing or refused bearer never gets a 2xx (401 once the path and api-version are
// known); with the valid token, no 2xx for a name, api-version or body ARM refuses. Afterwards the lab answers and the
// original token still reads the kept resource group.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { startTestLab, adminCredential } from "../helpers/lab.js";
import { HostileClient, basicFailure, cut, describe, equivalent, jwtMutations, signingKeyForms, runCorpus, type Verdict } from "../helpers/hostile.js";
import type { Lab } from "../../src/index.js";

const KEPT = "rg-kept-for-the-end";
const RGS = ["rg-one", "rg-two"];
const MSI = "Microsoft.ManagedIdentity/userAssignedIdentities";
const RG_API = ["2021-04-01", "2022-09-01", "2019-10-01"];
const MSI_API = ["2023-01-31", "2018-11-30", "2024-11-30"];
const KV_API = ["2023-07-01", "2022-07-01"];
const BAD_API = ["", "9999-01-01", "2021-04-01x", "latest", "2021-13-01", "2023-01-31-preview-x", "%"];

let lab: Lab;
let client: HostileClient;
let armToken: string;
let kvToken: string;
let keyForms: { label: string; secret: Buffer }[];

before(async () => {
  lab = await startTestLab();
  client = new HostileClient(lab.port, lab.caCert);
  const cred = adminCredential(lab);
  armToken = (await cred.getToken("https://management.azure.com/.default"))!.token;
  kvToken = (await cred.getToken(`https://vault.localhost:${lab.port}/.default`))!.token;
  for (const rg of [...RGS, KEPT]) {
    const r = await arm("PUT", `/subscriptions/${lab.subscriptionId}/resourcegroups/${rg}?api-version=2021-04-01`, JSON.stringify({ location: "westeurope" }));
    assert.ok(r.status === 200 || r.status === 201, r.text);
  }
  const r = await arm("PUT", `/subscriptions/${lab.subscriptionId}/resourceGroups/rg-one/providers/${MSI}/id-one?api-version=2023-01-31`, JSON.stringify({ location: "westeurope" }));
  assert.ok(r.status === 200 || r.status === 201, r.text);
  keyForms = await signingKeyForms(armToken, `${lab.authorityHost}/common/discovery/v2.0/keys`);
});

after(async () => {
  client?.close();
  await lab?.stop();
});

function arm(method: string, path: string, body?: string, auth = `Bearer ${armToken}`) {
  return client.send({ method, path, headers: { authorization: auth, ...(body !== undefined ? { "content-type": "application/json" } : {}) }, body });
}

// ---- the generated inputs ----

type Kind = "rg" | "identity" | "fic" | "vault" | "list" | "other";
type Auth = { kind: "valid"; header: string } | { kind: "none" } | { kind: "refused"; header: string; label: string };

interface ArmInput {
  method: string;
  kind: Kind;
  path: string;
  /** The name the path ends with, for PUTs that create. */
  name?: string;
  api: string[];
  body?: string;
  contentType?: string;
  auth: Auth;
}

const odd = ["a", "ab", "a.", "a..b", "a b", "a%20b", "é", "%C3%A9", "a(b)", "a_b", "-a", "_a", "a-", "x".repeat(91), "x".repeat(130), "..", "%2e%2e", "a%2Fb", "%ZZ", "a;b", "a'b", "a\"b", "CON", "a*"];

function nameArb(): fc.Arbitrary<string> {
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{2,20}[a-z0-9]$/) },
      { weight: 2, arbitrary: fc.constantFrom(...RGS, "id-one", "fic-one", "kv-hostile-one") },
      { weight: 3, arbitrary: fc.constantFrom(...odd).map((n) => (/[^\x21-\x7e]/.test(n) ? encodeURIComponent(n) : n)) },
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent) },
    )
    .filter((n) => n.toLowerCase() !== KEPT);
}

function segmentCase(s: string, how: number): string {
  return how === 1 ? s.toLowerCase() : how === 2 ? s.toUpperCase() : s;
}

function pathArb(): fc.Arbitrary<{ kind: Kind; path: string; name?: string; apis: string[] }> {
  const rg = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...RGS) }, { weight: 2, arbitrary: nameArb() });
  return fc.record({ kind: fc.constantFrom<Kind>("rg", "rg", "identity", "identity", "fic", "fic", "vault", "vault", "list", "other"), rg, name: nameArb(), child: nameArb(), how: fc.nat(2), sub: fc.oneof({ weight: 8, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.constantFrom("upper", "00000000-0000-0000-0000-000000000000", "not-a-guid", "") }), tail: fc.oneof({ weight: 8, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.constantFrom("/", "//", "/extra", "/providers", "/..", "/%2e%2e/x") }) }).map((r) => {
    const subId = r.sub === "" ? lab.subscriptionId : r.sub === "upper" ? lab.subscriptionId.toUpperCase() : r.sub;
    const sub = `/subscriptions/${subId}`;
    const rgPath = `${sub}/${segmentCase("resourceGroups", r.how)}/${r.rg}`;
    const msi = `${rgPath}/providers/${segmentCase(MSI, r.how)}`;
    switch (r.kind) {
      case "rg":
        return { kind: r.kind, path: rgPath + r.tail, name: r.tail ? undefined : r.rg, apis: RG_API };
      case "identity":
        return { kind: r.kind, path: `${msi}/${r.name}${r.tail}`, name: r.tail ? undefined : r.name, apis: MSI_API };
      case "fic":
        return { kind: r.kind, path: `${msi}/${r.name}/${segmentCase("federatedIdentityCredentials", r.how)}/${r.child}${r.tail}`, name: r.tail ? undefined : r.child, apis: MSI_API };
      case "vault":
        return { kind: r.kind, path: `${rgPath}/providers/${segmentCase("Microsoft.KeyVault/vaults", r.how)}/${r.name}${r.tail}`, name: r.tail ? undefined : r.name, apis: KV_API };
      case "list":
        return { kind: r.kind, path: [`${sub}/resourcegroups`, `${msi}`, `${msi}/${r.name}/federatedIdentityCredentials`, `${rgPath}/providers/Microsoft.KeyVault/vaults`, `${sub}/providers/${MSI}`][r.how + (r.rg.length % 3)] ?? sub, apis: [...RG_API, ...MSI_API, ...KV_API] };
      default:
        return { kind: r.kind, path: [`${rgPath}/providers/Microsoft.Nope/things/${r.name}`, `${sub}/providers`, `/providers/Microsoft.ManagedIdentity/operations`, "/subscriptions", `/${r.name}`, `${rgPath}/resources`][r.how * 2 + (r.rg.length % 2)]!, apis: [...RG_API, ...MSI_API] };
    }
  });
}

function bodyArb(kind: Kind): fc.Arbitrary<string | undefined> {
  const location = fc.oneof({ weight: 6, arbitrary: fc.constant("westeurope") }, { weight: 1, arbitrary: fc.constantFrom("WestEurope", "West Europe", "nowhere", "", 1, null, "x".repeat(300)) });
  const tags = fc.oneof(fc.constant(undefined), fc.dictionary(fc.string({ maxLength: 600 }), fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null)), { maxKeys: 55 }), fc.constantFrom("x", [], null));
  const issuer = fc.oneof({ weight: 4, arbitrary: fc.constant("https://issuer.example/") }, { weight: 2, arbitrary: fc.constantFrom("http://issuer.example/", "issuer.example", "", "https://", "https://a/*", "ftp://x", "https://" + "a".repeat(600), 42, null) }, { weight: 1, arbitrary: fc.webUrl() });
  const subject = fc.oneof(fc.constant("system:serviceaccount:default:app"), fc.constantFrom("", "*", "a*", "x".repeat(601), 1, null), fc.string({ maxLength: 40 }));
  const audiences = fc.oneof({ weight: 4, arbitrary: fc.constant(["api://AzureADTokenExchange"]) }, { weight: 2, arbitrary: fc.constantFrom([], ["a", "b"], [""], [1], "api://AzureADTokenExchange", null, ["x".repeat(601)]) });
  const fic = fc.record({ properties: fc.oneof({ weight: 5, arbitrary: fc.record({ issuer, subject, audiences }, { requiredKeys: [] }) }, { weight: 1, arbitrary: fc.constantFrom(null, "x", [], 1) }) }, { requiredKeys: [] });
  const sku = fc.oneof({ weight: 4, arbitrary: fc.constant({ family: "A", name: "standard" }) }, { weight: 1, arbitrary: fc.constantFrom({ family: "A", name: "gold" }, { family: "B", name: "premium" }, {}, null, "standard") });
  const vault = fc.record({ location, tags, properties: fc.oneof({ weight: 5, arbitrary: fc.record({ tenantId: fc.oneof(fc.constant(lab.tenantId), fc.constantFrom("not-a-guid", "", null), fc.uuid()), sku, enableRbacAuthorization: fc.oneof(fc.boolean(), fc.constantFrom("yes", null)), softDeleteRetentionInDays: fc.oneof(fc.constant(90), fc.integer({ min: -5, max: 200 })), accessPolicies: fc.oneof(fc.constant([]), fc.constantFrom(null, "x", [{}], [{ tenantId: lab.tenantId, objectId: "x", permissions: { secrets: ["nope"] } }])) }, { requiredKeys: [] }) }, { weight: 1, arbitrary: fc.constantFrom(null, "x", []) }) }, { requiredKeys: [] });
  const tracked = fc.record({ location, tags, properties: fc.oneof(fc.constant(undefined), fc.constantFrom({}, null, "x", { managedBy: 1 })) }, { requiredKeys: [] });
  const shaped = kind === "fic" ? fic : kind === "vault" ? vault : tracked;
  const junk = fc.oneof(fc.constantFrom("{oops", "[]", "null", "1", '"x"', "", "{}", "\u0000", JSON.stringify({ location: "x".repeat(5 * 1024 * 1024) }), "[".repeat(10_000) + "]".repeat(10_000), '{"location":"westeurope","location":"x"}'), fc.json({ maxDepth: 4 }));
  return fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 6, arbitrary: shaped.map((b) => JSON.stringify(b)) }, { weight: 2, arbitrary: junk });
}

function authArb(): fc.Arbitrary<Auth> {
  const tampered = jwtMutations(armToken, { other: kvToken, keyForms }).filter((m) => !equivalent(armToken, m.token));
  return fc.oneof(
    { weight: 10, arbitrary: fc.constant<Auth>({ kind: "valid", header: `Bearer ${armToken}` }) },
    { weight: 2, arbitrary: fc.constant<Auth>({ kind: "none" }) },
    { weight: 6, arbitrary: tampered.map<Auth>((m) => ({ kind: "refused", header: `Bearer ${m.token}`, label: m.label })) },
    { weight: 1, arbitrary: fc.constantFrom<Auth>({ kind: "refused", header: `Bearer ${kvToken}`, label: "a Key Vault token" }, { kind: "refused", header: "Bearer", label: "Bearer alone" }, { kind: "refused", header: "Basic dTpw", label: "Basic" }, { kind: "refused", header: "Bearer abc.def.ghi", label: "garbage" }) },
  );
}

function inputArb(): fc.Arbitrary<ArmInput> {
  // Built once per kind (not per input: the junk bodies include megabytes).
  const bodies = new Map<Kind, fc.Arbitrary<string | undefined>>((["rg", "identity", "fic", "vault", "list", "other"] as const).map((k) => [k, bodyArb(k)]));
  const auth = authArb();
  return pathArb().chain((p) =>
    fc
      .record({
        method: fc.constantFrom("GET", "PUT", "PUT", "PUT", "PATCH", "DELETE", "POST", "HEAD", "OPTIONS"),
        api: fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...p.apis).map((v) => [v]) }, { weight: 2, arbitrary: fc.array(fc.constantFrom(...p.apis, ...BAD_API), { maxLength: 3 }) }),
        body: bodies.get(p.kind)!,
        contentType: fc.oneof({ weight: 10, arbitrary: fc.constant("application/json") }, { weight: 1, arbitrary: fc.constantFrom(undefined, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-8", "application/merge-patch+json") }),
        auth,
      })
      .map((r) => ({ ...r, kind: p.kind, path: p.path, name: p.name, body: ["GET", "DELETE", "HEAD", "OPTIONS"].includes(r.method) ? undefined : r.body })),
  );
}

// ---- the oracle ----

function urlOf(i: ArmInput): string {
  const q = i.api.map((v) => `api-version=${v}`).join("&");
  return q ? `${i.path}?${q}` : i.path;
}

function decoded(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

const NAME_RULES: Record<string, (n: string) => boolean> = {
  // ARM's resource group names: 1-90 of letters, digits, '_', '-', '.', '(' and ')', not ending in '.'.
  rg: (n) => /^[-\p{L}\p{N}_.()]{1,90}$/u.test(n) && !n.endsWith("."),
  identity: (n) => /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$/.test(n),
  fic: (n) => /^[a-zA-Z0-9][a-zA-Z0-9-_]{2,119}$/.test(n),
  vault: (n) => /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/.test(n) && !n.includes("--"),
};

/** Why ARM refuses a PUT with the valid token (undefined: it may succeed). Only what the published rules say. */
function refusal(i: ArmInput): string | undefined {
  if (i.api.length === 0) return "no api-version";
  if (BAD_API.includes(i.api[0]!)) return `api-version ${i.api[0]}`;
  if (i.method !== "PUT" || !i.name) return undefined;
  const name = decoded(i.name);
  const rule = NAME_RULES[i.kind];
  if (rule && (name === undefined || !rule(name))) return `${i.kind} name '${i.name}'`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(i.body ?? "") as Record<string, unknown>;
  } catch {
    return "a PUT without a JSON body";
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) return "a PUT body that is not an object";
  if (i.kind === "fic") {
    const p = body.properties as { issuer?: unknown; subject?: unknown; audiences?: unknown } | undefined;
    if (!p || typeof p !== "object" || typeof p.issuer !== "string" || !p.issuer.startsWith("https://")) return "a federated credential whose issuer is not an https URL";
    if (!Array.isArray(p.audiences) || p.audiences.length !== 1) return "a federated credential without exactly one audience";
    if (typeof p.subject !== "string" || p.subject === "" || String(p.subject).includes("*") || p.issuer.includes("*")) return "a federated credential subject Entra refuses";
    if ([p.issuer, p.subject, String(p.audiences[0])].some((f) => f.length > 600)) return "a federated credential field over 600 characters";
  } else if (typeof body.location !== "string" || body.location === "") return "a tracked resource without a location";
  return undefined;
}

async function check(i: ArmInput): Promise<Verdict> {
  const headers: Record<string, string> = {};
  if (i.auth.kind !== "none") headers.authorization = i.auth.header;
  if (i.contentType && i.body !== undefined) headers["content-type"] = i.contentType;
  const g = await client.send({ method: i.method, path: urlOf(i), headers, body: i.body });
  if (g.status === -1) return { status: -1, code: "client refused" };
  const basic = basicFailure(g);
  if (basic) return { status: g.status, failure: basic };
  const code = (g.json as { error?: { code?: string } } | undefined)?.error?.code ?? (g.status < 300 ? "ok" : g.text.includes("Invalid URL") ? "HTTP.sys invalid URL" : undefined);
  const ok = g.status >= 200 && g.status < 300;
  if (i.auth.kind !== "valid" && ok && !(i.method === "OPTIONS")) return { status: g.status, code, failure: `${i.auth.kind === "none" ? "no token" : `a refused bearer (${i.auth.label})`} got ${g.status}: ${cut(g.text, 160)}` };
  if (i.auth.kind !== "valid" && g.status === 403) return { status: g.status, code, failure: `a refused bearer reached authorization (403): ${cut(g.text, 160)}` };
  const why = i.auth.kind === "valid" ? refusal(i) : undefined;
  if (ok && why) return { status: g.status, code, failure: `${g.status} for a request ARM refuses (${why}): ${cut(g.text, 160)}` };
  if (g.status >= 400 && !code && i.method !== "HEAD") return { status: g.status, code, failure: `${g.status} without ARM's error body: ${cut(g.text)}` };
  return { status: g.status, code };
}

const show = (i: ArmInput) => cut(JSON.stringify({ ...i, url: urlOf(i), body: i.body === undefined ? undefined : cut(i.body, 160), auth: i.auth.kind === "refused" ? i.auth.label : i.auth.kind }), 1200);

async function originalStillWorks(): Promise<void> {
  const r = await arm("GET", `/subscriptions/${lab.subscriptionId}/resourcegroups/${KEPT}?api-version=2021-04-01`);
  assert.equal(r.status, 200, r.text);
  assert.equal((r.json as { name: string }).name, KEPT);
}

test("ARM: 1,000 generated requests on resource groups, identities, federated credentials and vaults; no 5xx, no hang, nothing ARM refuses is accepted", async () => {
  await originalStillWorks();
  const r = await runCorpus({ face: "ARM", arb: inputArb(), check, show });
  console.log(describe("ARM", r));
  assert.ok(r.inputs >= 1000);
  assert.equal((await client.send({ method: "GET", path: `/${lab.tenantId}/v2.0/.well-known/openid-configuration` })).status, 200);
  await originalStillWorks();
});

test("ARM regression the corpus found: a malformed body on a path no face answers was Fastify's 500; now the path decides (404)", async () => {
  // Shrunk from seed 20261130: PUT /kv-hostile-one with body "{oops" → 500 "malformed json body".
  for (const auth of [undefined, `Bearer ${armToken}`]) {
    for (const [path, body] of [["/kv-hostile-one?api-version=2021-04-01", "{oops"], ["/nowhere", "[".repeat(100)], ["/nowhere/at/all", JSON.stringify({ x: "x".repeat(5 * 1024 * 1024) })]] as const) {
      const r = await client.send({ method: "PUT", path, headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) }, body });
      assert.equal(r.status, 404, r.text);
      assert.deepEqual(r.json, { error: { code: "NotFound", message: `The requested resource path '${path.split("?")[0]}' was not found.` } });
    }
  }
  await originalStillWorks();
});

// The generated hostile corpus, Kubernetes API face: objects (config maps, secrets, service accounts) as JSON and
// YAML, JSON / merge / strategic-merge / apply patches, label and field selectors, odd names, sent with the cluster's
// admin token, without one, or with a service-account token mutated from a real one. Invariants on every input: an
// answer within the timeout, never a 5xx; a missing or refused token is 401 Unauthorized; with the admin token, no
// 2xx for a name, label, selector or field kube-apiserver refuses. Afterwards the lab answers and the original
// service-account token still authenticates. No watch is sent (a watch is meant to stay open).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { stringify as toYaml } from "yaml";
import { startTestLab } from "../helpers/lab.js";
import { makeCluster, api, type TestCluster } from "../helpers/kube.js";
import { HostileClient, basicFailure, cut, describe, equivalent, jwtMutations, signingKeyForms, runCorpus, type Verdict } from "../helpers/hostile.js";
import type { Lab } from "../../src/index.js";

const KEPT = "kept-for-the-end";
const SEEDED = ["cm-one", "cm-two"];

let lab: Lab;
let c: TestCluster;
let client: HostileClient;
let prefix: string;
let saToken: string;
let keyForms: { label: string; secret: Buffer }[];

before(async () => {
  lab = await startTestLab();
  c = await makeCluster(lab, { name: "aks-hostile-kube" });
  client = new HostileClient(lab.port, lab.caCert);
  prefix = new URL(c.server).pathname;
  for (const name of [...SEEDED, KEPT]) {
    const r = await api(c, "POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { app: "seeded" } }, data: { k: "v" } });
    assert.equal(r.status, 201, r.text);
  }
  const t = await api(c, "POST", "/api/v1/namespaces/default/serviceaccounts/default/token", { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 7200 } });
  assert.equal(t.status, 201, t.text);
  saToken = (t.body.status as { token: string }).token;
  const issuer = lab.kube.issuerUrl(c.record);
  keyForms = await signingKeyForms(saToken, `${issuer}openid/v1/jwks`);
});

after(async () => {
  client?.close();
  c?.cleanup();
  await lab?.stop();
});

// ---- the generated inputs ----

type Auth = { kind: "admin" | "sa"; header: string } | { kind: "none" } | { kind: "refused"; header: string; label: string };

interface KubeInput {
  method: string;
  path: string;
  query: string;
  contentType?: string;
  body?: string;
  auth: Auth;
  /** What kube-apiserver refuses about this input, known from the generator (undefined: it may succeed). */
  refused?: string;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function validLabelKey(k: string): boolean {
  const [p, n] = k.includes("/") ? [k.slice(0, k.lastIndexOf("/")), k.slice(k.lastIndexOf("/") + 1)] : [undefined, k];
  if (p !== undefined && (p.length > 253 || !DNS_SUBDOMAIN.test(p))) return false;
  return n.length <= 63 && LABEL_NAME.test(n);
}
// null decodes to "" in Go: a valid (empty) value.
const validLabelValue = (v: unknown) => v === null || (typeof v === "string" && (v === "" || (v.length <= 63 && LABEL_NAME.test(v))));

const nameArb = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/) },
  { weight: 2, arbitrary: fc.constantFrom(...SEEDED) },
  { weight: 2, arbitrary: fc.constantFrom("UPPER", "a_b", "-a", "a-", "a..b", "x".repeat(254), "é", "a b", "", ".", "..", "a/b", "a%b", "a:b", "0", "a.b.c") },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
).filter((n) => n !== KEPT);

const labelKeyArb = fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/) }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9.-]{0,10}[a-z0-9]$/) }, fc.constantFrom("app", "example.com/tier", "a/b/c", "-x", "x-", "x".repeat(64), "UPPER", "a b", "", "é", "kubernetes.io/x", "/x", "x/"));
const labelValueArb = fc.oneof({ weight: 12, arbitrary: fc.stringMatching(/^[a-z0-9]{0,10}$/) }, { weight: 2, arbitrary: fc.constantFrom("", "-x", "x".repeat(64), "a b", "é", "a/b") }, { weight: 1, arbitrary: fc.constantFrom(1, true, null) });

function objectArb(): fc.Arbitrary<{ obj: Record<string, unknown>; refused?: string; resource: string; strict: boolean }> {
  return fc
    .record({
      resource: fc.constantFrom("configmaps", "secrets", "serviceaccounts"),
      name: nameArb,
      generateName: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom("gen-", "GEN-", "x".repeat(300)) }),
      labels: fc.oneof(fc.constant(undefined), fc.dictionary(labelKeyArb, labelValueArb, { maxKeys: 3 }), fc.constantFrom(null, "x", [])),
      annotations: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 20 }), fc.oneof({ weight: 5, arbitrary: fc.string({ maxLength: 40 }) }, { weight: 1, arbitrary: fc.integer() }), { maxKeys: 3 }) }),
      data: fc.oneof(
        { weight: 4, arbitrary: fc.dictionary(fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[a-zA-Z0-9][-._a-zA-Z0-9]{0,10}$/) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }), fc.oneof({ weight: 4, arbitrary: fc.constantFrom("dmFsdWU=", "", "AAAA") }, { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.constant(null), fc.constant("not base64 %%%")) }), { maxKeys: 3 }) },
        { weight: 1, arbitrary: fc.constantFrom(undefined, null, "x", [1]) },
      ),
      extra: fc.oneof({ weight: 6, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.constantFrom(...Object.keys(EXTRAS)) }),
      strict: fc.boolean(),
    })
    .map((r) => {
      const kind = { configmaps: "ConfigMap", secrets: "Secret", serviceaccounts: "ServiceAccount" }[r.resource]!;
      const metadata: Record<string, unknown> = { name: r.name };
      if (r.generateName) metadata.generateName = r.generateName;
      if (r.labels !== undefined) metadata.labels = r.labels;
      if (r.annotations !== undefined) metadata.annotations = r.annotations;
      const extra = r.extra ? EXTRAS[r.extra]! : undefined;
      const obj: Record<string, unknown> = { apiVersion: "v1", kind, metadata, ...(r.resource === "serviceaccounts" ? {} : { data: r.data }), ...extra?.fields };
      const data = r.resource !== "serviceaccounts" && r.data && typeof r.data === "object" && !Array.isArray(r.data) ? (r.data as Record<string, unknown>) : undefined;
      const extraRefused = extra && (extra.bad.includes(r.resource) || (r.strict && !extra.valid.includes(r.resource)));
      let refused: string | undefined;
      if (!(r.name === "" && r.generateName) && !(r.name.length <= 253 && DNS_SUBDOMAIN.test(r.name))) refused = `name '${r.name}'`;
      else if (r.generateName && !(r.generateName.length <= 253 && DNS_SUBDOMAIN.test(r.generateName.replace(/-$/, "a")))) refused = `generateName '${r.generateName}'`;
      else if (r.labels !== undefined && r.labels !== null && (typeof r.labels !== "object" || Array.isArray(r.labels) || Object.entries(r.labels).some(([k, v]) => !validLabelKey(k) || !validLabelValue(v)))) refused = "a label kube refuses";
      else if (r.annotations && Object.values(r.annotations).some((v) => typeof v !== "string")) refused = "an annotation that is not a string";
      else if (extraRefused) refused = `${r.extra}${r.strict ? " (fieldValidation=Strict)" : ""}`;
      else if (r.resource !== "serviceaccounts" && r.data !== undefined && r.data !== null && (!data || Object.values(data).some((v) => v !== null && typeof v !== "string"))) refused = "data that is not a map of strings";
      else if (r.resource === "secrets" && data && Object.values(data).some((v) => typeof v === "string" && !/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v))) refused = "secret data that is not base64";
      else if (data && Object.keys(data).some((k) => !/^[-._a-zA-Z0-9]+$/.test(k) || k.length > 253 || k === "." || k.startsWith(".."))) refused = "a data key kube refuses";
      return { obj, refused, resource: r.resource, strict: r.strict };
    });
}

/** Extra top-level fields: where each is refused outright (a type error, a kind mismatch), valid, or merely unknown (refused only under fieldValidation=Strict). */
const EXTRAS: Record<string, { fields: Record<string, unknown>; bad: string[]; valid: string[] }> = {
  "spec {}": { fields: { spec: {} }, bad: [], valid: [] },
  "an unknown field": { fields: { unknownField: 1 }, bad: [], valid: [] },
  "a status": { fields: { status: { phase: "x" } }, bad: [], valid: [] },
  "kind Pod": { fields: { kind: "Pod" }, bad: ["configmaps", "secrets", "serviceaccounts"], valid: [] },
  "apiVersion v2": { fields: { apiVersion: "v2" }, bad: ["configmaps", "secrets", "serviceaccounts"], valid: [] },
  "metadata a string": { fields: { metadata: "x" }, bad: ["configmaps", "secrets", "serviceaccounts"], valid: [] },
  "immutable a string": { fields: { immutable: "yes" }, bad: ["configmaps", "secrets"], valid: [] },
  "type Opaque": { fields: { type: "Opaque" }, bad: [], valid: ["secrets"] },
  "stringData with a number": { fields: { stringData: { a: 1 } }, bad: ["secrets"], valid: [] },
};


const SELECTORS_INVALID = ["!", "a in b", "a=(", "in (a)", "a notin", ",a", "a=b c", "=b", "a>b", "a=" + "x".repeat(64), "x".repeat(64) + "=a", "a in (b", "a==b==c"];
const FIELDS_INVALID = ["spec.nodeName=x", "status.phase=Running", "spec.unknown=x", "metadata.labels=x", "data.k=v", "x", "metadata.name", "=x"];

function selectorArb(): fc.Arbitrary<{ query: string; refused?: string }> {
  const validLabel = fc.array(fc.oneof(fc.constantFrom("app", "app=seeded", "app!=x", "app in (seeded,x)", "app notin (x)", "!app", "app==seeded", "tier", "example.com/tier=web", "n>1", "n<5")), { minLength: 1, maxLength: 3 }).map((r) => r.join(","));
  const validField = fc.constantFrom("metadata.name=cm-one", "metadata.namespace=default", "metadata.name!=x", "metadata.name==cm-two,metadata.namespace=default");
  return fc.oneof(
    validLabel.map((s) => ({ query: `labelSelector=${encodeURIComponent(s)}` })),
    fc.constantFrom(...SELECTORS_INVALID).map((s) => ({ query: `labelSelector=${encodeURIComponent(s)}`, refused: `label selector '${s}'` })),
    validField.map((s) => ({ query: `fieldSelector=${encodeURIComponent(s)}` })),
    fc.constantFrom(...FIELDS_INVALID).map((s) => ({ query: `fieldSelector=${encodeURIComponent(s)}`, refused: `field selector '${s}' on config maps` })),
    fc.string({ maxLength: 20 }).map((s) => ({ query: `labelSelector=${encodeURIComponent(s)}` })),
    fc.constantFrom("limit=0", "limit=-1", "limit=x", "limit=1&continue=garbage", "continue=%%%", "resourceVersion=x", "resourceVersion=0&resourceVersionMatch=Exact", "timeoutSeconds=1", "pretty=true", "fieldValidation=Bogus").map((q) => ({ query: q })),
  );
}

const jsonPatchOp = fc.record({
  op: fc.constantFrom("add", "remove", "replace", "move", "copy", "test", "bogus"),
  path: fc.constantFrom("/data/k", "/data/new", "/metadata/labels", "/metadata/labels/a~1b", "/metadata/name", "/metadata/resourceVersion", "/kind", "", "/", "/-", "/data/~2", "/data/0", "x", "/metadata/uid", "/data/k/deeper"),
  from: fc.constantFrom(undefined, "/data/k", "/nope"),
  value: fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.constant(null), fc.constant({ a: "b" }), fc.constant(["x"]), fc.constant(undefined)),
}, { requiredKeys: ["op", "path"] });

function patchArb(): fc.Arbitrary<{ contentType: string; body: string; query: string }> {
  const json = fc.array(jsonPatchOp, { maxLength: 3 }).map((ops) => ({ contentType: "application/json-patch+json", body: JSON.stringify(ops), query: "" }));
  const merge = fc.oneof(fc.json({ maxDepth: 3 }), fc.constantFrom('{"data":{"k":null}}', '{"metadata":{"labels":{"x":"y"}}}', '{"metadata":{"name":"other"}}', '{"kind":"Pod"}', "[]", "null", '{"data":"x"}', '{"metadata":{"resourceVersion":"1"}}')).map((b) => ({ contentType: "application/merge-patch+json", body: b, query: "" }));
  const smp = fc.constantFrom('{"$patch":"delete"}', '{"$patch":"replace","data":{"a":"b"}}', '{"data":{"$patch":"bogus"}}', '{"$retainKeys":["data"]}', '{"$setElementOrder/containers":[{"name":"x"}]}', '{"metadata":{"$deleteFromPrimitiveList/finalizers":["x"]}}', '{"data":{"k":{"nested":1}}}', "{oops").map((b) => ({ contentType: "application/strategic-merge-patch+json", body: b, query: "" }));
  const apply = fc.tuple(fc.constantFrom("fieldManager=hostile", "", "fieldManager=hostile&force=true", "fieldManager=" + "x".repeat(200)), fc.constantFrom("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: NAME\ndata:\n  k: v\n", "kind: ConfigMap\n", "a: &a [*a]\n", "- not a map\n", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n", "\t- tab\n", "{}")).map(([q, b]) => ({ contentType: "application/apply-patch+yaml", body: b, query: q }));
  return fc.oneof(json, merge, smp, apply, fc.constantFrom({ contentType: "application/json", body: "{}", query: "" }, { contentType: "text/plain", body: "x", query: "" }, { contentType: "application/apply-patch+cbor", body: "x", query: "" }));
}

const YAML_JUNK = ["metadata: [a\n  b: c", "a: &a\n  b: *a\n", "x: &x [*x, *x]\n", "lol: &l1 [a, a, a, a, a, a, a, a, a]\nl2: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]\nl3: &l3 [*l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2]\nl4: [*l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3]\n", "!!binary x", "---\n---\n", "key: {{ template }}", "\u0000", ": :", "? complex\n: key", "[".repeat(5000)];

/**
 * kube-apiserver's service-account authenticator reads the payload with base64.RawURLEncoding (padding refused), then
 * go-jose parses the token, trimming '=' padding from each segment and re-encoding the header for the signing input:
 * padding on the header or the signature leaves the same token (unlike Entra, which requires the compact pattern).
 */
function kubeEquivalent(original: string, mutated: string): boolean {
  const parts = mutated.trim().split(".");
  if (parts.length !== 3 || parts[1]!.includes("=")) return equivalent(original, mutated);
  return equivalent(original, `${parts[0]!.replace(/=+$/, "")}.${parts[1]}.${parts[2]!.replace(/=+$/, "")}`);
}

function authArb(): fc.Arbitrary<Auth> {
  const tampered = jwtMutations(saToken, { other: saToken, keyForms }).filter((m) => !kubeEquivalent(saToken, m.token));
  return fc.oneof(
    { weight: 10, arbitrary: fc.constant<Auth>({ kind: "admin", header: `Bearer ${c.record.adminToken}` }) },
    { weight: 1, arbitrary: fc.constant<Auth>({ kind: "sa", header: `Bearer ${saToken}` }) },
    { weight: 2, arbitrary: fc.constant<Auth>({ kind: "none" }) },
    { weight: 4, arbitrary: tampered.map<Auth>((m) => ({ kind: "refused", header: `Bearer ${m.token}`, label: m.label })) },
    { weight: 1, arbitrary: fc.constantFrom<Auth>({ kind: "refused", header: `Bearer ${c.record.adminToken}x`, label: "admin token with a character more" }, { kind: "refused", header: `Bearer ${c.record.adminToken.toUpperCase()}`, label: "admin token upper-cased" }, { kind: "refused", header: "Basic YTpi", label: "Basic" }, { kind: "refused", header: "Bearer", label: "Bearer alone" }) },
  );
}

function inputArb(): fc.Arbitrary<KubeInput> {
  const ns = fc.oneof({ weight: 8, arbitrary: fc.constant("default") }, { weight: 1, arbitrary: fc.constantFrom("kube-system", "nope", "UPPER", "a_b", "..", "x".repeat(64)) });
  const create = fc.tuple(objectArb(), ns, fc.constantFrom("json", "json", "yaml", "yaml-junk"), fc.constantFrom("", "dryRun=All", "fieldManager=x"), fc.nat()).map(([o, n, enc, q, pick]) => {
    const body = enc === "json" ? JSON.stringify(o.obj) : enc === "yaml" ? toYaml(o.obj) : YAML_JUNK[pick % YAML_JUNK.length]!;
    const refused = enc === "yaml-junk" ? "YAML that is not an object" : n !== "default" && n !== "kube-system" ? `namespace ${n}` : o.refused;
    const query = [o.strict ? "fieldValidation=Strict" : "", q].filter(Boolean).join("&");
    return { method: "POST", path: `/api/v1/namespaces/${n}/${o.resource}`, query, contentType: enc === "json" ? "application/json" : "application/yaml", body, refused };
  });
  const list = fc.tuple(selectorArb(), fc.constantFrom("/api/v1/namespaces/default/configmaps", "/api/v1/configmaps", "/api/v1/namespaces/default/secrets")).map(([s, p]) => ({ method: "GET", path: p, query: s.query, refused: s.refused }));
  const podList = fc.constantFrom("fieldSelector=spec.nodeName%3Dx", "fieldSelector=status.phase%3DRunning", "fieldSelector=spec.bogus%3Dx", "labelSelector=!x").map((q) => ({ method: "GET", path: "/api/v1/namespaces/default/pods", query: q, refused: q.includes("bogus") ? "an unknown pod field" : undefined }));
  const patch = fc.tuple(patchArb(), fc.constantFrom(...SEEDED, "missing-one")).map(([p, name]) => ({ method: "PATCH", path: `/api/v1/namespaces/default/configmaps/${name}`, query: p.query, contentType: p.contentType, body: p.body.replace("NAME", name) }));
  // Never an empty name: DELETE on the collection's path would remove the object kept for the end.
  const named = fc.tuple(fc.constantFrom("GET", "DELETE", "PUT"), nameArb.filter((n) => n !== "" && n !== "." && n !== ".."), fc.constantFrom("configmaps", "secrets", "serviceaccounts", "pods", "nopes")).map(([m, n, r]) => ({ method: m, path: `/api/v1/namespaces/default/${r}/${encodeURIComponent(n)}`, query: "", contentType: "application/json", body: m === "PUT" ? JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: n } }) : undefined }));
  const paths = fc.constantFrom("/api", "/apis", "/version", "/openapi/v2", "/api/v1", "/apis/apps/v1", "/api/v2/pods", "/apis/nope/v1/x", "/healthz", "/livez?verbose", "/api/v1/namespaces/default/configmaps/cm-one/status", "/api/v1/namespaces/%ZZ/configmaps", "/api/v1/namespaces/default/pods/x/log", "/api/v1/namespaces/default/serviceaccounts/default/token").map((p) => ({ method: "GET", path: p.split("?")[0]!, query: p.split("?")[1] ?? "" }));
  return fc
    .record({ req: fc.oneof({ weight: 4, arbitrary: create }, { weight: 3, arbitrary: list }, { weight: 1, arbitrary: podList }, { weight: 3, arbitrary: patch }, { weight: 2, arbitrary: named }, { weight: 1, arbitrary: paths }), auth: authArb() })
    .map(({ req, auth }) => ({ ...req, auth }));
}

// ---- the oracle ----

async function check(i: KubeInput): Promise<Verdict> {
  const headers: Record<string, string> = {};
  if (i.auth.kind !== "none") headers.authorization = i.auth.header;
  if (i.contentType && i.body !== undefined) headers["content-type"] = i.contentType;
  const g = await client.send({ method: i.method, path: `${prefix}${i.path}${i.query ? `?${i.query}` : ""}`, headers, body: i.body });
  if (g.status === -1) return { status: -1, code: "client refused" };
  const basic = basicFailure(g);
  if (basic) return { status: g.status, failure: basic };
  const status = g.json as { kind?: string; reason?: string; code?: number } | undefined;
  const code = status?.kind === "Status" ? (status.reason ?? String(status.code)) : g.status < 300 ? "ok" : g.text.startsWith("400 Bad Request") ? "bad URL" : undefined;
  const ok = g.status >= 200 && g.status < 300;
  if (i.auth.kind === "none" || i.auth.kind === "refused") {
    if (g.status === 400 && code === "bad URL") return { status: 400, code };
    if (g.status !== 401 || code !== "Unauthorized") return { status: g.status, code, failure: `${i.auth.kind === "none" ? "no token" : `a refused token (${i.auth.label})`} got ${g.status}: ${cut(g.text, 160)}` };
    return { status: 401, code };
  }
  // The lab's handler turns an unexpected exception into a 400: it must never be a JavaScript error's text.
  const message = (g.json as { message?: unknown } | undefined)?.message;
  if (typeof message === "string" && /Cannot read propert|is not a function|is not iterable|Cannot convert|Maximum call stack/.test(message)) return { status: g.status, code, failure: `a JavaScript error as the answer: ${cut(message, 200)}` };
  if (i.auth.kind === "admin" && ok && i.refused) return { status: g.status, code, failure: `${g.status} for a request kube-apiserver refuses (${i.refused}): ${cut(g.text, 200)}` };
  if (g.status >= 400 && code === undefined && !g.text.startsWith("404 page not found") && !/^(ok|\[)/.test(g.text)) return { status: g.status, code, failure: `${g.status} without a Status: ${cut(g.text)}` };
  return { status: g.status, code };
}

const show = (i: KubeInput) => cut(JSON.stringify({ ...i, body: i.body === undefined ? undefined : cut(i.body, 200), auth: i.auth.kind === "refused" ? i.auth.label : i.auth.kind }), 1200);

async function originalStillWorks(): Promise<void> {
  const r = await client.send({ method: "GET", path: `${prefix}/api/v1/namespaces/default/configmaps/${KEPT}`, headers: { authorization: `Bearer ${c.record.adminToken}` } });
  assert.equal(r.status, 200, r.text);
  // The service-account token still authenticates (its answer is the authorizer's, not 401).
  const sa = await client.send({ method: "GET", path: `${prefix}/api/v1/namespaces/default/configmaps`, headers: { authorization: `Bearer ${saToken}` } });
  assert.notEqual(sa.status, 401, sa.text);
}

test("Kubernetes API: 1,000 generated objects, YAML, patches and selectors; 401 without a valid token, no 5xx, no hang, nothing kube-apiserver refuses is accepted", async () => {
  await originalStillWorks();
  const r = await runCorpus({ face: "Kubernetes API", arb: inputArb(), check, show });
  console.log(describe("Kubernetes API", r));
  assert.ok(r.inputs >= 1000);
  assert.equal((await client.send({ method: "GET", path: `${prefix}/version`, headers: { authorization: `Bearer ${c.record.adminToken}` } })).status, 200);
  await originalStillWorks();
});

test("Kubernetes API regressions the corpus found: !!binary YAML (a TypeError), deep YAML (the stack), generateName and secret data unvalidated", async () => {
  const post = (path: string, body: string, contentType = "application/json") => client.send({ method: "POST", path: `${prefix}${path}`, headers: { authorization: `Bearer ${c.record.adminToken}`, "content-type": contentType }, body });
  const message = (r: { json: unknown }) => String((r.json as { message?: unknown }).message);
  // Shrunk from seed 20261130: a YAML body that is a !!binary scalar reached the registry as bytes ("Cannot read
  // properties of undefined"). kube-apiserver converts YAML to JSON first: the base64 string is no object.
  let r = await post("/api/v1/namespaces/default/configmaps", "!!binary x", "application/yaml");
  assert.equal(r.status, 400, r.text);
  assert.match(message(r), /^couldn't get version\/kind; json parse error: json: cannot unmarshal string into Go value of type struct/);
  // 5,000 open brackets overflowed the YAML library's stack; the text was the JavaScript error's.
  r = await post("/api/v1/namespaces/default/configmaps", "[".repeat(5000), "application/yaml");
  assert.equal(r.status, 400, r.text);
  assert.equal(message(r), "couldn't get version/kind; json parse error: error converting YAML to JSON: yaml: exceeded max depth of 10000");
  // generateName is validated even with a name (apimachinery ValidateObjectMetaAccessor, prefix=true).
  r = await post("/api/v1/namespaces/default/configmaps", JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "zero", generateName: "GEN-" } }));
  assert.equal(r.status, 422, r.text);
  assert.match(message(r), /^ConfigMap "zero" is invalid: metadata\.generateName: Invalid value: "GEN-": a lowercase RFC 1123 subdomain must consist of/);
  // A Secret's data is []byte: standard base64 or encoding/json's base64 error.
  for (const [value, at] of [["l", 0], [" ", 0], ["AAA", 0], ["AA=", 2], ["ab%d", 2]] as const) {
    r = await post("/api/v1/namespaces/default/secrets", JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "not-base64" }, data: { a: value } }));
    assert.equal(r.status, 400, r.text);
    assert.equal(message(r), `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${at}`);
  }
  r = await post("/api/v1/namespaces/default/secrets", JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "base64" }, data: { a: "dmFsdWU=", b: "", c: "AB==" } }));
  assert.equal(r.status, 201, r.text);
  await originalStillWorks();
});

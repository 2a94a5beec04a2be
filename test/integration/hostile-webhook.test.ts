// The generated hostile corpus, workload identity webhook: AdmissionReviews (versions, kinds, uids, operations,
// namespaces) around generated pods (the use label, every annotation the webhook reads with good and junk values,
// containers, init containers, volumes, service accounts) and broken bodies and content types, POSTed to the lab's
// webhook endpoint of a workload-identity cluster. Invariants on every input: an answer within the timeout, never a
// 5xx, never a JavaScript error as the denial; a patch only on an allowed response, and one that applies to the object
// (kube-apiserver refuses a patch that does not); the response's uid is the request's. (Which pods reach the webhook is
// the MutatingWebhookConfiguration's objectSelector; the upstream handler mutates what it is sent, labelled or not.)
// Afterwards the endpoint still mutates the article's pod.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import jsonpatch from "fast-json-patch";
import { startTestLab } from "../helpers/lab.js";
import { makeCluster, api, type TestCluster } from "../helpers/kube.js";
import { HostileClient, basicFailure, cut, describe, runCorpus, type Verdict } from "../helpers/hostile.js";
import type { Lab } from "../../src/index.js";

const USE = "azure.workload.identity/use";
const CLIENT_ID = "azure.workload.identity/client-id";

let lab: Lab;
let c: TestCluster;
let client: HostileClient;
let hookPath: string;

before(async () => {
  lab = await startTestLab();
  c = await makeCluster(lab, { name: "aks-hostile-webhook", workloadIdentity: true });
  client = new HostileClient(lab.port, lab.caCert);
  hookPath = `/webhooks/azure-wi/${c.record.clusterId}/mutate-v1-pod`;
  const sa = await api(c, "POST", "/api/v1/namespaces/default/serviceaccounts", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "workload-identity-sa", annotations: { [CLIENT_ID]: "11111111-2222-3333-4444-555555555555" } } });
  assert.equal(sa.status, 201, sa.text);
});

after(async () => {
  client?.close();
  c?.cleanup();
  await lab?.stop();
});

// ---- the generated inputs ----

interface HookInput {
  contentType?: string;
  body: string;
  /** The review as generated (undefined for raw junk bodies). */
  review?: Record<string, unknown>;
}

/** Mostly `good`, now and then a junk value (so most inputs reach the mutation). */
const mostly = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 30, arbitrary: good }, { weight: 1, arbitrary: junkValue });

const junkValue: fc.Arbitrary<unknown> = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));

function annotationsArb(): fc.Arbitrary<Record<string, unknown> | undefined> {
  const entries = {
    [CLIENT_ID]: fc.oneof(fc.uuid(), fc.constantFrom("", "not-a-guid")),
    "azure.workload.identity/tenant-id": fc.oneof(fc.uuid(), fc.constantFrom("", "x")),
    "azure.workload.identity/service-account-token-expiration": fc.constantFrom("3600", "3599", "86400", "86401", "-1", "abc", "", "1e3", "007"),
    "azure.workload.identity/skip-containers": fc.constantFrom("app", "app;sidecar", ";", "", "x".repeat(300)),
    "azure.workload.identity/inject-proxy-sidecar": fc.constantFrom("true", "false", "TRUE", "yes", ""),
    "azure.workload.identity/proxy-sidecar-port": fc.constantFrom("8000", "0", "-1", "65536", "abc", ""),
  };
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 12, arbitrary: fc.record(entries, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.constantFrom<Record<string, unknown> | undefined>({ [CLIENT_ID]: 1 }, { "azure.workload.identity/proxy-sidecar-port": null }, { [CLIENT_ID]: null }) },
  );
}

function containerArb(): fc.Arbitrary<unknown> {
  const env = mostly(fc.oneof(fc.constant(undefined), fc.array(fc.record({ name: fc.oneof(fc.constantFrom("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "X"), fc.string({ maxLength: 8 })), value: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(undefined)) }, { requiredKeys: ["name"] }), { maxLength: 3 })));
  const shaped = fc.record({
    name: fc.oneof(fc.constantFrom("app", "sidecar", "azwi-proxy", "azwi-proxy-init", ""), fc.string({ maxLength: 8 })),
    image: fc.constantFrom("example.com/app:1.0", ""),
    env,
    volumeMounts: mostly(fc.constantFrom(undefined, [{ name: "azure-identity-token", mountPath: "/var/run/secrets/azure/tokens" }], [])),
    ports: mostly(fc.constantFrom(undefined, [{ containerPort: 8000 }])),
  }, { requiredKeys: ["name"] });
  return fc.oneof({ weight: 12, arbitrary: shaped }, { weight: 1, arbitrary: junkValue });
}

function podArb(): fc.Arbitrary<unknown> {
  const labels = fc.oneof(
    { weight: 6, arbitrary: fc.constant({ [USE]: "true" }) },
    { weight: 3, arbitrary: fc.constantFrom<Record<string, unknown> | undefined>(undefined, {}, { [USE]: "false" }, { [USE]: "True" }, { [USE]: "TRUE" }, { [USE]: "" }, { app: "x" }) },
    { weight: 1, arbitrary: fc.constantFrom<Record<string, unknown>>({ [USE]: null }) },
    { weight: 1, arbitrary: fc.constantFrom<Record<string, unknown>>({ [USE]: true }, { [USE]: 1 }) },
  );
  const spec = fc.record({
    serviceAccountName: mostly(fc.oneof({ weight: 8, arbitrary: fc.constant("workload-identity-sa") }, { weight: 1, arbitrary: fc.constantFrom("default", "missing", "") })),
    containers: fc.oneof({ weight: 8, arbitrary: fc.array(containerArb(), { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: fc.oneof(fc.constant([]), junkValue) }),
    initContainers: mostly(fc.oneof(fc.constant(undefined), fc.array(containerArb(), { maxLength: 2 }))),
    volumes: mostly(fc.constantFrom(undefined, [{ name: "azure-identity-token", projected: { sources: [] } }], [{ name: "x", emptyDir: {} }])),
    securityContext: mostly(fc.constantFrom(undefined, { runAsUser: 1000 })),
  }, { requiredKeys: ["containers"] });
  const pod = fc.record({ apiVersion: fc.constantFrom("v1", "v1", "v1", "v1", "v2", ""), kind: fc.constantFrom("Pod", "Pod", "Pod", "Pod", "Deployment", ""), metadata: fc.oneof({ weight: 8, arbitrary: fc.record({ name: fc.constantFrom("pod", "", "x".repeat(300)), generateName: fc.constantFrom(undefined, "pod-"), labels, annotations: annotationsArb() }, { requiredKeys: ["labels"] }) }, { weight: 1, arbitrary: junkValue }), spec: fc.oneof({ weight: 8, arbitrary: spec }, { weight: 1, arbitrary: junkValue }) }, { requiredKeys: ["metadata", "spec"] });
  return fc.oneof({ weight: 20, arbitrary: pod }, { weight: 1, arbitrary: fc.oneof(junkValue, fc.constant(undefined)) });
}

function reviewArb(): fc.Arbitrary<Record<string, unknown>> {
  const request = fc.record({
    uid: mostly(fc.uuid()),
    kind: fc.constantFrom({ group: "", version: "v1", kind: "Pod" }, { group: "apps", version: "v1", kind: "Deployment" }),
    resource: fc.constant({ group: "", version: "v1", resource: "pods" }),
    namespace: mostly(fc.oneof({ weight: 10, arbitrary: fc.constant("default") }, { weight: 1, arbitrary: fc.constantFrom("", "kube-system", "nope") })),
    operation: mostly(fc.constantFrom("CREATE", "CREATE", "CREATE", "UPDATE", "DELETE", "CONNECT", "bogus")),
    object: podArb(),
    oldObject: fc.constantFrom(undefined, null, {}),
    dryRun: fc.boolean(),
    userInfo: fc.constantFrom({ username: "system:admin" }, undefined),
  }, { requiredKeys: ["uid", "object", "namespace", "operation", "kind"] });
  return fc.record({
    apiVersion: fc.oneof({ weight: 16, arbitrary: fc.constant("admission.k8s.io/v1") }, { weight: 2, arbitrary: fc.constantFrom("admission.k8s.io/v1beta1", "admission.k8s.io/v2", "", "v1") }),
    kind: fc.oneof({ weight: 16, arbitrary: fc.constant("AdmissionReview") }, { weight: 1, arbitrary: fc.constantFrom("Pod", "", "admissionreview") }),
    request: fc.oneof({ weight: 20, arbitrary: request }, { weight: 1, arbitrary: fc.oneof(junkValue, fc.constant(undefined)) }),
  }, { requiredKeys: ["request", "apiVersion", "kind"] });
}

function inputArb(): fc.Arbitrary<HookInput> {
  const contentType = fc.oneof({ weight: 12, arbitrary: fc.constant("application/json") }, { weight: 1, arbitrary: fc.constantFrom(undefined, "application/json; charset=utf-8", "text/plain", "application/yaml", "APPLICATION/JSON") });
  const raw = fc.constantFrom("", "{", "null", "[]", '"x"', "{\"request\":", "\u0000", "{}".repeat(10), "[".repeat(100_000), JSON.stringify({ request: { object: { metadata: { annotations: { x: "y".repeat(8 * 1024 * 1024) } } } } }));
  return fc.oneof(
    { weight: 12, arbitrary: fc.tuple(reviewArb(), contentType).map(([review, ct]) => ({ contentType: ct, body: JSON.stringify(review), review })) },
    { weight: 1, arbitrary: fc.tuple(raw, contentType).map(([body, ct]) => ({ contentType: ct, body })) },
  );
}

// ---- the oracle ----

interface ReviewOut {
  response?: { uid?: string; allowed?: boolean; patch?: string; patchType?: string; status?: { code?: number; message?: string } };
}

function judge(i: HookInput, out: ReviewOut): string | undefined {
  const r = out.response;
  if (!r || typeof r.allowed !== "boolean") return "no AdmissionResponse";
  const message = r.status?.message ?? "";
  if (/Cannot read propert|is not a function|is not iterable|Cannot convert|Maximum call stack|undefined \(reading/.test(message)) return `a JavaScript error as the denial: ${cut(message, 200)}`;
  const req = i.review?.request as { uid?: unknown; object?: unknown } | undefined;
  if (r.patch === undefined) return undefined;
  if (!r.allowed) return "a patch on a denial";
  if (typeof req?.uid === "string" && r.uid !== req.uid) return `response uid ${r.uid} is not the request's ${req.uid}`;
  let ops: jsonpatch.Operation[];
  try {
    ops = JSON.parse(Buffer.from(r.patch, "base64").toString("utf8")) as jsonpatch.Operation[];
  } catch {
    return "a patch that is not base64 JSON";
  }
  try {
    jsonpatch.applyPatch(structuredClone(req!.object), ops, true, false);
  } catch (err) {
    return `a patch that does not apply to the pod: ${(err as Error).message.split("\n")[0]}`;
  }
  return undefined;
}

async function check(i: HookInput): Promise<Verdict> {
  const g = await client.send({ method: "POST", path: `${hookPath}?timeout=10s`, headers: i.contentType ? { "content-type": i.contentType } : {}, body: i.body });
  const basic = basicFailure(g);
  if (basic) return { status: g.status, failure: basic };
  const out = g.json as ReviewOut | undefined;
  const code = out?.response ? (out.response.patch ? "patched" : out.response.allowed ? "allowed" : `denied ${out.response.status?.code ?? "?"}`) : undefined;
  if (g.status !== 200 || !out) return { status: g.status, code, failure: `not an AdmissionReview: ${g.status} ${cut(g.text)}` };
  const failure = judge(i, out);
  return { status: g.status, code, failure };
}

const show = (i: HookInput) => cut(JSON.stringify({ contentType: i.contentType, body: cut(i.body, 900) }), 1200);

async function articlePodStillMutated(): Promise<void> {
  const review = { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { uid: "u-1", namespace: "default", operation: "CREATE", object: { apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: { [USE]: "true" } }, spec: { serviceAccountName: "workload-identity-sa", containers: [{ name: "oidc", image: "x" }] } } } };
  const r = await client.send({ method: "POST", path: hookPath, headers: { "content-type": "application/json" }, body: JSON.stringify(review) });
  assert.equal(r.status, 200, r.text);
  const out = r.json as ReviewOut;
  assert.equal(out.response?.allowed, true);
  assert.equal(out.response?.patchType, "JSONPatch");
}

test("webhook: 1,000 generated AdmissionReviews; no 5xx, no hang, no JavaScript error, every patch applies to its pod", async () => {
  await articlePodStillMutated();
  const r = await runCorpus({ face: "AdmissionReview webhook", arb: inputArb(), check, show });
  console.log(describe("AdmissionReview webhook", r));
  assert.ok(r.inputs >= 1000);
  assert.equal((await client.send({ method: "GET", path: `/webhooks/azure-wi/${c.record.clusterId}/healthz` })).text, "ok");
  await articlePodStillMutated();
});

test("webhook regressions the corpus found: deep JSON overflowed the scanner's stack; a null container threw in the mutator", async () => {
  const post = (body: string) => client.send({ method: "POST", path: hookPath, headers: { "content-type": "application/json" }, body });
  // Shrunk from seed 20261130: 100,000 '[' gave "Maximum call stack size exceeded" as the denial. Go's scanner refuses
  // the 10,001st level (encoding/json maxNestingDepth).
  let r = await post("[".repeat(100_000));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual((r.json as ReviewOut).response?.status, { metadata: {}, message: "couldn't get version/kind; json parse error: invalid character '[' exceeded max depth", code: 400 });
  // Shrunk from seeds 5 and 6: "containers":[null] gave "Cannot read properties of null (reading 'env')" (code 500).
  // Go decodes a null element as the zero Container; the patch first writes it as an empty object.
  const pod = { metadata: { labels: { [USE]: "true" } }, spec: { serviceAccountName: "workload-identity-sa", containers: [null, { name: "app" }] } };
  r = await post(JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { uid: "u-2", namespace: "default", operation: "CREATE", object: pod } }));
  const out = (r.json as ReviewOut).response!;
  assert.equal(out.allowed, true, r.text);
  const ops = JSON.parse(Buffer.from(out.patch!, "base64").toString()) as jsonpatch.Operation[];
  assert.deepEqual(ops[0], { op: "replace", path: "/spec/containers/0", value: {} });
  const mutated = jsonpatch.applyPatch(structuredClone(pod), ops, true, false).newDocument as { spec: { containers: { env?: { name: string }[] }[] } };
  for (const c of mutated.spec.containers) assert.ok(c.env?.some((e) => e.name === "AZURE_CLIENT_ID"), JSON.stringify(c));
  await articlePodStillMutated();
});

// The workload identity webhook over real HTTPS: AdmissionReview v1 in, AdmissionReview out, the JSONPatch applied
// with fast-json-patch; denials; bad bodies (controller-runtime's answers, never a 500); the Fastify routes the
// lab mounts per cluster; and the service-account reader against a fake Kubernetes API server.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import Fastify from "fastify";
import jsonpatch from "fast-json-patch";
import { LabCa } from "../../src/platform/index.js";
import { KubeServiceAccountGetter, startWebhookServer, webhookRoutes, type WebhookServer } from "../../src/webhook/server.js";
import type { ServiceAccountGetter } from "../../src/webhook/admissionReview.js";
import type { JsonPatchOp, Pod, ServiceAccount } from "../../src/webhook/types.js";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT = "5cf1b3e2-6c2a-4e4f-9b1a-3f0e8c7d6a11";

let ca: LabCa;
let leaf: { certPem: string; keyPem: string };
let wh: WebhookServer;
const accounts = new Map<string, ServiceAccount>([
  ["default/workload-identity-sa", { metadata: { name: "workload-identity-sa", namespace: "default", annotations: { "azure.workload.identity/client-id": CLIENT } } }],
]);
const getter: ServiceAccountGetter = async (ns, name) => accounts.get(`${ns}/${name}`);

before(async () => {
  const dir = process.env.WILAB_TEST_CA_DIR;
  if (!dir) throw new Error("WILAB_TEST_CA_DIR is not set: run the tests with scripts/run-tests.mjs");
  ca = await LabCa.loadOrCreate(dir);
  leaf = await ca.issueLeaf(["localhost", "127.0.0.1"]);
  wh = await startWebhookServer({ port: 0, host: "127.0.0.1", tlsCertPem: leaf.certPem, tlsKeyPem: leaf.keyPem, config: { tenantId: TENANT, serverVersion: "v1.32.0" }, getServiceAccount: getter });
});
after(async () => {
  await wh?.close();
});

interface Reply {
  status: number;
  contentType: string | undefined;
  text: string;
}

function post(url: string, body: string | undefined, contentType: string | undefined = "application/json", method = "POST"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (contentType !== undefined) headers["content-type"] = contentType;
    if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
    const req = request(url, { method, headers, ca: ca.certPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The article's pod, as kube-apiserver sends it (namespace set, defaults applied, kube-api-access volume). */
function articlePod(): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "sample-quick-start", namespace: "default", labels: { "azure.workload.identity/use": "true" } },
    spec: {
      serviceAccountName: "workload-identity-sa",
      containers: [
        {
          name: "oidc",
          image: "ghcr.io/azure/azure-workload-identity/msal-go",
          env: [
            { name: "KEYVAULT_URL", value: "https://kv.vault.azure.net/" },
            { name: "SECRET_NAME", value: "my-secret" },
          ],
          resources: {},
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
          imagePullPolicy: "Always",
          volumeMounts: [{ name: "kube-api-access-x7k2p", readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }],
        },
      ],
      nodeSelector: { "kubernetes.io/os": "linux" },
      volumes: [{ name: "kube-api-access-x7k2p", projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: "token" } }] } }],
    },
    status: {},
  };
}

const review = (object: unknown, extra: Record<string, unknown> = {}, apiVersion = "admission.k8s.io/v1") =>
  JSON.stringify({
    apiVersion,
    kind: "AdmissionReview",
    request: {
      uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      requestKind: { group: "", version: "v1", kind: "Pod" },
      requestResource: { group: "", version: "v1", resource: "pods" },
      name: "sample-quick-start",
      namespace: "default",
      operation: "CREATE",
      userInfo: { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" },
      ...extra,
    },
  });

interface ReviewOut {
  apiVersion?: string;
  kind?: string;
  response: { uid: string; allowed: boolean; patch?: string; patchType?: string; status?: { code: number; message?: string; metadata: object } };
}

const EXPECTED_ENV = [
  { name: "KEYVAULT_URL", value: "https://kv.vault.azure.net/" },
  { name: "SECRET_NAME", value: "my-secret" },
  { name: "AZURE_CLIENT_ID", value: CLIENT },
  { name: "AZURE_TENANT_ID", value: TENANT },
  { name: "AZURE_FEDERATED_TOKEN_FILE", value: "/var/run/secrets/azure/tokens/azure-identity-token" },
  { name: "AZURE_AUTHORITY_HOST", value: "https://login.microsoftonline.com/" },
];

test("labelled pod: allowed with a base64 JSONPatch that yields exactly the upstream injection", async () => {
  const pod = articlePod();
  const r = await post(`${wh.url}/mutate-v1-pod?timeout=10s`, review(pod));
  assert.equal(r.status, 200);
  const out = JSON.parse(r.text) as ReviewOut;
  assert.equal(out.apiVersion, "admission.k8s.io/v1");
  assert.equal(out.kind, "AdmissionReview");
  assert.equal(out.response.uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
  assert.equal(out.response.allowed, true);
  assert.equal(out.response.patchType, "JSONPatch");
  const patch = JSON.parse(Buffer.from(out.response.patch!, "base64").toString("utf8")) as JsonPatchOp[];
  assert.deepEqual(patch.filter((p) => p.op === "remove"), []);
  const mutated = jsonpatch.applyPatch(structuredClone(pod), patch as jsonpatch.Operation[], true, false).newDocument;

  const expected = articlePod();
  const c = expected.spec!.containers![0]!;
  c.env = EXPECTED_ENV;
  c.volumeMounts = [...c.volumeMounts!, { name: "azure-identity-token", mountPath: "/var/run/secrets/azure/tokens", readOnly: true }];
  expected.spec!.volumes!.push({ name: "azure-identity-token", projected: { sources: [{ serviceAccountToken: { path: "azure-identity-token", expirationSeconds: 3600, audience: "api://AzureADTokenExchange" } }] } });
  assert.deepEqual(mutated, expected);

  // Reinvocation (reinvocationPolicy: IfNeeded) with the mutated pod: allowed, and no patch at all.
  const again = JSON.parse((await post(`${wh.url}/mutate-v1-pod`, review(mutated))).text) as ReviewOut;
  assert.equal(again.response.allowed, true);
  assert.equal(again.response.patch, undefined);
  assert.equal(again.response.patchType, undefined);
  assert.deepEqual(again.response.status, { metadata: {}, code: 200 });
});

test("v1beta1 AdmissionReview is answered in v1beta1", async () => {
  const out = JSON.parse((await post(`${wh.url}/mutate-v1-pod`, review(articlePod(), {}, "admission.k8s.io/v1beta1"))).text) as ReviewOut;
  assert.equal(out.apiVersion, "admission.k8s.io/v1beta1");
  assert.equal(out.response.allowed, true);
});

test("server ≥ 1.32: the proxy sidecar is a native sidecar in initContainers", async () => {
  const pod = articlePod();
  pod.metadata!.annotations = { "azure.workload.identity/inject-proxy-sidecar": "true", "azure.workload.identity/proxy-sidecar-port": "8001" };
  const out = JSON.parse((await post(`${wh.url}/mutate-v1-pod`, review(pod))).text) as ReviewOut;
  const patch = JSON.parse(Buffer.from(out.response.patch!, "base64").toString("utf8")) as JsonPatchOp[];
  assert.deepEqual(patch.filter((p) => p.op === "remove"), []);
  const m = jsonpatch.applyPatch(structuredClone(pod), patch as jsonpatch.Operation[], true, false).newDocument;
  assert.deepEqual(m.spec!.initContainers!.map((x) => [x.name, x.restartPolicy ?? null]), [["azwi-proxy", "Always"], ["azwi-proxy-init", null]]);
  assert.deepEqual(m.spec!.containers!.map((x) => x.name), ["oidc"]);
  assert.equal(m.spec!.containers![0]!.terminationMessagePath, "/dev/termination-log");
});

const denial = (code: number, message: string) => ({ metadata: {}, message, code });

test("missing service account: denied 400 with the webhook's message and no patch", async () => {
  const pod = articlePod();
  pod.spec!.serviceAccountName = "sa";
  const r = await post(`${wh.url}/mutate-v1-pod`, review(pod));
  assert.equal(r.status, 200);
  const out = JSON.parse(r.text) as ReviewOut;
  assert.deepEqual(out.response, { uid: "705ab4f5-6393-11e8-b7cc-42010a800002", allowed: false, status: denial(400, 'serviceaccounts "sa" not found') });
});

test("token expiration out of range on the pod: denied with the bounds message", async () => {
  const pod = articlePod();
  pod.metadata!.annotations = { "azure.workload.identity/service-account-token-expiration": "100" };
  const out = JSON.parse((await post(`${wh.url}/mutate-v1-pod`, review(pod))).text) as ReviewOut;
  assert.deepEqual(out.response.status, denial(400, "token expiration 100 not valid. Expected value to be between 3600 and 86400"));
  assert.equal(out.response.allowed, false);
});

test("undecodable pod object: denied 400 couldn't get version/kind", async () => {
  const out = JSON.parse((await post(`${wh.url}/mutate-v1-pod`, review("invalid"))).text) as ReviewOut;
  assert.equal(out.response.allowed, false);
  assert.equal(out.response.status!.code, 400);
  assert.match(out.response.status!.message!, /^couldn't get version\/kind; json parse error: json: cannot unmarshal string into Go value of type struct/);
});

test("pod with a wrongly typed field: denied 400 with Go's unmarshal error", async () => {
  const pod = articlePod() as Record<string, unknown>;
  (pod.metadata as Record<string, unknown>).annotations = { a: 1 };
  const out = JSON.parse((await post(`${wh.url}/mutate-v1-pod`, review(pod))).text) as ReviewOut;
  assert.deepEqual(out.response.status, denial(400, "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.annotations of type string"));
});

const BAD_BODIES: { name: string; body: string | undefined; contentType?: string; code: number; message: string }[] = [
  { name: "bad JSON", body: "{bad", code: 400, message: "couldn't get version/kind; json parse error: invalid character 'b' looking for beginning of object key string" },
  { name: "truncated JSON", body: '{"apiVersion":"admission.k8s.io/v1",', code: 400, message: "couldn't get version/kind; json parse error: unexpected end of JSON input" },
  { name: "not an object", body: "[1,2]", code: 400, message: 'couldn\'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }' },
  { name: "empty body", body: undefined, code: 400, message: "request body is empty" },
  { name: "wrong content type", body: review(articlePod()), contentType: "text/plain", code: 400, message: "contentType=text/plain, expected application/json" },
  { name: "content type with charset", body: review(articlePod()), contentType: "application/json; charset=utf-8", code: 400, message: "contentType=application/json; charset=utf-8, expected application/json" },
];
for (const b of BAD_BODIES) {
  test(`bad request body: ${b.name} → AdmissionReview with status 400 (HTTP 200 as controller-runtime), never a 500`, async () => {
    const r = await post(`${wh.url}/mutate-v1-pod`, b.body, b.contentType ?? "application/json");
    assert.notEqual(r.status, 500);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { response: { uid: "", allowed: false, status: denial(b.code, b.message) } });
  });
}

test("healthz, readyz and unknown paths", async () => {
  assert.deepEqual(await post(`${wh.url}/healthz`, undefined, undefined, "GET"), { status: 200, contentType: "text/plain; charset=utf-8", text: "ok" });
  assert.equal((await post(`${wh.url}/readyz`, undefined, undefined, "GET")).text, "ok");
  const nf = await post(`${wh.url}/mutate-v1-deployment`, "{}");
  assert.equal(nf.status, 404);
  assert.equal(nf.text, "404 page not found\n");
});

test("Fastify routes per cluster under /webhooks/azure-wi/:clusterId", async () => {
  const app = Fastify();
  const calls: string[] = [];
  await app.register(
    async (f) =>
      webhookRoutes(f, {
        config: (key) => (key === "c1" ? { tenantId: "tenant-c1", serverVersion: "v1.31.0", layout: "v1.6" } : undefined),
        getServiceAccount: async (key, ns, name) => {
          calls.push(`${key}:${ns}/${name}`);
          return accounts.get(`${ns}/${name}`);
        },
      }),
    { prefix: "/webhooks/azure-wi/:clusterId" },
  );
  try {
    const pod = articlePod();
    const ok = await app.inject({ method: "POST", url: "/webhooks/azure-wi/c1/mutate-v1-pod?timeout=10s", headers: { "content-type": "application/json" }, payload: review(pod) });
    assert.equal(ok.statusCode, 200);
    const out = JSON.parse(ok.body) as ReviewOut;
    assert.equal(out.response.allowed, true);
    assert.deepEqual(calls, ["c1:default/workload-identity-sa"]);
    const patch = JSON.parse(Buffer.from(out.response.patch!, "base64").toString("utf8")) as JsonPatchOp[];
    const m = jsonpatch.applyPatch(structuredClone(pod), patch as jsonpatch.Operation[], true, false).newDocument;
    assert.deepEqual(m.spec!.containers![0]!.env!.slice(2), [
      { name: "AZURE_CLIENT_ID", value: CLIENT },
      { name: "AZURE_TENANT_ID", value: "tenant-c1" },
      { name: "AZURE_FEDERATED_TOKEN_FILE", value: "/var/run/secrets/azure/wi/token/azure-identity-token" },
      { name: "AZURE_AUTHORITY_HOST", value: "https://login.microsoftonline.com/" },
    ]);

    const unknown = await app.inject({ method: "POST", url: "/webhooks/azure-wi/nope/mutate-v1-pod", headers: { "content-type": "application/json" }, payload: review(pod) });
    assert.equal(unknown.statusCode, 404);

    const bad = await app.inject({ method: "POST", url: "/webhooks/azure-wi/c1/mutate-v1-pod", headers: { "content-type": "application/json" }, payload: "{bad" });
    assert.equal(bad.statusCode, 200);
    assert.equal((JSON.parse(bad.body) as ReviewOut).response.status!.code, 400);

    const noType = await app.inject({ method: "POST", url: "/webhooks/azure-wi/c1/mutate-v1-pod", payload: review(pod) });
    assert.notEqual(noType.statusCode, 500);
    assert.equal((JSON.parse(noType.body) as ReviewOut).response.status!.code, 400);

    const health = await app.inject({ method: "GET", url: "/webhooks/azure-wi/c1/healthz" });
    assert.equal(health.body, "ok");
  } finally {
    await app.close();
  }
});

test("KubeServiceAccountGetter reads service accounts from a Kubernetes API over HTTPS", async () => {
  const seen: { url: string; auth: string | undefined }[] = [];
  const api: Server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    seen.push({ url: req.url ?? "", auth: req.headers.authorization });
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== "Bearer t0ken") return send(401, { kind: "Status", apiVersion: "v1", status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });
    if (req.url === "/version") return send(200, { major: "1", minor: "31", gitVersion: "v1.31.4" });
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)$/.exec(req.url ?? "");
    const sa = m ? accounts.get(`${m[1]}/${m[2]}`) : undefined;
    if (sa) return send(200, { apiVersion: "v1", kind: "ServiceAccount", ...sa });
    return send(404, { kind: "Status", apiVersion: "v1", status: "Failure", message: `serviceaccounts "${m?.[2]}" not found`, reason: "NotFound", details: { name: m?.[2], kind: "serviceaccounts" }, code: 404 });
  });
  await new Promise<void>((r) => api.listen(0, "127.0.0.1", () => r()));
  const server = `https://127.0.0.1:${(api.address() as AddressInfo).port}`;
  let viaKube: WebhookServer | undefined;
  try {
    const kube = new KubeServiceAccountGetter({ server, token: "t0ken", caPem: ca.certPem });
    assert.equal(await kube.serverVersion(), "v1.31.4");
    assert.equal((await kube.get("default", "workload-identity-sa"))?.metadata?.annotations?.["azure.workload.identity/client-id"], CLIENT);
    assert.equal(await kube.get("default", "missing"), undefined);
    await assert.rejects(new KubeServiceAccountGetter({ server, token: "wrong", caPem: ca.certPem }).get("default", "x"), { message: "Unauthorized" });
    assert.ok(seen.every((s) => s.url.startsWith("/api/v1/") || s.url === "/version"));

    // The standalone server wired to the API: a pod whose service account is missing is refused.
    viaKube = await startWebhookServer({ port: 0, host: "127.0.0.1", tlsCertPem: leaf.certPem, tlsKeyPem: leaf.keyPem, config: { tenantId: TENANT, serverVersion: await kube.serverVersion() }, getServiceAccount: kube.get });
    const pod = articlePod();
    const ok = JSON.parse((await post(`${viaKube.url}/mutate-v1-pod`, review(pod))).text) as ReviewOut;
    assert.equal(ok.response.allowed, true);
    pod.spec!.serviceAccountName = "ghost";
    const denied = JSON.parse((await post(`${viaKube.url}/mutate-v1-pod`, review(pod))).text) as ReviewOut;
    assert.deepEqual(denied.response.status, denial(400, 'serviceaccounts "ghost" not found'));
  } finally {
    await viaKube?.close();
    await new Promise<void>((r) => api.close(() => r()));
  }
});

test("KubeServiceAccountGetter.inCluster needs KUBERNETES_SERVICE_HOST/_PORT", () => {
  assert.throws(() => KubeServiceAccountGetter.inCluster({}), /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined/);
});

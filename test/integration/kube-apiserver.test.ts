// The lab's kube-apiserver: admission chain (ServiceAccount, mutating webhooks over HTTPS), validation and
// kube-apiserver's Status errors, selectors, paging, optimistic concurrency; kubectl where it is the oracle.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { startTestLab } from "../helpers/lab.js";
import type { Lab } from "../../src/index.js";
import { makeCluster, kubectl, api, SA_MANIFEST, POD_MANIFEST, type TestCluster } from "../helpers/kube.js";

let lab: Lab;
let c: TestCluster;
let hook: Server;
let hookUrl: string;
const reviews: Record<string, unknown>[] = [];
/** What the test webhook answers, by the pod's name prefix. */
let respond: (req: Record<string, unknown>) => Record<string, unknown>;

before(async () => {
  lab = await startTestLab();
  c = await makeCluster(lab, { name: "api-cluster" });
  const leaf = await lab.ctx.ca.issueLeaf(["localhost"]);
  hook = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const review = JSON.parse(body) as { request: Record<string, unknown> };
      reviews.push({ ...review, url: req.url });
      const response = { uid: review.request.uid, ...respond(review.request) };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response }));
    });
  });
  await new Promise<void>((r) => hook.listen(0, "localhost", r));
  hookUrl = `https://localhost:${(hook.address() as AddressInfo).port}/mutate`;
  respond = () => ({ allowed: true });
});
after(async () => {
  hook.close();
  c.cleanup();
  await lab.stop();
});

const patchOf = (ops: unknown[]) => ({ allowed: true, patchType: "JSONPatch", patch: Buffer.from(JSON.stringify(ops)).toString("base64") });

function mwc(name: string, webhook: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name },
    webhooks: [
      {
        name: `${name}.wilab.test.io`,
        clientConfig: { url: hookUrl },
        rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
        sideEffects: "None",
        admissionReviewVersions: ["v1"],
        ...webhook,
      },
    ],
  };
}

function pod(name: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, labels }, spec: { containers: [{ name: "app", image: "example.com/app:1.0" }], ...extra } };
}

test("unauthenticated requests get 401 Status; unknown paths 404 NotFound", async () => {
  const res = await fetch(`${c.server}/api/v1/pods`);
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });
  const nf = await api(c, "GET", "/api/v1/foos");
  assert.equal(nf.status, 404);
  assert.equal(nf.body.message, "the server could not find the requested resource");
  const v = await api(c, "GET", "/version");
  assert.equal(v.body.gitVersion, "v1.32.3");
  assert.equal(v.body.minor, "32");
});

test("pod defaults and ServiceAccount admission; missing service account is refused with kube-apiserver's words", async () => {
  const r = await api(c, "POST", "/api/v1/namespaces/default/pods", pod("defaults"));
  assert.equal(r.status, 201, r.text);
  const spec = r.body.spec as Record<string, unknown> & { containers: Record<string, unknown>[]; volumes: Record<string, unknown>[]; tolerations: unknown[] };
  assert.equal(spec.serviceAccountName, "default");
  assert.equal(spec.serviceAccount, "default");
  assert.equal(spec.restartPolicy, "Always");
  assert.equal(spec.dnsPolicy, "ClusterFirst");
  assert.equal(spec.terminationGracePeriodSeconds, 30);
  assert.equal(spec.schedulerName, "default-scheduler");
  assert.equal(spec.enableServiceLinks, true);
  assert.equal(spec.priority, 0);
  assert.equal(spec.preemptionPolicy, "PreemptLowerPriority");
  assert.deepEqual(spec.tolerations, [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  ]);
  const ctr = spec.containers[0]!;
  assert.equal(ctr.imagePullPolicy, "IfNotPresent");
  assert.equal(ctr.terminationMessagePath, "/dev/termination-log");
  assert.equal(ctr.terminationMessagePolicy, "File");
  const vol = spec.volumes[0] as { name: string; projected: unknown };
  assert.match(vol.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.deepEqual(vol.projected, {
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
    ],
    defaultMode: 420,
  });
  assert.deepEqual(ctr.volumeMounts, [{ name: vol.name, readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }]);
  assert.deepEqual(r.body.status, { phase: "Pending", qosClass: "BestEffort" });

  const latest = await api(c, "POST", "/api/v1/namespaces/default/pods", { ...pod("latest"), spec: { containers: [{ name: "a", image: "busybox" }] } });
  assert.equal((latest.body.spec as { containers: { imagePullPolicy: string }[] }).containers[0]!.imagePullPolicy, "Always");

  const missing = await kubectl(c, ["apply", "-f", "-"], { input: POD_MANIFEST().replace("name: sample-quick-start", "name: no-sa") });
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr.trim(),
    'Error from server (Forbidden): error when creating "STDIN": pods "no-sa" is forbidden: error looking up service account default/workload-identity-sa: serviceaccount "workload-identity-sa" not found',
  );
});

test("mutating webhook: objectSelector, AdmissionReview v1, JSONPatch applied; a pod without the label is untouched", async () => {
  respond = (req) => {
    const o = req.object as { metadata: { name?: string } };
    if (String(o.metadata.name ?? "").startsWith("deny")) return { allowed: false, status: { code: 403, message: "no thanks" } };
    return patchOf([
      { op: "add", path: "/spec/containers/0/env", value: [{ name: "INJECTED", value: "yes" }] },
      { op: "add", path: "/spec/volumes/-", value: { name: "extra", projected: { sources: [{ serviceAccountToken: { path: "t", expirationSeconds: 3600, audience: "api://AzureADTokenExchange" } }] } } },
    ]);
  };
  const cfg = await api(c, "POST", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", mwc("labelled", { objectSelector: { matchLabels: { "wilab.test/use": "true" } } }));
  assert.equal(cfg.status, 201, cfg.text);
  const w = (cfg.body.webhooks as Record<string, unknown>[])[0]!;
  assert.equal(w.failurePolicy, "Fail");
  assert.equal(w.timeoutSeconds, 10);
  assert.equal(w.reinvocationPolicy, "Never");
  try {
    reviews.length = 0;
    const yes = await api(c, "POST", "/api/v1/namespaces/default/pods", pod("labelled", { "wilab.test/use": "true" }));
    assert.equal(yes.status, 201, yes.text);
    const spec = yes.body.spec as { containers: { env?: unknown[] }[]; volumes: { name: string; projected?: { defaultMode?: number } }[] };
    assert.deepEqual(spec.containers[0]!.env, [{ name: "INJECTED", value: "yes" }]);
    const extra = spec.volumes.find((v) => v.name === "extra")!;
    assert.equal(extra.projected!.defaultMode, 420, "re-defaulted after the patch");
    assert.equal(reviews.length, 1);
    const review = reviews[0] as { url: string; apiVersion: string; kind: string; request: Record<string, unknown> };
    assert.equal(review.url, "/mutate?timeout=10s");
    assert.equal(review.apiVersion, "admission.k8s.io/v1");
    assert.equal(review.kind, "AdmissionReview");
    assert.deepEqual(review.request.kind, { group: "", version: "v1", kind: "Pod" });
    assert.deepEqual(review.request.resource, { group: "", version: "v1", resource: "pods" });
    assert.equal(review.request.operation, "CREATE");
    assert.equal(review.request.namespace, "default");
    assert.equal(review.request.name, "labelled");
    assert.equal(review.request.oldObject, null);
    assert.equal(review.request.dryRun, false);
    assert.deepEqual(review.request.options, { kind: "CreateOptions", apiVersion: "meta.k8s.io/v1" });
    assert.equal((review.request.userInfo as { username: string }).username, "system:admin");
    const seen = review.request.object as { spec: { serviceAccountName: string; volumes: { name: string }[] } };
    assert.equal(seen.spec.serviceAccountName, "default", "ServiceAccount admission ran before the webhook");
    assert.match(seen.spec.volumes[0]!.name, /^kube-api-access-/);

    reviews.length = 0;
    const no = await api(c, "POST", "/api/v1/namespaces/default/pods", pod("unlabelled"));
    assert.equal(no.status, 201);
    assert.equal(reviews.length, 0);
    assert.equal((no.body.spec as { containers: { env?: unknown }[] }).containers[0]!.env, undefined);

    const denied = await api(c, "POST", "/api/v1/namespaces/default/pods", pod("deny-me", { "wilab.test/use": "true" }));
    assert.equal(denied.status, 403);
    assert.equal(denied.body.message, 'admission webhook "labelled.wilab.test.io" denied the request: no thanks');
  } finally {
    await api(c, "DELETE", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/labelled");
  }
});

test("webhook failures: Fail gives kube-apiserver's 500, Ignore lets the pod through, services without endpoints", async () => {
  const dead = "https://localhost:1/mutate";
  await api(c, "POST", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", mwc("dead", { clientConfig: { url: dead }, objectSelector: { matchLabels: { dead: "fail" } } }));
  await api(c, "POST", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", mwc("ignored", { clientConfig: { url: dead }, failurePolicy: "Ignore", objectSelector: { matchLabels: { dead: "ignore" } } }));
  await api(c, "POST", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", mwc("svc", { clientConfig: { service: { namespace: "other", name: "hook-svc", path: "/m" } }, objectSelector: { matchLabels: { dead: "svc" } } }));
  try {
    const fail = await api(c, "POST", "/api/v1/namespaces/default/pods", pod("dead-fail", { dead: "fail" }));
    assert.equal(fail.status, 500);
    assert.equal(fail.body.reason, "InternalError");
    assert.match(
      String(fail.body.message),
      /^Internal error occurred: failed calling webhook "dead\.wilab\.test\.io": failed to call webhook: Post "https:\/\/localhost:1\/mutate\?timeout=10s": dial tcp (127\.0\.0\.1|\[::1\]):1: connect: connection refused$/,
    );
    const ign = await api(c, "POST", "/api/v1/namespaces/default/pods", pod("dead-ignore", { dead: "ignore" }));
    assert.equal(ign.status, 201, ign.text);
    const svc = await api(c, "POST", "/api/v1/namespaces/default/pods", pod("dead-svc", { dead: "svc" }));
    assert.equal(svc.status, 500);
    assert.equal(
      svc.body.message,
      'Internal error occurred: failed calling webhook "svc.wilab.test.io": failed to call webhook: Post "https://hook-svc.other.svc:443/m?timeout=10s": no endpoints available for service "hook-svc"',
    );
  } finally {
    for (const n of ["dead", "ignored", "svc"]) await api(c, "DELETE", `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${n}`);
  }
});

test("reinvocationPolicy IfNeeded: a webhook is called again when a later one changed the object", async () => {
  const calls: string[] = [];
  respond = (req) => {
    const o = req.object as { metadata: { annotations?: Record<string, string> } };
    const a = o.metadata.annotations ?? {};
    const which = (reviews[reviews.length - 1] as { url: string }).url.includes("first") ? "first" : "second";
    calls.push(which);
    if (which === "first") return a.first ? { allowed: true } : patchOf([{ op: "add", path: "/metadata/annotations", value: { ...a, first: String(calls.length) } }]);
    return a.second ? { allowed: true } : patchOf([{ op: "add", path: "/metadata/annotations", value: { ...a, second: "x" } }]);
  };
  await api(c, "POST", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", mwc("a-first", { clientConfig: { url: hookUrl.replace("/mutate", "/first") }, reinvocationPolicy: "IfNeeded", objectSelector: { matchLabels: { reinvoke: "yes" } } }));
  await api(c, "POST", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", mwc("b-second", { clientConfig: { url: hookUrl.replace("/mutate", "/second") }, objectSelector: { matchLabels: { reinvoke: "yes" } } }));
  try {
    const r = await api(c, "POST", "/api/v1/namespaces/default/pods", pod("reinvoked", { reinvoke: "yes" }));
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(calls, ["first", "second", "first"]);
    assert.deepEqual((r.body.metadata as { annotations: unknown }).annotations, { first: "1", second: "x" });
  } finally {
    for (const n of ["a-first", "b-second"]) await api(c, "DELETE", `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${n}`);
    respond = () => ({ allowed: true });
  }
});

test("bad input: Invalid with field causes, malformed JSON and YAML, namespace mismatch, stale resourceVersion, strict fields", async () => {
  const bad = await api(c, "POST", "/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "Bad_Name" }, spec: {} });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.reason, "Invalid");
  assert.equal(
    bad.body.message,
    `Pod "Bad_Name" is invalid: [metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), spec.containers: Required value]`,
  );
  assert.deepEqual((bad.body.details as { causes: unknown[] }).causes[1], { reason: "FieldValueRequired", message: "Required value", field: "spec.containers" });

  const malformed = await api(c, "POST", "/api/v1/namespaces/default/configmaps", '{"apiVersion": "v1", x');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.reason, "BadRequest");
  assert.match(String(malformed.body.message), /^couldn't get version\/kind; json parse error: invalid character 'x'/);
  const yaml = await api(c, "POST", "/api/v1/namespaces/default/configmaps", "metadata: [a\n  b: c", { "content-type": "application/yaml" });
  assert.equal(yaml.status, 400);
  assert.match(String(yaml.body.message), /error converting YAML to JSON/);

  const mismatch = await api(c, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "x", namespace: "kube-system" } });
  assert.equal(mismatch.status, 400);
  assert.equal(mismatch.body.message, "the namespace of the provided object does not match the namespace sent on the request");
  const noNs = await api(c, "POST", "/api/v1/namespaces/nope/configmaps", { metadata: { name: "x" } });
  assert.equal(noNs.status, 404);
  assert.equal(noNs.body.message, 'namespaces "nope" not found');

  const cm = await api(c, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "cc" }, data: { a: "1" } });
  const rv = (cm.body.metadata as { resourceVersion: string }).resourceVersion;
  const up = await api(c, "PUT", "/api/v1/namespaces/default/configmaps/cc", { metadata: { name: "cc", resourceVersion: rv }, data: { a: "2" } });
  assert.equal(up.status, 200, up.text);
  const stale = await api(c, "PUT", "/api/v1/namespaces/default/configmaps/cc", { metadata: { name: "cc", resourceVersion: rv }, data: { a: "3" } });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.reason, "Conflict");
  assert.equal(stale.body.message, 'Operation cannot be fulfilled on configmaps "cc": the object has been modified; please apply your changes to the latest version and try again');

  const strict = await api(c, "POST", "/api/v1/namespaces/default/pods?fieldValidation=Strict", { ...pod("strict"), spec: { foo: 1, containers: [{ name: "a", image: "b", bar: 2 }] } });
  assert.equal(strict.status, 400);
  assert.equal(strict.body.message, 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo", unknown field "spec.containers[0].bar"');
  const warn = await api(c, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "warned" }, foo: 1 });
  assert.equal(warn.status, 201);
  assert.equal(warn.headers.get("warning"), '299 - "unknown field \\"foo\\""');
  const typed = await api(c, "POST", "/api/v1/namespaces/default/pods", { ...pod("typed"), spec: { containers: "nope" } });
  assert.equal(typed.status, 400);
  assert.equal(typed.body.message, 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container');
});

test("kubectl's own view of bad input: unknown field under default validation, unknown kind, invalid YAML", async () => {
  await kubectl(c, ["apply", "-f", "-"], { input: SA_MANIFEST("00000000-0000-0000-0000-000000000001") });
  const unknownField = await kubectl(c, ["apply", "-f", "-"], { input: POD_MANIFEST().replace("name: sample-quick-start", "name: strict-pod").replace("  nodeSelector:", "  foo: bar\n  nodeSelector:") });
  assert.equal(unknownField.code, 1);
  assert.equal(unknownField.stderr.trim(), 'Error from server (BadRequest): error when creating "STDIN": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"');
  const kind = await kubectl(c, ["apply", "-f", "-"], { input: "apiVersion: v1\nkind: Frobnicator\nmetadata:\n  name: x\n" });
  assert.equal(kind.code, 1);
  assert.match(kind.stderr, /no matches for kind "Frobnicator" in version "v1"/);
  const yaml = await kubectl(c, ["apply", "-f", "-"], { input: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n" });
  assert.equal(yaml.code, 1);
  assert.match(yaml.stderr, /error converting YAML to JSON|error parsing/);
});

test("list: label and field selectors, limit/continue, Table; namespaces from kubectl create", async () => {
  for (const [n, tier] of [["sel-a", "web"], ["sel-b", "db"], ["sel-c", "web"]] as const) {
    await api(c, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: n, labels: { tier, group: "sel" } } });
  }
  const names = (b: Record<string, unknown>) => (b.items as { metadata: { name: string } }[]).map((i) => i.metadata.name);
  let r = await api(c, "GET", "/api/v1/namespaces/default/configmaps?labelSelector=" + encodeURIComponent("group=sel,tier in (web)"));
  assert.deepEqual(names(r.body), ["sel-a", "sel-c"]);
  assert.equal(r.body.kind, "ConfigMapList");
  assert.equal((r.body.items as Record<string, unknown>[])[0]!.kind, undefined);
  r = await api(c, "GET", "/api/v1/namespaces/default/configmaps?labelSelector=" + encodeURIComponent("group=sel,tier!=web"));
  assert.deepEqual(names(r.body), ["sel-b"]);
  r = await api(c, "GET", "/api/v1/configmaps?fieldSelector=metadata.name%3Dsel-b");
  assert.deepEqual(names(r.body), ["sel-b"]);
  r = await api(c, "GET", "/api/v1/configmaps?fieldSelector=spec.foo%3Dx");
  assert.equal(r.status, 400);
  assert.equal(r.body.message, "field label not supported: spec.foo");
  r = await api(c, "GET", "/api/v1/namespaces/default/configmaps?labelSelector=group%3Dsel&limit=2");
  assert.deepEqual(names(r.body), ["sel-a", "sel-b"]);
  const cont = (r.body.metadata as { continue: string }).continue;
  r = await api(c, "GET", `/api/v1/namespaces/default/configmaps?labelSelector=group%3Dsel&limit=2&continue=${cont}`);
  assert.deepEqual(names(r.body), ["sel-c"]);
  r = await api(c, "GET", "/api/v1/namespaces/default/configmaps/sel-a", undefined, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" });
  assert.equal(r.body.kind, "Table");
  assert.deepEqual((r.body.rows as { cells: unknown[] }[])[0]!.cells.slice(0, 2), ["sel-a", 0]);

  const ns = await kubectl(c, ["create", "namespace", "team-a"]);
  assert.equal(ns.stdout.trim(), "namespace/team-a created", ns.stderr);
  const cmk = await kubectl(c, ["create", "configmap", "cfg", "-n", "team-a", "--from-literal=k=v"]);
  assert.equal(cmk.stdout.trim(), "configmap/cfg created", cmk.stderr);
  const sec = await kubectl(c, ["create", "secret", "generic", "s", "-n", "team-a", "--from-literal=pw=hunter2"]);
  assert.equal(sec.stdout.trim(), "secret/s created", sec.stderr);
  const got = await api(c, "GET", "/api/v1/namespaces/team-a/secrets/s");
  assert.deepEqual(got.body.data, { pw: Buffer.from("hunter2").toString("base64") });
  assert.equal(got.body.type, "Opaque");
  const del = await kubectl(c, ["delete", "namespace", "team-a"]);
  assert.equal(del.stdout.trim(), 'namespace "team-a" deleted', del.stderr);
  assert.equal((await api(c, "GET", "/api/v1/namespaces/team-a/configmaps/cfg")).status, 404);
});

test("patch types: merge, JSON patch, strategic merge by container name", async () => {
  const created = await api(c, "POST", "/api/v1/namespaces/default/pods", {
    ...pod("patched"),
    spec: { containers: [{ name: "a", image: "x:1", env: [{ name: "A", value: "1" }] }, { name: "b", image: "y:1" }] },
  });
  assert.equal(created.status, 201, created.text);
  const smp = await api(c, "PATCH", "/api/v1/namespaces/default/pods/patched", { spec: { containers: [{ name: "b", image: "y:2" }] } }, { "content-type": "application/strategic-merge-patch+json" });
  assert.equal(smp.status, 200, smp.text);
  const cs = (smp.body.spec as { containers: { name: string; image: string; env?: unknown[] }[] }).containers;
  assert.deepEqual(cs.map((x) => [x.name, x.image]), [["a", "x:1"], ["b", "y:2"]]);
  assert.deepEqual(cs[0]!.env, [{ name: "A", value: "1" }]);
  const forbidden = await api(c, "PATCH", "/api/v1/namespaces/default/pods/patched", { spec: { restartPolicy: "Never" } }, { "content-type": "application/merge-patch+json" });
  assert.equal(forbidden.status, 422);
  assert.match(String(forbidden.body.message), /^Pod "patched" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/);
  const merge = await api(c, "PATCH", "/api/v1/namespaces/default/pods/patched", { metadata: { labels: { x: "y" } } }, { "content-type": "application/merge-patch+json" });
  assert.deepEqual((merge.body.metadata as { labels: unknown }).labels, { x: "y" });
  const jp = await api(c, "PATCH", "/api/v1/namespaces/default/pods/patched", [{ op: "test", path: "/metadata/labels/x", value: "z" }], { "content-type": "application/json-patch+json" });
  assert.equal(jp.status, 422);
  const unsupported = await api(c, "PATCH", "/api/v1/namespaces/default/pods/patched", {}, { "content-type": "text/plain" });
  assert.equal(unsupported.status, 415);
});

test("a service-account token authenticates as the service account (no RBAC: Forbidden on resources)", async () => {
  const t = await api(c, "POST", "/api/v1/namespaces/default/serviceaccounts/default/token", { spec: {} });
  assert.equal(t.status, 201, t.text);
  const token = (t.body.status as { token: string }).token;
  const who = await fetch(`${c.server}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" }),
  });
  assert.equal(((await who.json()) as { status: { userInfo: { username: string } } }).status.userInfo.username, "system:serviceaccount:default:default");
  const list = await fetch(`${c.server}/api/v1/namespaces/default/pods`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(list.status, 403);
  assert.equal(
    ((await list.json()) as { message: string }).message,
    'pods is forbidden: User "system:serviceaccount:default:default" cannot list resource "pods" in API group "" in the namespace "default"',
  );
});

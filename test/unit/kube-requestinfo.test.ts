// The API server's request info (k8s.io/apiserver's RequestInfoFactory): verb, group, version, resource,
// subresource, namespace and name from method, path and query alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { requestInfo } from "../../src/kube/apiserver/requestInfo.js";

test("request info of resource and non-resource paths", () => {
  type Want = { verb: string; group?: string; version?: string; resource?: string; subresource?: string; namespace?: string; name?: string; parts?: string[] } | { nonResource: string[]; verb: string };
  const cases: [string, string, Record<string, string>, Want][] = [
    ["GET", "/", {}, { nonResource: [], verb: "get" }],
    ["GET", "/version", {}, { nonResource: ["version"], verb: "get" }],
    ["GET", "/api", {}, { nonResource: ["api"], verb: "get" }],
    ["GET", "/api/v1", {}, { nonResource: ["api", "v1"], verb: "get" }],
    ["GET", "/apis/apps/v1", {}, { nonResource: ["apis", "apps", "v1"], verb: "get" }],
    ["GET", "/openapi/v3/api/v1", {}, { nonResource: ["openapi", "v3", "api", "v1"], verb: "get" }],
    ["GET", "/api/v1/pods", {}, { verb: "list", group: "", version: "v1", resource: "pods" }],
    ["GET", "/api/v1/namespaces/default/pods", {}, { verb: "list", version: "v1", resource: "pods", namespace: "default" }],
    ["GET", "/api/v1/namespaces/default/pods", { watch: "true" }, { verb: "watch", resource: "pods", namespace: "default" }],
    ["GET", "/api/v1/namespaces/default/pods", { watch: "1" }, { verb: "watch", resource: "pods", namespace: "default" }],
    ["GET", "/api/v1/namespaces/default/pods", { watch: "false" }, { verb: "list", resource: "pods", namespace: "default" }],
    ["HEAD", "/api/v1/namespaces/default/pods/web", {}, { verb: "get", resource: "pods", namespace: "default", name: "web" }],
    ["GET", "/api/v1/namespaces/default/pods/web", { watch: "true" }, { verb: "watch", resource: "pods", namespace: "default", name: "web" }],
    ["GET", "/api/v1/namespaces/default/pods/web/log", {}, { verb: "get", resource: "pods", subresource: "log", namespace: "default", name: "web" }],
    ["POST", "/api/v1/namespaces/default/pods", {}, { verb: "create", resource: "pods", namespace: "default" }],
    ["POST", "/api/v1/namespaces/ns1/serviceaccounts/sa/token", {}, { verb: "create", resource: "serviceaccounts", subresource: "token", namespace: "ns1", name: "sa" }],
    ["PUT", "/apis/apps/v1/namespaces/ns1/deployments/d/status", {}, { verb: "update", group: "apps", version: "v1", resource: "deployments", subresource: "status", namespace: "ns1", name: "d" }],
    ["PATCH", "/apis/apps/v1/namespaces/ns1/deployments/d/scale", {}, { verb: "patch", group: "apps", resource: "deployments", subresource: "scale", namespace: "ns1", name: "d" }],
    ["DELETE", "/apis/batch/v1/namespaces/ns1/jobs/j", {}, { verb: "delete", group: "batch", resource: "jobs", namespace: "ns1", name: "j" }],
    ["DELETE", "/apis/batch/v1/namespaces/ns1/jobs", {}, { verb: "deletecollection", group: "batch", resource: "jobs", namespace: "ns1" }],
    ["GET", "/api/v1/namespaces", {}, { verb: "list", resource: "namespaces" }],
    ["GET", "/api/v1/namespaces/team", {}, { verb: "get", resource: "namespaces", name: "team" }],
    ["PUT", "/api/v1/namespaces/team/status", {}, { verb: "update", resource: "namespaces", name: "team", subresource: "status" }],
    ["PUT", "/api/v1/namespaces/team/finalize", {}, { verb: "update", resource: "namespaces", name: "team", subresource: "finalize" }],
    ["GET", "/api/v1/namespaces/team/configmaps/c", {}, { verb: "get", resource: "configmaps", namespace: "team", name: "c" }],
    ["GET", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/w", {}, { verb: "get", group: "admissionregistration.k8s.io", resource: "mutatingwebhookconfigurations", name: "w" }],
    ["POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {}, { verb: "create", group: "authentication.k8s.io", resource: "selfsubjectreviews" }],
    ["GET", "/api/v1/namespaces/a%2Fb/pods", {}, { verb: "list", resource: "pods", namespace: "a/b" }],
    ["GET", "/api/v1/namespaces/default/pods/web/log/extra", {}, { verb: "get", resource: "pods", namespace: "default", parts: ["pods", "web", "log", "extra"] }],
    ["OPTIONS", "/api/v1/pods", {}, { verb: "options", resource: "pods" }],
  ];
  for (const [method, path, query, want] of cases) {
    const got = requestInfo(method, path, query);
    const label = `${method} ${path} ${JSON.stringify(query)}`;
    assert.equal(got.verb, want.verb, label);
    if ("nonResource" in want) {
      assert.equal(got.isResourceRequest, false, label);
      assert.deepEqual(got.parts, want.nonResource, label);
      continue;
    }
    assert.equal(got.isResourceRequest, true, label);
    if (!got.isResourceRequest) continue;
    for (const k of ["group", "version", "resource", "subresource", "namespace", "name", "parts"] as const) {
      if (want[k] !== undefined) assert.deepEqual(got[k], want[k], `${label}: ${k}`);
    }
    if (want.namespace === undefined) assert.equal(got.namespace, undefined, `${label}: namespace`);
    if (want.name === undefined && want.parts === undefined) assert.equal(got.name, undefined, `${label}: name`);
    if (want.subresource === undefined && want.parts === undefined) assert.equal(got.subresource, "", `${label}: subresource`);
  }
});

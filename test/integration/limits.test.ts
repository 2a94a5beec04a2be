// Request limits (issue 12, item 5): body size, JSON depth, and request heads over the parser's 16 KB, each answered
// in the words of the service behind the path (sources in src/arm/ArmError.ts, src/platform/jsonDepth.ts and
// src/platform/clientErrors.ts).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:https";
import type { Lab } from "../../src/index.js";
import { startTestLab } from "../helpers/lab.js";
import { makeCluster, type TestCluster } from "../helpers/kube.js";
import { KUBE_LAB_MAX_DEPTH } from "../../src/kube/apiserver/registry.js";

let lab: Lab;
let cluster: TestCluster;
let arm: string;
let kv: string;
const VAULT = "kv-limits";

async function token(scope: string): Promise<string> {
  const r = await fetch(`${lab.authorityHost}/${lab.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: lab.admin.clientId, client_secret: lab.admin.clientSecret, scope }),
  });
  return ((await r.json()) as { access_token: string }).access_token;
}

before(async () => {
  lab = await startTestLab({ manageHosts: false });
  cluster = await makeCluster(lab, { name: "limits" });
  arm = await token("https://management.azure.com/.default");
  kv = await token("https://vault.azure.net/.default");
  const rg = `${lab.armEndpoint}/subscriptions/${lab.subscriptionId}/resourceGroups/rg-limits`;
  const h = { authorization: `Bearer ${arm}`, "content-type": "application/json" };
  assert.ok((await fetch(`${rg}?api-version=2021-04-01`, { method: "PUT", headers: h, body: JSON.stringify({ location: "westeurope" }) })).ok);
  const vault = await fetch(`${rg}/providers/Microsoft.KeyVault/vaults/${VAULT}?api-version=2023-07-01`, {
    method: "PUT",
    headers: h,
    body: JSON.stringify({ location: "westeurope", properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, accessPolicies: [{ tenantId: lab.tenantId, objectId: lab.admin.objectId, permissions: { secrets: ["all"] } }] } }),
  });
  assert.ok(vault.ok, await vault.text());
});
after(async () => {
  cluster?.cleanup();
  await lab?.stop();
});

/** One request on a connection of its own, to the lab's port, with a Host header of our choosing. */
function raw(o: { host?: string; method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const host = o.host ?? "localhost";
    const r = request({ host: "127.0.0.1", port: lab.port, servername: host, method: o.method ?? "GET", path: o.path, agent: false, headers: { host: `${host}:${lab.port}`, ...o.headers } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body }));
    });
    r.on("error", reject);
    r.end(o.body);
  });
}

const nest = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

test("ARM: a body over 4 MB is 413 RequestContentTooLarge, as ARM words it", async () => {
  const r = await raw({ method: "PUT", path: `/subscriptions/${lab.subscriptionId}/resourceGroups/rg-big?api-version=2021-04-01`, headers: { authorization: `Bearer ${arm}`, "content-type": "application/json" }, body: JSON.stringify({ location: "westeurope", tags: { pad: "x".repeat(4 * 1024 * 1024) } }) });
  assert.equal(r.status, 413);
  assert.deepEqual(JSON.parse(r.body), { error: { code: "RequestContentTooLarge", message: "The request content size exceeds the maximum size of 4 MB." } });
});

test("ARM: JSON nested deeper than Json.NET's MaxDepth of 64 is InvalidRequestContent with its path and position; 64 levels are read", async () => {
  const path = `/subscriptions/${lab.subscriptionId}/resourceGroups/rg-deep?api-version=2021-04-01`;
  const h = { authorization: `Bearer ${arm}`, "content-type": "application/json" };
  // The body object is level 1 and `tags` level 2: 62 more arrays reach 64, 63 more pass it.
  let r = await raw({ method: "PUT", path, headers: h, body: `{"location":"westeurope","properties":{"x":${nest(62)}}}` });
  assert.equal(r.status, 201, r.body);
  const body = `{"location":"westeurope","properties":{"x":${nest(63)}}}`;
  r = await raw({ method: "PUT", path, headers: h, body });
  assert.equal(r.status, 400);
  const position = body.indexOf("[") + 63;
  assert.deepEqual(JSON.parse(r.body), {
    error: { code: "InvalidRequestContent", message: `The request content was invalid and could not be deserialized: 'The reader's MaxDepth of 64 has been exceeded. Path 'properties.x${"[0]".repeat(62)}', line 1, position ${position}.'.` },
  });
});

test("Key Vault: JSON deeper than 64 levels is 400 BadParameter naming Json.NET's limit", async () => {
  const r = await raw({ host: `${VAULT}.vault.localhost`, method: "PUT", path: "/secrets/deep?api-version=7.4", headers: { authorization: `Bearer ${kv}`, "content-type": "application/json" }, body: `{"value":"v","tags":{"t":${nest(100)}}}` });
  assert.equal(r.status, 400, r.body);
  const e = (JSON.parse(r.body) as { error: { code: string; message: string } }).error;
  assert.equal(e.code, "BadParameter");
  assert.match(e.message, /The reader's MaxDepth of 64 has been exceeded\. Path 'tags\.t(\[0\])+', line 1, position \d+\./);
});

test("Kubernetes: Go's limit (exceeded max depth) for JSON and YAML, and no JavaScript error text below it", async () => {
  const h = { authorization: `Bearer ${cluster.record.adminToken}`, "content-type": "application/json" };
  const path = `/k8s/${cluster.record.clusterId}/api/v1/namespaces/default/configmaps`;
  for (const depth of [10_001, KUBE_LAB_MAX_DEPTH]) {
    const r = await raw({ method: "POST", path, headers: h, body: `{"metadata":{"name":"deep"},"extra":${nest(depth)}}` });
    assert.equal(r.status, 400);
    assert.equal((JSON.parse(r.body) as { message: string }).message, "couldn't get version/kind; json parse error: exceeded max depth");
  }
  // Just below the lab's bound: kube's own answer (annotations must be strings), not a stack overflow.
  const deepObj = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
  let r = await raw({ method: "POST", path, headers: h, body: `{"metadata":{"name":"deep","annotations":${deepObj(KUBE_LAB_MAX_DEPTH - 5)}}}` });
  assert.equal(r.status, 400);
  assert.match((JSON.parse(r.body) as { message: string }).message, /cannot unmarshal object into Go struct field ObjectMeta\.metadata\.annotations of type string/);
  for (const depth of [1500, 5000]) {
    r = await raw({ method: "POST", path, headers: { ...h, "content-type": "application/yaml" }, body: `metadata: {name: deep, labels: ${deepObj(depth)}}` });
    assert.equal(r.status, 400);
    assert.equal((JSON.parse(r.body) as { message: string }).message, "couldn't get version/kind; json parse error: error converting YAML to JSON: yaml: exceeded max depth of 10000");
  }
  r = await raw({ method: "POST", path, headers: h, body: `{"metadata":{"name":"shallow"},"data":{"a":"b"},"extra":${nest(100)}}` });
  assert.equal(r.status, 201, r.body);
});

test("a request head over 16 KB: ARM and Key Vault 431 without a body, the Kubernetes API Go's 431 text, Graph HTTP.sys's page", async () => {
  const big = { "x-padding": "a".repeat(20_000) };
  let r = await raw({ path: `/subscriptions/${lab.subscriptionId}/resourceGroups?api-version=2021-04-01`, headers: { authorization: `Bearer ${arm}`, ...big } });
  assert.deepEqual([r.status, r.body], [431, ""]);
  r = await raw({ host: `${VAULT}.vault.localhost`, path: "/secrets?api-version=7.4", headers: big });
  assert.deepEqual([r.status, r.body], [431, ""]);
  r = await raw({ path: `/k8s/${cluster.record.clusterId}/api/v1/namespaces`, headers: big });
  assert.deepEqual([r.status, r.type, r.body], [431, "text/plain; charset=utf-8", "431 Request Header Fields Too Large"]);
  r = await raw({ path: `/k8s/${cluster.record.clusterId}/api/v1/namespaces/${"n".repeat(20_000)}` });
  assert.deepEqual([r.status, r.body], [431, "431 Request Header Fields Too Large"]);
  r = await raw({ path: "/v1.0/servicePrincipals", headers: big });
  assert.equal(r.status, 400);
  assert.match(r.body, /<h2>Bad Request - Request Too Long<\/h2>\r\n<hr><p>HTTP Error 400\. The size of the request headers is too long\.<\/p>/);
  // The lab still answers normally afterwards.
  r = await raw({ path: `/subscriptions/${lab.subscriptionId}/resourceGroups?api-version=2021-04-01`, headers: { authorization: `Bearer ${arm}` } });
  assert.equal(r.status, 200);
});

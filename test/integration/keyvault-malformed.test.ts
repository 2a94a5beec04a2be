import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:https";
import { startTestLab, policyVault } from "../helpers/lab.js";
import type { Lab } from "../../src/index.js";

/**
 * Inputs no SDK would send. Each must get Key Vault's client error (4xx, `{"error":{"code","message"}}`),
 * never a 500 or a dropped connection, and every 401 must carry the Bearer challenge.
 */
const RG = "rg-kv-bad";
const VAULT = "kv-bad-input";
let lab: Lab;
let vaultHost: string;
let vaultToken: string;
let armToken: string;

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: { error?: { code?: string; message?: string; innererror?: { code?: string } } } & Record<string, unknown>;
}

/** One HTTPS request to the lab, with any Host header (the lab answers every vault host on one listener). */
function raw(method: string, host: string, path: string, o: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname: "localhost", port: lab.port, servername: "localhost", ca: lab.caCert, method, path, headers: { host, ...(o.body !== undefined ? { "content-length": String(Buffer.byteLength(o.body)) } : {}), ...o.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          let json: RawResponse["json"];
          try {
            json = body ? (JSON.parse(body) as RawResponse["json"]) : {};
          } catch {
            json = {};
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
      },
    );
    req.on("error", reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

function assertKvError(r: RawResponse, status: number, code: string, message?: RegExp): void {
  assert.equal(r.status, status, r.body);
  assert.equal(r.json.error?.code, code, r.body);
  assert.equal(typeof r.json.error?.message, "string");
  if (message) assert.match(r.json.error!.message!, message);
}

function assertChallenge(r: RawResponse): void {
  const h = r.headers["www-authenticate"];
  assert.equal(typeof h, "string", "every 401 carries WWW-Authenticate");
  assert.equal(h, `Bearer authorization="${lab.authorityHost}/${lab.tenantId}", resource="https://vault.localhost:${lab.port}"`);
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");

before(async () => {
  lab = await startTestLab();
  ({ vaultHost, kvToken: vaultToken, armToken } = await policyVault(lab, RG, VAULT));
});

after(async () => {
  await lab?.stop();
});

const auth = () => ({ authorization: `Bearer ${vaultToken}` });

test("the first, unauthenticated request gets the challenge before its body is looked at", async () => {
  const r = await raw("PUT", vaultHost, "/secrets/x?api%2Dversion=2025-07-01", { headers: { "content-type": "application/json" }, body: "{not json" });
  assertKvError(r, 401, "Unauthorized", /^AKV10000: Request is missing a Bearer or PoP token\.$/);
  assertChallenge(r);
  const empty = await raw("PUT", vaultHost, "/secrets/x?api%2Dversion=2025-07-01", { headers: { "content-type": "application/json" }, body: "" });
  assert.equal(empty.status, 401);
  assertChallenge(empty);
});

test("garbage, alg:none, wrong-audience and non-Bearer tokens get 401 with the challenge", async () => {
  const none = `${b64({ alg: "none", typ: "JWT" })}.${b64({ aud: `https://vault.localhost:${lab.port}`, iss: `https://sts.windows.net/${lab.tenantId}/`, oid: "x", appid: "y", tid: lab.tenantId, exp: 9_999_999_999 })}.`;
  const unknownKid = `${b64({ alg: "RS256", typ: "JWT", kid: "nope" })}.${b64({ aud: "x" })}.c2ln`;
  for (const [label, header, message] of [
    ["garbage", "Bearer abc", undefined],
    ["alg none", `Bearer ${none}`, undefined],
    ["unknown key", `Bearer ${unknownKid}`, /^AKV10046: Unable to resolve the key used for signature validation\./],
    ["ARM token", `Bearer ${armToken}`, /^AKV10022: Invalid audience\. Expected https:\/\/vault\.localhost:\d+, found: https:\/\/management\.azure\.com/],
    ["Basic", "Basic dXNlcjpwYXNz", /^AKV10000/],
  ] as const) {
    const r = await raw("GET", vaultHost, "/secrets/x/?api-version=7.5", { headers: { authorization: header } });
    assertKvError(r, 401, "Unauthorized", message);
    assertChallenge(r);
    assert.ok(label);
  }
});

test("missing and unknown api-version", async () => {
  assertKvError(await raw("GET", vaultHost, "/secrets", { headers: auth() }), 400, "BadParameter", /api-version/);
  assertKvError(await raw("GET", vaultHost, "/secrets?api-version=9.9", { headers: auth() }), 400, "BadParameter", /^The specified version \(9\.9\) is not recognized\./);
  for (const v of ["7.0", "7.3", "7.4", "7.5", "7.6", "2025-07-01", "7.6-preview.2"]) {
    assert.equal((await raw("GET", vaultHost, `/secrets?api-version=${v}`, { headers: auth() })).status, 200, v);
  }
});

test("invalid secret names get BadParameter", async () => {
  for (const name of ["bad_name", "bad%20name", "a".repeat(128), "caf%C3%A9"]) {
    const r = await raw("PUT", vaultHost, `/secrets/${name}?api-version=7.5`, { headers: { ...auth(), "content-type": "application/json" }, body: '{"value":"x"}' });
    assertKvError(r, 400, "BadParameter", /^The request URI contains an invalid name: /);
  }
  const ok = await raw("PUT", vaultHost, `/secrets/${"a".repeat(127)}?api-version=7.5`, { headers: { ...auth(), "content-type": "application/json" }, body: '{"value":"x"}' });
  assert.equal(ok.status, 200, ok.body);
});

test("malformed JSON, wrong shapes, oversized values and bodies", async () => {
  const put = (body: string, ct = "application/json") => raw("PUT", vaultHost, "/secrets/shape?api-version=7.5", { headers: { ...auth(), "content-type": ct }, body });
  assertKvError(await put("{not json"), 400, "BadParameter");
  assertKvError(await put("[1,2]"), 400, "BadParameter");
  assertKvError(await put('{"value": 42}'), 400, "BadParameter");
  assertKvError(await put('{"value":"x","attributes":{"enabled":"yes"}}'), 400, "BadParameter");
  assertKvError(await put(JSON.stringify({ value: "x", tags: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, "v"])) })), 400, "BadParameter");
  assertKvError(await put(JSON.stringify({ value: "x".repeat(25 * 1024 + 1) })), 400, "BadParameter");
  assert.equal((await put(JSON.stringify({ value: "x".repeat(25 * 1024) }))).status, 200);
  const huge = await put(JSON.stringify({ value: "x".repeat(2 * 1024 * 1024) }));
  assert.ok(huge.status === 413, huge.body);
  assert.equal(typeof huge.json.error?.code, "string");
  assertKvError(await put("value=x", "text/plain"), 400, "BadParameter");
  assertKvError(await raw("POST", vaultHost, "/secrets/restore?api-version=7.5", { headers: { ...auth(), "content-type": "application/json" }, body: '{"value":"AAAA"}' }), 400, "BadParameter");
  assertKvError(await raw("GET", vaultHost, "/secrets?api-version=7.5&maxresults=26", { headers: auth() }), 400, "BadParameter");
  assertKvError(await raw("GET", vaultHost, "/secrets?api-version=7.5&$skiptoken=%%%", { headers: auth() }), 400, "BadParameter");
  // The lab is still serving.
  assert.equal((await raw("GET", vaultHost, "/secrets/shape/?api-version=7.5", { headers: auth() })).status, 200);
});

test("unknown secrets, versions and vaults are 404s", async () => {
  const r = await raw("GET", vaultHost, "/secrets/missing/?api-version=7.5", { headers: auth() });
  assertKvError(r, 404, "SecretNotFound", /^A secret with \(name\/id\) missing was not found in this key vault\./);
  assertKvError(await raw("GET", vaultHost, "/secrets/shape/0123456789abcdef0123456789abcdef?api-version=7.5", { headers: auth() }), 404, "SecretNotFound");
  const noVault = await raw("GET", `kv-nowhere.vault.localhost:${lab.port}`, "/secrets/x?api-version=7.5");
  assert.equal(noVault.status, 404);
  assert.ok(noVault.headers["x-wilab-hint"]);
});

test("the data plane answers only on vault hosts", async () => {
  const r = await raw("GET", `localhost:${lab.port}`, "/secrets?api-version=7.5", { headers: auth() });
  assert.equal(r.status, 404);
  assert.notEqual(r.json.error?.code, "Unauthorized");
});

test("ARM: a vault PUT without sku or properties is a 400, not a 500", async () => {
  const path = `/subscriptions/${lab.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/kv-raw?api-version=2023-07-01`;
  const headers = { authorization: `Bearer ${armToken}`, "content-type": "application/json" };
  const host = `localhost:${lab.port}`;
  for (const body of [
    JSON.stringify({ location: "westeurope", properties: { tenantId: lab.tenantId } }),
    JSON.stringify({ location: "westeurope" }),
    JSON.stringify({ properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" } } }),
    JSON.stringify({ location: "westeurope", properties: { tenantId: "not-a-guid", sku: { family: "A", name: "standard" } } }),
    JSON.stringify({ location: "westeurope", properties: { tenantId: lab.tenantId, sku: { family: "A", name: "gold" } } }),
    "{oops",
  ]) {
    const r = await raw("PUT", host, path, { headers, body });
    assert.equal(r.status, 400, `${body}: ${r.body}`);
    assert.equal(typeof r.json.error?.code, "string");
  }
});

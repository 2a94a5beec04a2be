// The lab log for ARM and kube-apiserver failures and the per-request `debug` lines, captured with startLab's
// logWrite (JSON lines), and `wilab up --log-level debug --log-format json` writing them to stderr.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ClientAssertionCredential } from "@azure/identity";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { startTestLab, adminCredential, armClientOptions } from "../helpers/lab.js";
import { startTestIssuer, type TestIssuer } from "../helpers/testIssuer.js";
import { api, makeCluster, type TestCluster } from "../helpers/kube.js";
import { captureLabLog, type LogLine } from "../helpers/labLog.js";
import type { Lab } from "../../src/index.js";

const bin = resolve(import.meta.dirname, "../../../bin/wilab");
const SUBJECT = "system:serviceaccount:default:app";

let lab: Lab;
let issuer: TestIssuer;
let cluster: TestCluster;
const { raw, lines, logWrite } = captureLabLog();

before(async () => {
  lab = await startTestLab({
    logLevel: "debug",
    logFormat: "json",
    logWrite,
  });
  issuer = await startTestIssuer(lab);
  await new ResourceManagementClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab)).resourceGroups.createOrUpdate("rg-log", { location: "westeurope" });
  cluster = await makeCluster(lab, { name: "aks-log" });
});

after(async () => {
  cluster?.cleanup();
  await issuer?.stop();
  await lab?.stop();
});

test("ARM 403: one warn line naming the operation, status, code, the caller's client and object ids, and the hint", async () => {
  const msi = new ManagedServiceIdentityClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab));
  const id = await msi.userAssignedIdentities.createOrUpdate("rg-log", "no-roles", { location: "westeurope" });
  await msi.federatedIdentityCredentials.createOrUpdate("rg-log", "no-roles", "fic", { issuer: issuer.issuer, subject: SUBJECT, audiences: ["api://AzureADTokenExchange"] });
  const assertion = await issuer.sign({ sub: SUBJECT });
  const cred = new ClientAssertionCredential(lab.tenantId, id.clientId!, async () => assertion, { authorityHost: lab.authorityHost, disableInstanceDiscovery: true });
  const token = (await cred.getToken("https://management.azure.com/.default"))!.token;
  const path = `/subscriptions/${lab.subscriptionId}/resourcegroups`;
  const res = await fetch(`${lab.armEndpoint}${path}?api-version=2021-04-01`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 403);

  const line = lines.find((l) => l.face === "arm" && l.status === 403);
  assert.ok(line, "an ARM 403 line");
  assert.equal(line.level, "warn");
  assert.equal(line.op, `GET ${path}`);
  assert.equal(line.code, "AuthorizationFailed");
  assert.deepEqual(line.caller, { clientId: id.clientId, objectId: id.principalId });
  assert.match(line.hint ?? "", new RegExp(`no role assigned to ${id.principalId} at '${path}' or above grants Microsoft\\.Resources/subscriptions/resourceGroups/read`));

  // Tokens and secrets never appear in full in any line.
  for (const secret of [token, assertion, lab.admin.clientSecret, lab.admin.password]) {
    assert.ok(!raw.some((l) => l.includes(secret)), "a token or secret was printed in full");
  }
});

test("ARM: no token is a warn line without a caller; a GET that finds nothing is info", async () => {
  const none = await fetch(`${lab.armEndpoint}/subscriptions/${lab.subscriptionId}/resourcegroups?api-version=2021-04-01`);
  assert.equal(none.status, 401);
  const l401 = lines.find((l) => l.face === "arm" && l.status === 401);
  assert.ok(l401);
  assert.equal(l401.level, "warn");
  assert.equal(l401.code, "AuthenticationFailed");
  assert.equal(l401.caller, undefined);

  const token = (await adminCredential(lab).getToken("https://management.azure.com/.default"))!.token;
  const missing = await fetch(`${lab.armEndpoint}/subscriptions/${lab.subscriptionId}/resourcegroups/nope?api-version=2021-04-01`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(missing.status, 404);
  const l404 = lines.find((l) => l.face === "arm" && l.status === 404 && l.op.endsWith("/resourcegroups/nope"));
  assert.ok(l404);
  assert.equal(l404.level, "info");
  assert.equal(l404.code, "ResourceGroupNotFound");
  assert.equal(l404.caller?.objectId, lab.admin.objectId);
});

test("kube-apiserver: Forbidden names the verb, resource, reason and user; NotFound on get is debug; a bad token is warn", async () => {
  const tr = await api(cluster, "POST", "/api/v1/namespaces/default/serviceaccounts/default/token", { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} });
  const saToken = (tr.body.status as { token: string }).token;
  const res = await fetch(`${cluster.server}/api/v1/namespaces/default/pods`, { headers: { authorization: `Bearer ${saToken}` } });
  assert.equal(res.status, 403);
  const forbidden = lines.find((l) => l.face === "kube" && l.status === 403);
  assert.ok(forbidden);
  assert.equal(forbidden.level, "warn");
  assert.equal(forbidden.op, "list pods");
  assert.equal(forbidden.code, "Forbidden");
  assert.equal(forbidden.caller?.upn, "system:serviceaccount:default:default");
  assert.equal(forbidden.fields?.cluster, "aks-log");

  assert.equal((await api(cluster, "GET", "/api/v1/namespaces/default/pods/nope")).status, 404);
  const nf = lines.find((l) => l.face === "kube" && l.status === 404 && l.op === "get pods");
  assert.ok(nf);
  assert.equal(nf.level, "debug");
  assert.equal(nf.code, "NotFound");
  assert.equal(nf.caller?.upn, "system:admin");

  const bad = await fetch(`${cluster.server}/api/v1/namespaces`, { headers: { authorization: "Bearer not-a-token" } });
  assert.equal(bad.status, 401);
  const unauth = lines.find((l) => l.face === "kube" && l.status === 401);
  assert.ok(unauth);
  assert.equal(unauth.level, "warn");
  assert.equal(unauth.code, "Unauthorized");
  assert.ok(!raw.some((l) => l.includes(saToken)));
});

test("debug: one line per request with method, host, path, status and duration", async () => {
  const res = await fetch(`${lab.url}/metadata/endpoints?api-version=2019-05-01`);
  assert.equal(res.status, 200);
  await res.text();
  // The debug line is written when the response is finished: wait for it without assuming a duration.
  let line: LogLine | undefined;
  for (let i = 0; i < 200 && !line; i++) {
    line = lines.find((l) => l.level === "debug" && l.op === "GET /metadata/endpoints");
    if (!line) await new Promise((r) => setImmediate(r));
  }
  assert.ok(line, "a debug line for the request");
  assert.equal(line.face, "arm");
  assert.equal(line.status, 200);
  assert.equal(line.fields?.host, `localhost:${lab.port}`);
  assert.equal(typeof line.fields?.durationMs, "number");
  for (const l of lines) assert.ok(["debug", "info", "warn", "error"].includes(l.level) && typeof l.time === "string" && typeof l.face === "string");
});

test("wilab up --log-level debug --log-format json: lab log lines on stderr, the ready line alone on stdout", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "wilab-up-log-"));
  const caDir = process.env.WILAB_TEST_CA_DIR!;
  copyFileSync(join(caDir, "ca.crt"), join(dataDir, "ca.crt"));
  copyFileSync(join(caDir, "ca.key"), join(dataDir, "ca.key"));
  const proc = spawn(process.execPath, [bin, "up", "--data-dir", dataDir, "--memory", "--port", "0", "--log-level", "debug", "--log-format", "json", "--realistic"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
  try {
    const url = await new Promise<string>((res, rej) => {
      proc.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /wilab ready on (https:\/\/localhost:\d+)/.exec(out);
        if (m) res(m[1]!);
      });
      proc.on("exit", (code) => rej(new Error(`wilab up exited with ${code}: ${out} ${err}`)));
    });
    const r = await fetch(`${url}/subscriptions?api-version=2022-12-01`);
    assert.equal(r.status, 401);
    await r.text();
    const seen = async (re: RegExp) => {
      for (let i = 0; i < 400 && !re.test(err); i++) await new Promise((res) => setTimeout(res, 5));
      return re.test(err);
    };
    assert.ok(await seen(/"level":"debug"[^\n]*"op":"GET \/subscriptions"/), err);
    const parsed = err
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as LogLine);
    const l401 = parsed.find((l) => l.face === "arm" && l.status === 401 && l.level === "warn");
    assert.ok(l401, err);
    const prop = parsed.find((l) => l.face === "lab" && l.op === "propagation");
    assert.deepEqual(prop?.fields, { ficSeconds: 30, rbacSeconds: 300 }, "--realistic: 30 s and 5 min");
    assert.doesNotMatch(out, /"level"/, "stdout has no log lines");
  } finally {
    proc.kill("SIGTERM");
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
});

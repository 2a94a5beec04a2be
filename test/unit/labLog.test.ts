// The lab log (src/platform/labLog.ts): levels, text and JSON lines, redaction; and which face a request is for.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LabLog, parseLogFormat, parseLogLevel, redact, redactTokens, type LogEntry, type LogLevel } from "../../src/platform/labLog.js";
import { faceOfRequest } from "../../src/platform/requestLog.js";

const NOW = Date.parse("2030-01-02T03:04:05.000Z");
const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDp3aSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU";

function capture(level: LogLevel, format: "text" | "json" = "text"): { log: LabLog; lines: string[] } {
  const lines: string[] = [];
  return { log: new LabLog({ level, format, write: (l) => lines.push(l), now: () => NOW }), lines };
}

const LEVELS: [LogLevel, LogLevel, boolean][] = [
  ["info", "debug", false],
  ["info", "info", true],
  ["info", "error", true],
  ["warn", "info", false],
  ["error", "warn", false],
  ["debug", "debug", true],
];
for (const [at, entry, printed] of LEVELS) {
  test(`level ${at}: a ${entry} line is ${printed ? "printed" : "dropped"} (listeners see it anyway)`, () => {
    const { log, lines } = capture(at);
    const seen: string[] = [];
    log.subscribe((e) => seen.push(e.op));
    log.log({ level: entry, face: "arm", op: "x" });
    assert.equal(lines.length, printed ? 1 : 0);
    assert.deepEqual(seen, ["x"]);
  });
}

const ENTRY: LogEntry = {
  level: "warn",
  face: "arm",
  op: "PUT /subscriptions/s/resourceGroups/rg",
  status: 403,
  code: "AuthorizationFailed",
  caller: { clientId: "app-1", objectId: "oid-1", upn: "admin@lab" },
  fields: { scope: "/subscriptions/s", n: 2, skipped: undefined },
  correlationId: "corr-1",
  hint: "no role grants it",
};

test("text line: time, level, face, op, status, code, caller, fields, correlation, hint", () => {
  const { log, lines } = capture("info");
  log.log(ENTRY);
  assert.equal(
    lines[0],
    '2030-01-02T03:04:05.000Z WARN  [arm] PUT /subscriptions/s/resourceGroups/rg 403 AuthorizationFailed caller(admin@lab client=app-1 oid=oid-1) scope=/subscriptions/s n=2 correlation=corr-1 — hint: no role grants it',
  );
});

test("json line: one object per line with every field", () => {
  const { log, lines } = capture("info", "json");
  log.log(ENTRY);
  const o = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(o.time, "2030-01-02T03:04:05.000Z");
  assert.equal(o.face, "arm");
  assert.equal(o.code, "AuthorizationFailed");
  assert.deepEqual(o.caller, ENTRY.caller);
  assert.equal(o.hint, ENTRY.hint);
  assert.doesNotMatch(lines[0]!, /\n/);
});

test("text values with spaces or quotes are quoted", () => {
  const { log, lines } = capture("info");
  log.log({ level: "info", face: "lab", op: "x", fields: { msg: 'a "b" c' } });
  assert.match(lines[0]!, / msg="a \\"b\\" c"$/);
});

test("tokens in hints, messages and fields are never printed in full", () => {
  for (const format of ["text", "json"] as const) {
    const { log, lines } = capture("info", format);
    log.log({ level: "warn", face: "entra", op: "token", hint: `the assertion ${JWT} has the wrong subject`, message: `got ${JWT}`, fields: { assertion: JWT } });
    assert.doesNotMatch(lines[0]!, new RegExp(JWT.slice(20, 60)));
    assert.match(lines[0]!, /eyJhbGci…/);
  }
  assert.equal(redactTokens(`x ${JWT} y`), `x ${redact(JWT)} y`);
  assert.equal(redact("short"), "…");
  assert.equal(redact("0123456789abcdefXYZ"), "01234567…fXYZ");
});

test("a sink that throws does not throw out of log()", () => {
  const log = new LabLog({ level: "debug", write: () => { throw new Error("EPIPE"); } });
  log.log({ level: "error", face: "lab", op: "x" });
});

test("parseLogLevel / parseLogFormat name the choices", () => {
  assert.equal(parseLogLevel("debug"), "debug");
  assert.equal(parseLogFormat("json"), "json");
  assert.throws(() => parseLogLevel("verbose"), /--log-level must be one of debug, info, warn, error; got 'verbose'/);
  assert.throws(() => parseLogFormat("yaml"), /--log-format must be one of text, json/);
});

const FACES: [string, string, string][] = [
  ["kv1.vault.localhost:8443", "/secrets/s", "keyvault"],
  ["kv1.vault.azure.net", "/secrets/s", "keyvault"],
  ["management.azure.com", "/subscriptions", "arm"],
  ["localhost:8443", "/subscriptions/x/resourceGroups", "arm"],
  ["localhost:8443", "/providers/Microsoft.Authorization/operations", "arm"],
  ["localhost:8443", "/k8s/abc/api/v1/pods", "kube"],
  ["localhost:8443", "/oidc/t/c/.well-known/openid-configuration", "kube"],
  ["oidcdiscovery-westeurope-endpoint-0123456789abcdef.000.azurefd.net", "/t/c/openid/v1/jwks", "kube"],
  ["localhost:8443", "/webhooks/azure-wi/abc/mutate", "webhook"],
  ["localhost:8443", "/_wilab/faults", "lab"],
  ["localhost:8443", "/v1.0/me", "graph"],
  ["graph.microsoft.com", "/v1.0/me", "graph"],
  ["login.microsoftonline.com", "/tenant/oauth2/v2.0/token", "entra"],
  ["localhost:8443", "/tenant/oauth2/v2.0/token", "entra"],
];
for (const [host, path, face] of FACES) {
  test(`faceOfRequest(${host}, ${path}) → ${face}`, () => assert.equal(faceOfRequest(host, path), face));
}

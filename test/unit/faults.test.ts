// Fault injection's bookkeeping (src/platform/faults.ts): what each face sees, counted faults, propagation
// overrides, change notifications, and the validation of `POST /_wilab/faults` bodies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Faults, describeFault, parseFaultRequest, type FaultChange, type FaultRequest, type FaultSpec } from "../../src/platform/faults.js";

const PARSE_OK: [string, FaultRequest, FaultSpec][] = [
  ["issuer by URL", { kind: "issuer-unreachable", issuer: "https://localhost:8443/oidc/t/c/" }, { kind: "issuer-unreachable", issuerPrefix: "https://localhost:8443/oidc/t/c/" }],
  ["issuer with cluster name", { kind: "issuer-unreachable", issuer: "https://x/", cluster: "aks1" }, { kind: "issuer-unreachable", issuerPrefix: "https://x/", cluster: "aks1" }],
  ["latency from CLI strings", { kind: "latency", face: "arm", ms: "800" }, { kind: "latency", face: "arm", ms: 800 }],
  ["latency counted", { kind: "latency", face: "entra", ms: 5, count: "2" }, { kind: "latency", face: "entra", ms: 5, count: 2 }],
  ["throttle default Retry-After", { kind: "throttle", face: "keyvault" }, { kind: "throttle", face: "keyvault" }],
  ["throttle Retry-After and count", { kind: "throttle", face: "entra", retryAfter: "3", count: 1 }, { kind: "throttle", face: "entra", retryAfterS: 3, count: 1 }],
  ["propagation durations", { kind: "propagation", fic: "30s", rbac: "5m" }, { kind: "propagation", ficMs: 30_000, rbacMs: 300_000 }],
  ["propagation bare seconds", { kind: "propagation", fic: "45" }, { kind: "propagation", ficMs: 45_000 }],
  ["propagation ms number", { kind: "propagation", rbac: 1500 }, { kind: "propagation", rbacMs: 1500 }],
];
for (const [name, req, spec] of PARSE_OK) {
  test(`parseFaultRequest: ${name}`, () => assert.deepEqual(parseFaultRequest(req), spec));
}

const PARSE_BAD: [string, FaultRequest, RegExp][] = [
  ["unknown kind", { kind: "meteor" }, /kind must be one of issuer-unreachable, latency, throttle, propagation/],
  ["no kind", {}, /kind must be one of/],
  ["issuer not https", { kind: "issuer-unreachable", issuer: "http://x/" }, /needs a cluster \(--cluster\) or an https issuer URL/],
  ["issuer missing", { kind: "issuer-unreachable", cluster: "aks1" }, /needs a cluster/],
  ["latency without ms", { kind: "latency", face: "arm" }, /latency needs ms/],
  ["latency bad face", { kind: "latency", face: "graph", ms: 5 }, /face must be one of entra, keyvault, arm; got "graph"/],
  ["latency negative", { kind: "latency", face: "arm", ms: "-5" }, /ms must be a whole number from 1 to 600000/],
  ["throttle count zero", { kind: "throttle", face: "arm", count: 0 }, /count must be a whole number from 1/],
  ["throttle retry-after text", { kind: "throttle", face: "arm", retryAfter: "soon" }, /retryAfter must be a whole number/],
  ["propagation empty", { kind: "propagation" }, /propagation needs --fic and\/or --rbac/],
  ["propagation bad duration", { kind: "propagation", fic: "30 parsecs" }, /invalid duration/],
];
for (const [name, req, re] of PARSE_BAD) {
  test(`parseFaultRequest refuses: ${name}`, () => assert.throws(() => parseFaultRequest(req), (e: Error) => e instanceof RangeError && re.test(e.message)));
}

test("take: latency is the largest in force, throttle the oldest; other faces are untouched", () => {
  const f = new Faults(() => 0);
  f.add({ kind: "latency", face: "arm", ms: 10 });
  f.add({ kind: "latency", face: "arm", ms: 50 });
  const t1 = f.add({ kind: "throttle", face: "arm", retryAfterS: 2 });
  f.add({ kind: "throttle", face: "arm", retryAfterS: 9 });
  const hit = f.take("arm");
  assert.equal(hit.latency?.ms, 50);
  assert.equal(hit.throttle?.id, t1.id);
  assert.deepEqual(f.take("keyvault"), {});
  assert.equal(f.latencyMs("arm"), 50);
  assert.equal(f.throttle("arm")?.id, t1.id);
  assert.equal(f.list().length, 4, "uncounted faults stay");
});

test("take: a counted fault affects exactly the next N requests, then clears itself and says so", () => {
  const f = new Faults(() => 0);
  const changes: FaultChange[] = [];
  f.onChange((c) => changes.push(c));
  const t = f.add({ kind: "throttle", face: "keyvault", count: 2 });
  assert.equal(t.remaining, 2);
  assert.equal(f.take("keyvault").throttle?.remaining, 1);
  assert.equal(f.take("keyvault").throttle?.remaining, 0);
  assert.deepEqual(f.take("keyvault"), {});
  assert.deepEqual(f.list(), []);
  assert.equal(changes.length, 3);
  assert.equal(changes[0]!.added?.id, t.id);
  // Each use but the last is a change of its own (replicas on one database count it in the store).
  assert.equal(changes[1]!.spent?.id, t.id);
  assert.equal(changes[1]!.spent?.remaining, 1);
  assert.equal(changes[2]!.cleared?.[0]?.id, t.id);
  assert.equal(changes[2]!.exhausted, true);
});

test("issuerUnreachable: prefix match, case-insensitive; cleared by id", () => {
  const f = new Faults(() => 0);
  const u = f.add({ kind: "issuer-unreachable", issuerPrefix: "https://localhost:8443/oidc/T/c1/" });
  assert.equal(f.issuerUnreachable("https://localhost:8443/oidc/t/c1/")?.id, u.id);
  assert.equal(f.issuerUnreachable("https://localhost:8443/oidc/t/c2/"), undefined);
  assert.deepEqual(f.clear("fault-999"), []);
  assert.equal(f.clear(u.id).length, 1);
  assert.equal(f.issuerUnreachable("https://localhost:8443/oidc/t/c1/"), undefined);
});

test("propagation: the newest fault that sets a delay wins; the configured value otherwise", () => {
  const f = new Faults(() => 0);
  assert.equal(f.ficPropagationMs(7), 7);
  assert.equal(f.rbacPropagationMs(0), 0);
  f.add({ kind: "propagation", ficMs: 30_000, rbacMs: 300_000 });
  const second = f.add({ kind: "propagation", ficMs: 5_000 });
  assert.equal(f.ficPropagationMs(7), 5_000);
  assert.equal(f.rbacPropagationMs(0), 300_000, "the newer fault does not set rbac, so the older one's applies");
  assert.equal(f.propagationFault("fic")?.id, second.id);
  f.clear();
  assert.equal(f.ficPropagationMs(7), 7);
  assert.equal(f.propagationFault("rbac"), undefined);
});

test("add stamps id and time from the given clock; list returns copies", () => {
  const f = new Faults(() => Date.parse("2030-01-02T03:04:05.000Z"));
  const a = f.add({ kind: "latency", face: "entra", ms: 1 });
  const b = f.add({ kind: "latency", face: "entra", ms: 1 });
  assert.notEqual(a.id, b.id);
  assert.equal(a.addedAt, "2030-01-02T03:04:05.000Z");
  const l = f.list();
  (l[0] as { ms: number }).ms = 999;
  assert.equal(f.latencyMs("entra"), 1);
});

test("a failing listener never breaks add, clear or affected", () => {
  const f = new Faults(() => 0);
  f.onChange(() => {
    throw new Error("boom");
  });
  const x = f.add({ kind: "throttle", face: "arm" });
  f.affected({ fault: x, face: "arm", op: "GET /" });
  assert.equal(f.clear().length, 1);
});

const DESCRIBE: [FaultSpec, string][] = [
  [{ kind: "issuer-unreachable", issuerPrefix: "https://i/", cluster: "aks1" }, "issuer-unreachable cluster=aks1 issuer=https://i/"],
  [{ kind: "latency", face: "arm", ms: 800 }, "latency arm ms=800"],
  [{ kind: "throttle", face: "keyvault", count: 2 }, "throttle keyvault retry-after=1s count=2"],
  [{ kind: "propagation", ficMs: 30_000, rbacMs: 300_000 }, "propagation fic=30000ms rbac=300000ms"],
];
for (const [spec, text] of DESCRIBE) {
  test(`describeFault → ${text}`, () => assert.equal(describeFault(spec), text));
}

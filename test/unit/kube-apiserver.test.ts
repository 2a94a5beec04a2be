// Unit tables for the pure parts of the lab's kube-apiserver: selectors, webhook matching, strategic merge,
// strict decoding, Table durations, the protobuf envelope.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseLabelSelector, matchRequirements, matchesLabelSelector, SelectorParseError } from "../../src/kube/apiserver/labelSelector.js";
import { parseFieldSelector, matchFields, checkFieldSelector, FieldSelectorError } from "../../src/kube/apiserver/fieldSelector.js";
import { strategicMerge, jsonMergePatch, StrategicMergeError } from "../../src/kube/apiserver/strategicMerge.js";
import { SCHEMAS, decodeInto } from "../../src/kube/apiserver/schema.js";
import { humanDuration, podCells, wantsTable } from "../../src/kube/apiserver/table.js";
import { defaultPullPolicy } from "../../src/kube/apiserver/defaults.js";
import { decodeProtobuf } from "../../src/kube/apiserver/protobuf.js";
import { ruleMatches, webhookMatches, type MatchAttributes } from "../../src/kube/admission/matching.js";
import type { KubeObject } from "../../src/kube/index.js";

test("label selector strings", () => {
  const labels = { app: "web", tier: "front", env: "" };
  const cases: [string, boolean][] = [
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app!=web", false],
    ["app!=db", true],
    ["missing!=x", true],
    ["app in (web,db)", true],
    ["app in (db)", false],
    ["app notin (db)", true],
    ["missing notin (db)", true],
    ["app", true],
    ["missing", false],
    ["!missing", true],
    ["!app", false],
    ["app=web,tier=front", true],
    ["app=web,tier=back", false],
    [" app = web , tier in ( front ) ", true],
    ["env=", true],
    ["env in ()", true],
  ];
  for (const [sel, want] of cases) assert.equal(matchRequirements(labels, parseLabelSelector(sel)), want, sel);
  for (const bad of ["app in web", "app in (web", "=web", "app=web=x", "a b", "Bad Key!=x"]) {
    assert.throws(() => parseLabelSelector(bad), SelectorParseError, bad);
  }
});

test("label selector objects (objectSelector, namespaceSelector)", () => {
  const labels = { "azure.workload.identity/use": "true", app: "x" };
  const cases: [unknown, boolean][] = [
    [undefined, true],
    [{}, true],
    [{ matchLabels: { "azure.workload.identity/use": "true" } }, true],
    [{ matchLabels: { "azure.workload.identity/use": "false" } }, false],
    [{ matchExpressions: [{ key: "app", operator: "In", values: ["x", "y"] }] }, true],
    [{ matchExpressions: [{ key: "app", operator: "NotIn", values: ["x"] }] }, false],
    [{ matchExpressions: [{ key: "app", operator: "Exists" }] }, true],
    [{ matchExpressions: [{ key: "nope", operator: "DoesNotExist" }] }, true],
    [{ matchLabels: { app: "x" }, matchExpressions: [{ key: "nope", operator: "Exists" }] }, false],
  ];
  for (const [sel, want] of cases) assert.equal(matchesLabelSelector(sel as never, labels), want, JSON.stringify(sel));
  assert.throws(() => matchesLabelSelector({ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }, labels), SelectorParseError);
});

test("field selectors", () => {
  const pod = { metadata: { name: "p", namespace: "ns" }, spec: { nodeName: "n1", serviceAccountName: "sa" }, status: { phase: "Running" } };
  const cases: [string, boolean][] = [
    ["metadata.name=p", true],
    ["metadata.name==p", true],
    ["metadata.name!=p", false],
    ["metadata.namespace=ns,status.phase=Running", true],
    ["status.phase!=Running", false],
    ["spec.nodeName=n1", true],
    ["spec.serviceAccountName=other", false],
    ["spec.restartPolicy=", true],
  ];
  for (const [sel, want] of cases) {
    const reqs = parseFieldSelector(sel);
    checkFieldSelector("pods", reqs);
    assert.equal(matchFields("pods", pod, reqs), want, sel);
  }
  assert.deepEqual(parseFieldSelector("metadata.name=a\\,b"), [{ field: "metadata.name", op: "=", value: "a,b" }]);
  assert.throws(() => checkFieldSelector("pods", parseFieldSelector("spec.foo=x")), { message: "field label not supported: spec.foo" });
  assert.throws(() => checkFieldSelector("configmaps", parseFieldSelector("status.phase=x")), FieldSelectorError);
  assert.throws(() => parseFieldSelector("nonsense"), FieldSelectorError);
});

test("webhook rules: operations, groups, versions, resources and subresources, scope", () => {
  const a = (o: Partial<MatchAttributes> = {}): MatchAttributes => ({
    operation: "CREATE",
    group: "",
    version: "v1",
    resource: "pods",
    subresource: "",
    namespace: "default",
    objectLabels: {},
    namespaceLabels: {},
    clusterScoped: false,
    isNamespace: false,
    ...o,
  });
  const rule = { operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] };
  const cases: [Record<string, unknown>, Partial<MatchAttributes>, boolean][] = [
    [rule, {}, true],
    [rule, { operation: "UPDATE" }, false],
    [{ ...rule, operations: ["*"] }, { operation: "UPDATE" }, true],
    [rule, { subresource: "status" }, false],
    [{ ...rule, resources: ["pods/status"] }, { subresource: "status" }, true],
    [{ ...rule, resources: ["pods/*"] }, { subresource: "log" }, true],
    [{ ...rule, resources: ["pods/*"] }, {}, true], // kube: sub "*" also matches the main resource
    [{ ...rule, resources: ["*"] }, { resource: "configmaps" }, true],
    [{ ...rule, resources: ["*"] }, { subresource: "status" }, false],
    [{ ...rule, resources: ["*/*"] }, { subresource: "status" }, true],
    [{ ...rule, apiGroups: ["apps"] }, {}, false],
    [{ ...rule, apiVersions: ["*"], apiGroups: ["*"] }, {}, true],
    [{ ...rule, scope: "Cluster" }, {}, false],
    [{ ...rule, scope: "Namespaced" }, {}, true],
    [{ ...rule, resources: ["namespaces"], scope: "Cluster" }, { resource: "namespaces", namespace: "x", isNamespace: true, clusterScoped: true }, true],
  ];
  for (const [r, attrs, want] of cases) assert.equal(ruleMatches(r, a(attrs)), want, `${JSON.stringify(r)} ${JSON.stringify(attrs)}`);

  const w = { rules: [rule], objectSelector: { matchLabels: { "azure.workload.identity/use": "true" } }, namespaceSelector: { matchExpressions: [{ key: "team", operator: "NotIn", values: ["x"] }] } };
  assert.equal(webhookMatches(w, a({ objectLabels: { "azure.workload.identity/use": "true" } })), true);
  assert.equal(webhookMatches(w, a({ objectLabels: {} })), false);
  assert.equal(webhookMatches(w, a({ objectLabels: {}, oldObjectLabels: { "azure.workload.identity/use": "true" } })), true);
  assert.equal(webhookMatches(w, a({ objectLabels: { "azure.workload.identity/use": "true" }, namespaceLabels: { team: "x" } })), false);
  assert.equal(webhookMatches({ rules: [] }, a()), false);
});

const podSchema = SCHEMAS.Pod;

test("strategic merge patch for pods: lists by merge key, directives, null deletes", () => {
  const base = {
    metadata: { name: "p", labels: { a: "1", b: "2" }, finalizers: ["f1"] },
    spec: {
      containers: [
        { name: "c1", image: "i:1", env: [{ name: "A", value: "1" }, { name: "B", value: "2" }], volumeMounts: [{ name: "v", mountPath: "/v" }] },
        { name: "c2", image: "j:1" },
      ],
      volumes: [{ name: "v", emptyDir: {} }, { name: "w", configMap: { name: "cm" } }],
      tolerations: [{ key: "t1" }],
    },
  };
  const cases: [string, Record<string, unknown>, (o: typeof base) => void][] = [
    ["merge a container by name", { spec: { containers: [{ name: "c2", image: "j:2" }] } }, (o) => {
      o.spec.containers[1]!.image = "j:2";
    }],
    ["add a container", { spec: { containers: [{ name: "c3", image: "k" }] } }, (o) => {
      o.spec.containers.push({ name: "c3", image: "k" });
    }],
    ["delete a container", { spec: { containers: [{ name: "c1", $patch: "delete" }] } }, (o) => {
      o.spec.containers.shift();
    }],
    ["env merges by name", { spec: { containers: [{ name: "c1", env: [{ name: "B", value: "3" }, { name: "C", value: "4" }] }] } }, (o) => {
      o.spec.containers[0]!.env = [{ name: "A", value: "1" }, { name: "B", value: "3" }, { name: "C", value: "4" }];
    }],
    ["volumeMounts merge by mountPath", { spec: { containers: [{ name: "c1", volumeMounts: [{ name: "w", mountPath: "/w" }] }] } }, (o) => {
      o.spec.containers[0]!.volumeMounts!.push({ name: "w", mountPath: "/w" });
    }],
    ["tolerations are replaced (no strategy)", { spec: { tolerations: [{ key: "t2" }] } }, (o) => {
      o.spec.tolerations = [{ key: "t2" }];
    }],
    ["null deletes a label", { metadata: { labels: { a: null } } }, (o) => {
      o.metadata.labels = { b: "2" } as typeof o.metadata.labels;
    }],
    ["$patch: replace on a map", { metadata: { labels: { c: "3", $patch: "replace" } } }, (o) => {
      o.metadata.labels = { c: "3" } as unknown as typeof o.metadata.labels;
    }],
    ["$patch: replace on a list", { spec: { containers: [{ $patch: "replace" }, { name: "only", image: "x" }] } }, (o) => {
      o.spec.containers = [{ name: "only", image: "x" }] as typeof o.spec.containers;
    }],
    ["$setElementOrder reorders", { spec: { "$setElementOrder/containers": [{ name: "c2" }, { name: "c1" }] } }, (o) => {
      o.spec.containers.reverse();
    }],
    ["$retainKeys on a volume", { spec: { volumes: [{ name: "w", $retainKeys: ["name", "secret"], secret: { secretName: "s" } }] } }, (o) => {
      o.spec.volumes[1] = { name: "w", secret: { secretName: "s" } } as unknown as (typeof o.spec.volumes)[number];
    }],
    ["finalizers are a merged set", { metadata: { finalizers: ["f2", "f1"] } }, (o) => {
      o.metadata.finalizers = ["f1", "f2"];
    }],
    ["$deleteFromPrimitiveList", { metadata: { "$deleteFromPrimitiveList/finalizers": ["f1"] } }, (o) => {
      o.metadata.finalizers = [];
    }],
  ];
  for (const [name, patch, edit] of cases) {
    const want = structuredClone(base);
    edit(want);
    assert.deepEqual(strategicMerge(base, patch, podSchema), want, name);
  }
  assert.deepEqual(base.spec.containers.length, 2, "the original is not modified");
  assert.throws(() => strategicMerge(base, { spec: { containers: [{ image: "x" }] } }, podSchema), StrategicMergeError);
  assert.throws(() => strategicMerge(base, { $patch: "explode" }, podSchema), StrategicMergeError);
});

test("JSON merge patch (RFC 7386)", () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [["a"], { a: "b" }, { a: "b" }],
  ];
  for (const [t, p, want] of cases) assert.deepEqual(jsonMergePatch(t, p), want);
});

test("strict decoding: unknown fields (pruned) and Go's type errors", () => {
  const p = { apiVersion: "v1", kind: "Pod", metadata: { name: "x", bogus: 1 }, spec: { containers: [{ name: "a", image: "b", nope: true }] } };
  const r = decodeInto(podSchema, p);
  assert.deepEqual(r.unknown, ["metadata.bogus", "spec.containers[0].nope"]);
  assert.equal(r.typeError, undefined);
  assert.deepEqual(p.spec.containers[0], { name: "a", image: "b" });
  const types: [unknown, string][] = [
    [{ spec: { containers: "x" } }, "json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container"],
    [{ spec: { containers: [{ image: 5 }] } }, "json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string"],
    [{ spec: { terminationGracePeriodSeconds: 1.5 } }, "json: cannot unmarshal number 1.5 into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64"],
    [{ metadata: { labels: { a: 1 } } }, "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"],
  ];
  for (const [o, msg] of types) assert.equal(decodeInto(podSchema, o).typeError, msg);
});

test("Table helpers: HumanDuration, pod STATUS/READY, Accept negotiation, pull policy defaults", () => {
  const d: [number, string][] = [
    [-5000, "<invalid>"],
    [-1000, "0s"],
    [0, "0s"],
    [59_000, "59s"],
    [119_000, "119s"],
    [125_000, "2m5s"],
    [600_000, "10m"],
    [3 * 3_600_000, "3h"],
    [3 * 3_600_000 + 60_000, "3h1m"],
    [47 * 3_600_000, "47h"],
    [50 * 3_600_000, "2d2h"],
    [10 * 86_400_000, "10d"],
    [800 * 86_400_000, "2y70d"],
  ];
  for (const [ms, want] of d) assert.equal(humanDuration(ms), want, String(ms));
  const pod = (status: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject =>
    ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", creationTimestamp: "2026-01-01T00:00:00Z", ...meta }, spec: { containers: [{ name: "c" }] }, status }) as unknown as KubeObject;
  const now = Date.parse("2026-01-01T00:00:30Z");
  assert.deepEqual(podCells(pod({ phase: "Pending" }), now).slice(0, 5), ["p", "0/1", "Pending", "0", "30s"]);
  assert.deepEqual(podCells(pod({ phase: "Pending", containerStatuses: [{ name: "c", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } }] }), now)[2], "ContainerCreating");
  assert.deepEqual(podCells(pod({ phase: "Running", containerStatuses: [{ name: "c", ready: true, restartCount: 2, state: { running: {} } }] }), now).slice(1, 4), ["1/1", "Running", "2"]);
  assert.equal(podCells(pod({ phase: "Running" }, { deletionTimestamp: "2026-01-01T00:01:00Z" }), now)[2], "Terminating");
  assert.equal(wantsTable("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"), true);
  assert.equal(wantsTable("application/json"), false);
  assert.equal(wantsTable(undefined), false);
  const pulls: [string, string][] = [
    ["busybox", "Always"],
    ["busybox:latest", "Always"],
    ["busybox:1.36", "IfNotPresent"],
    ["localhost:5000/app", "Always"],
    ["localhost:5000/app:v2", "IfNotPresent"],
    ["ghcr.io/x/y@sha256:abcd", "IfNotPresent"],
  ];
  for (const [img, want] of pulls) assert.equal(defaultPullPolicy(img), want, img);
});

test("protobuf envelope: a TokenRequest as kubectl create token sends it", () => {
  const ld = (field: number, b: Buffer) => Buffer.concat([Buffer.from([(field << 3) | 2, b.length]), b]);
  const s = (field: number, v: string) => ld(field, Buffer.from(v));
  const spec = Buffer.concat([s(1, "api://AzureADTokenExchange"), s(1, "other"), Buffer.from([(4 << 3) | 0, 0x90, 0x1c])]);
  const msg = Buffer.concat([ld(1, s(1, "sa")), ld(2, spec)]);
  const typeMeta = Buffer.concat([s(1, "authentication.k8s.io/v1"), s(2, "TokenRequest")]);
  const body = Buffer.concat([Buffer.from("k8s\0", "latin1"), ld(1, typeMeta), ld(2, msg)]);
  assert.deepEqual(decodeProtobuf(body), {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    metadata: { name: "sa" },
    spec: { audiences: ["api://AzureADTokenExchange", "other"], expirationSeconds: 3600 },
  });
  assert.throws(() => decodeProtobuf(Buffer.from("{}")));
});

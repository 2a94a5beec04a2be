// Unit tables for the workload kinds' pure logic: pod-template-hash, rolling update fenceposts and steps,
// deployment / replica set / job status, the per-kind strategies (defaults, validation, generation), Table cells.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../src/kube/index.js";
import { computeHash, canonicalJson, fnv32a, safeEncodeString } from "../../src/kube/controllers/podTemplateHash.js";
import { deploymentStatus, fenceposts, findNewReplicaSet, maxUnavailable, newRSNewReplicas, oldScaleDowns, setCondition, type Condition } from "../../src/kube/controllers/deploymentUtil.js";
import { replicaCounts, replicaSetStatus } from "../../src/kube/controllers/ReplicaSetController.js";
import { expiresAt, jobCounts, jobOutcome, jobStatus, nextCreateAt, wantedActive } from "../../src/kube/controllers/JobController.js";
import { newReplicaSet } from "../../src/kube/controllers/DeploymentController.js";
import { podFromTemplate } from "../../src/kube/controllers/pods.js";
import { strategyFor } from "../../src/kube/apiserver/strategies/index.js";
import { deletionFinalizers } from "../../src/kube/apiserver/propagation.js";
import { findKind } from "../../src/kube/apiserver/resources.js";
import { toTable, formatLabelSelector } from "../../src/kube/apiserver/table.js";
import { decodeWorkload } from "../../src/kube/apiserver/protobufWorkloads.js";
import { formatIndexes, parseIndexes, pendingIndexes, indexedPod, succeededIndexes } from "../../src/kube/controllers/indexedJob.js";

type Obj = Record<string, unknown>;
const NOW = Date.parse("2026-01-01T00:10:00Z");
const ts = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

function obj(kind: string, name: string, rest: Obj = {}, meta: Obj = {}): KubeObject {
  const apiVersion = kind === "Job" ? "batch/v1" : kind === "Pod" ? "v1" : "apps/v1";
  return { apiVersion, kind, metadata: { name, namespace: "default", uid: `uid-${name}`, resourceVersion: "1", creationTimestamp: ts(NOW - 60_000), generation: 1, ...meta }, ...rest } as KubeObject;
}

function deploy(replicas: number, strategy: Obj = {}, status: Obj = {}, generation = 1): KubeObject {
  const d = obj("Deployment", "web", { spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "i" }] } }, strategy, progressDeadlineSeconds: 600 }, status }, { generation });
  return d;
}

function rs(name: string, replicas: number, st: { replicas?: number; ready?: number; available?: number } = {}, createdAgoMs = 60_000): KubeObject {
  return obj("ReplicaSet", name, { spec: { replicas }, status: { replicas: st.replicas ?? replicas, readyReplicas: st.ready ?? replicas, availableReplicas: st.available ?? replicas } }, { creationTimestamp: ts(NOW - createdAgoMs) });
}

function pod(name: string, o: { phase?: string; ready?: boolean; deleting?: boolean; restarts?: number; finishedAt?: number; labels?: Record<string, string> } = {}): KubeObject {
  const phase = o.phase ?? "Running";
  return obj(
    "Pod",
    name,
    {
      spec: { nodeName: "wilab-node" },
      status: {
        phase,
        conditions: [{ type: "Ready", status: o.ready ? "True" : "False", lastTransitionTime: ts(NOW - 30_000) }],
        containerStatuses: [
          { name: "c", restartCount: o.restarts ?? 0, state: o.finishedAt ? { terminated: { exitCode: phase === "Failed" ? 1 : 0, finishedAt: ts(o.finishedAt) } } : { running: {} } },
        ],
      },
    },
    { labels: o.labels ?? { app: "web" }, ...(o.deleting ? { deletionTimestamp: ts(NOW) } : {}) },
  );
}

test("pod-template-hash: FNV-1a 32, SafeEncodeString, stable over key order, changes with the template and the collision count", () => {
  assert.equal(fnv32a(Buffer.from("")), 0x811c9dc5);
  assert.equal(fnv32a(Buffer.from("a")), 0xe40c292c);
  assert.equal(fnv32a(Buffer.from("foobar")), 0xbf9cf968);
  assert.equal(safeEncodeString("0123456789"), "bcdfghjklm".split("").map((_, i) => "bcdfghjklmnpqrstvwxz2456789"[(48 + i) % 27]).join(""));
  const a = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "i" }] } };
  const b = { spec: { containers: [{ image: "i", name: "c" }] }, metadata: { labels: { app: "web" } } };
  assert.equal(canonicalJson(a), canonicalJson(b));
  assert.equal(computeHash(a), computeHash(b));
  assert.match(computeHash(a), /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.notEqual(computeHash(a), computeHash({ ...a, spec: { containers: [{ name: "c", image: "j" }] } }));
  assert.notEqual(computeHash(a), computeHash(a, 1));
  assert.notEqual(computeHash(a, 1), computeHash(a, 2));
});

test("rolling update fenceposts: surge rounds up, unavailable down, both zero allows one", () => {
  const cases: [number, Obj, number, number, number][] = [
    // replicas, rollingUpdate, maxSurge, maxUnavailable, MaxUnavailable()
    [1, {}, 1, 0, 0],
    [3, {}, 1, 0, 0],
    [4, {}, 1, 1, 1],
    [10, { maxSurge: "50%", maxUnavailable: 2 }, 5, 2, 2],
    [2, { maxSurge: 0, maxUnavailable: "0%" }, 0, 1, 1],
    [3, { maxSurge: 0, maxUnavailable: 5 }, 0, 5, 3],
    [0, {}, 0, 1, 0],
  ];
  for (const [replicas, ru, surge, unavail, capped] of cases) {
    const d = deploy(replicas, { type: "RollingUpdate", rollingUpdate: ru });
    assert.deepEqual(fenceposts(d), { maxSurge: surge, maxUnavailable: unavail }, JSON.stringify([replicas, ru]));
    assert.equal(maxUnavailable(d), capped, JSON.stringify([replicas, ru]));
  }
  assert.equal(maxUnavailable(deploy(3, { type: "Recreate" })), 0);
});

test("rolling update steps: the new replica set grows within surge, old ones shrink within availability", () => {
  const d = deploy(3, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  const old = rs("web-old", 3);
  // Start: 3 old available; the new one may have 1 (3 + 1 surge).
  assert.equal(newRSNewReplicas(d, [old], undefined), 1);
  const new1 = rs("web-new", 1, { replicas: 1, ready: 0, available: 0 }, 1000);
  // The new pod is not available yet: nothing of the old may go.
  assert.deepEqual([...oldScaleDowns(d, [new1, old], new1, [old])], []);
  // Once available, one old pod goes.
  const new1a = rs("web-new", 1, {}, 1000);
  assert.deepEqual([...oldScaleDowns(d, [new1a, old], new1a, [old])], [["web-old", 2]]);
  // With old at 2, the new may grow to 2.
  assert.equal(newRSNewReplicas(d, [new1a, rs("web-old", 2)], new1a), 2);
  // Unhealthy old pods are scaled away first, even past available counts.
  const sick = rs("web-old", 3, { replicas: 3, ready: 1, available: 1 });
  const d2 = deploy(3, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } });
  assert.deepEqual([...oldScaleDowns(d2, [sick], undefined, [sick])], [["web-old", 2]]);
  // Recreate: the new replica set gets everything.
  assert.equal(newRSNewReplicas(deploy(3, { type: "Recreate" }), [old], undefined), 3);
});

test("the new replica set is found by template, ignoring its pod-template-hash label", () => {
  const d = deploy(2);
  const own = newReplicaSet(d, "abc12", 2, 1);
  assert.equal(own.metadata.name, "web-abc12");
  assert.deepEqual((own.spec as Obj).selector, { matchLabels: { app: "web", "pod-template-hash": "abc12" } });
  assert.equal(own.metadata.annotations?.["deployment.kubernetes.io/revision"], "1");
  assert.equal(own.metadata.annotations?.["deployment.kubernetes.io/max-replicas"], "3");
  const other = structuredClone(own);
  ((((other.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[0]!.image = "other";
  assert.equal(findNewReplicaSet(d, [other, own]), own);
  assert.equal(findNewReplicaSet(d, [other]), undefined);
});

test("deployment status: counts, Available and Progressing as rollout status reads them", () => {
  const now = ts(NOW);
  const newRS = rs("web-new", 2);
  let st = deploymentStatus({ d: deploy(2), all: [newRS], newRS, now, nowMs: NOW, created: false });
  assert.equal(st.observedGeneration, 1);
  assert.equal(st.updatedReplicas, 2);
  assert.equal(st.availableReplicas, 2);
  assert.equal(st.unavailableReplicas, undefined);
  const conds = st.conditions as Condition[];
  assert.deepEqual(conds.map((c) => [c.type, c.status, c.reason]), [["Available", "True", "MinimumReplicasAvailable"], ["Progressing", "True", "NewReplicaSetAvailable"]]);
  assert.equal(conds[1]!.message, 'ReplicaSet "web-new" has successfully progressed.');
  // A rollout in progress: new pods not yet available.
  const created = rs("web-new", 1, { replicas: 1, ready: 0, available: 0 });
  st = deploymentStatus({ d: deploy(2), all: [created, rs("web-old", 2)], newRS: created, now, nowMs: NOW, created: true });
  assert.deepEqual((st.conditions as Condition[]).map((c) => [c.type, c.reason]), [["Available", "MinimumReplicasAvailable"], ["Progressing", "ReplicaSetUpdated"]]);
  assert.equal(st.replicas, 3);
  assert.equal(st.updatedReplicas, 1);
  // Nothing available at all.
  const none = rs("web-new", 2, { replicas: 2, ready: 0, available: 0 });
  st = deploymentStatus({ d: deploy(2), all: [none], newRS: none, now, nowMs: NOW, created: false });
  assert.deepEqual((st.conditions as Condition[])[0], { type: "Available", status: "False", lastUpdateTime: now, lastTransitionTime: now, reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability." });
  // Stuck past the progress deadline.
  const stale = ts(NOW - 700_000);
  const stuck = deploy(2, {}, { updatedReplicas: 2, replicas: 2, conditions: [{ type: "Progressing", status: "True", reason: "ReplicaSetUpdated", lastUpdateTime: stale, lastTransitionTime: stale }] });
  st = deploymentStatus({ d: stuck, all: [none], newRS: none, now, nowMs: NOW, created: false });
  assert.equal((st.conditions as Condition[]).find((c) => c.type === "Progressing")!.reason, "ProgressDeadlineExceeded");
  // The replica set's ReplicaFailure shows on the deployment.
  const failing = rs("web-new", 1, { replicas: 0, ready: 0, available: 0 });
  (failing.status as Obj).conditions = [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: "pods is forbidden" }];
  st = deploymentStatus({ d: deploy(1), all: [failing], newRS: failing, now, nowMs: NOW, created: false });
  assert.equal((st.conditions as Condition[]).find((c) => c.type === "ReplicaFailure")!.message, "pods is forbidden");
});

test("setCondition keeps lastTransitionTime when the status holds, and changes nothing for the same reason", () => {
  const t0 = "2026-01-01T00:00:00Z";
  const base: Condition[] = [{ type: "Progressing", status: "True", reason: "A", lastTransitionTime: t0, lastUpdateTime: t0 }];
  assert.equal(setCondition(base, { type: "Progressing", status: "True", reason: "A", lastTransitionTime: "x" }), base);
  assert.equal(setCondition(base, { type: "Progressing", status: "True", reason: "B", lastTransitionTime: "x" })[0]!.lastTransitionTime, t0);
  assert.equal(setCondition(base, { type: "Progressing", status: "False", reason: "B", lastTransitionTime: "x" })[0]!.lastTransitionTime, "x");
});

test("replica set counts and status: active, fully labeled, ready, available; ReplicaFailure", () => {
  const r = obj("ReplicaSet", "web-x", { spec: { replicas: 3, minReadySeconds: 0, template: { metadata: { labels: { app: "web", tier: "a" } } } } }, { generation: 4 });
  const ps = [
    pod("a", { ready: true, labels: { app: "web", tier: "a" } }),
    pod("b", { ready: false, labels: { app: "web" } }),
    pod("c", { ready: true, deleting: true }),
    pod("d", { phase: "Succeeded" }),
  ];
  const counts = replicaCounts(r, ps, NOW);
  assert.deepEqual(counts, { replicas: 2, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1 });
  const slow = obj("ReplicaSet", "web-y", { spec: { replicas: 1, minReadySeconds: 60, template: {} } });
  assert.equal(replicaCounts(slow, [pod("a", { ready: true })], NOW).availableReplicas, 0, "ready for 30s of 60");
  assert.deepEqual(replicaSetStatus(r, { replicas: 0, fullyLabeledReplicas: 0, readyReplicas: 0, availableReplicas: 0 }, undefined, ts(NOW)), { replicas: 0, observedGeneration: 4 });
  const failed = replicaSetStatus(r, counts, "boom", ts(NOW));
  assert.deepEqual(failed.conditions, [{ type: "ReplicaFailure", status: "True", lastTransitionTime: ts(NOW), reason: "FailedCreate", message: "boom" }]);
});

test("pods from a template: template metadata only, generateName and controller reference", () => {
  const owner = obj("ReplicaSet", "web-x", {}, { labels: { "azure.workload.identity/use": "true" }, annotations: { a: "b" } });
  const p = podFromTemplate(owner, { metadata: { labels: { app: "web" }, annotations: { t: "1" }, name: "ignored" }, spec: { containers: [{ name: "c" }] } });
  assert.equal(p.metadata.generateName, "web-x-");
  assert.equal(p.metadata.name, undefined);
  assert.deepEqual(p.metadata.labels, { app: "web" }, "the owner's own labels are not copied (the label-on-the-Deployment mistake)");
  assert.deepEqual(p.metadata.annotations, { t: "1" });
  assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-x", uid: "uid-web-x", controller: true, blockOwnerDeletion: true }]);
  assert.equal(podFromTemplate(obj("Job", "x".repeat(70)), {}).metadata.generateName!.length, 58);
});

test("jobs: wanted pods, outcome (completions, backoffLimit, OnFailure restarts, deadline), failure backoff, status", () => {
  const job = (spec: Obj, status: Obj = {}) => obj("Job", "j", { spec: { parallelism: 1, completions: 1, backoffLimit: 1, template: { spec: { restartPolicy: "Never" } }, ...spec }, status });
  const j = job({});
  const ok = [pod("p1", { phase: "Succeeded", finishedAt: NOW - 5000 })];
  assert.deepEqual(jobOutcome(j, jobCounts(j, ok), NOW), { kind: "complete" });
  const f1 = [pod("p1", { phase: "Failed", finishedAt: NOW - 5000 })];
  let c = jobCounts(j, f1);
  assert.equal(c.failed, 1);
  assert.deepEqual(jobOutcome(j, c, NOW), { kind: "running" });
  assert.equal(wantedActive(j, c), 1);
  assert.equal(nextCreateAt(c), NOW - 5000 + 10_000);
  const f2 = [...f1, pod("p2", { phase: "Failed", finishedAt: NOW - 1000 })];
  c = jobCounts(j, f2);
  assert.deepEqual(jobOutcome(j, c, NOW), { kind: "failed", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
  // Counts never go down when counted pods are deleted.
  assert.equal(jobCounts(job({}, { failed: 2 }), []).failed, 2);
  // OnFailure: restarts count against the limit.
  const onf = job({ backoffLimit: 2, template: { spec: { restartPolicy: "OnFailure" } } });
  assert.equal(jobOutcome(onf, jobCounts(onf, [pod("p", { restarts: 1 })]), NOW).kind, "running");
  assert.equal(jobOutcome(onf, jobCounts(onf, [pod("p", { restarts: 2 })]), NOW).kind, "failed");
  // Deadline.
  const dl = job({ activeDeadlineSeconds: 30 }, { startTime: ts(NOW - 31_000) });
  assert.deepEqual(jobOutcome(dl, jobCounts(dl, [pod("p")]), NOW), { kind: "failed", reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" });
  // Parallelism and completions.
  const par = job({ parallelism: 3, completions: 5 });
  assert.equal(wantedActive(par, jobCounts(par, [pod("a", { phase: "Succeeded" }), pod("b", { phase: "Succeeded" }), pod("c", { phase: "Succeeded" })])), 2);
  const work = job({ parallelism: 2, completions: undefined });
  assert.equal(wantedActive(work, jobCounts(work, [])), 2);
  assert.equal(jobOutcome(work, jobCounts(work, [pod("a", { phase: "Succeeded" })]), NOW).kind, "complete");
  // Status shape.
  const st = jobStatus({ startTime: "s" }, jobCounts(j, [pod("a", { ready: true })]), []);
  assert.deepEqual(st, { startTime: "s", active: 1, terminating: 0, uncountedTerminatedPods: {}, ready: 1 });
});

test("strategies: defaults, generated job selector, generation on spec changes, validation messages", () => {
  const ds = strategyFor("Deployment")!;
  const d = obj("Deployment", "web", { spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } } } });
  ds.defaults(d);
  const spec = d.spec as Obj;
  assert.equal(spec.replicas, 1);
  assert.deepEqual(spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(spec.progressDeadlineSeconds, 600);
  const tspec = (spec.template as Obj).spec as Obj;
  assert.equal(tspec.restartPolicy, "Always");
  assert.equal(((tspec.containers as Obj[])[0]!).imagePullPolicy, "IfNotPresent");
  ds.prepareForCreate(d);
  assert.equal(d.metadata.generation, 1);
  assert.deepEqual(ds.validate(d), []);
  const scaled = structuredClone(d);
  (scaled.spec as Obj).replicas = 3;
  scaled.status = { replicas: 99 };
  d.status = { replicas: 1 };
  ds.prepareForUpdate(scaled, d);
  assert.equal(scaled.metadata.generation, 2);
  assert.deepEqual(scaled.status, { replicas: 1 });
  const same = structuredClone(d);
  ds.prepareForUpdate(same, d);
  assert.equal(same.metadata.generation, 1);

  const bad = structuredClone(d);
  (bad.spec as Obj).selector = { matchLabels: { app: "other" } };
  assert.deepEqual(ds.validate(bad).map((c) => `${c.field}: ${c.message}`), ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`']);
  assert.deepEqual(ds.validateUpdate(bad, d).map((c) => c.message), ['Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable']);
  const never = structuredClone(d);
  ((never.spec as Obj).template as Obj).spec = { ...tspec, restartPolicy: "Never" };
  assert.deepEqual(ds.validate(never).map((c) => `${c.field}: ${c.message}`), ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
  const noSel = structuredClone(d);
  delete (noSel.spec as Obj).selector;
  assert.deepEqual(ds.validate(noSel).map((c) => `${c.field}: ${c.message}`), ["spec.selector: Required value"]);

  const js = strategyFor("Job")!;
  const j = obj("Job", "pi", { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "perl" }] } } } }, { uid: "u-1" });
  js.defaults(j);
  js.prepareForCreate(j);
  const jspec = j.spec as Obj;
  assert.deepEqual([jspec.parallelism, jspec.completions, jspec.backoffLimit, jspec.completionMode, jspec.suspend, jspec.podReplacementPolicy], [1, 1, 6, "NonIndexed", false, "TerminatingOrFailed"]);
  assert.deepEqual(jspec.selector, { matchLabels: { "batch.kubernetes.io/controller-uid": "u-1" } });
  assert.deepEqual(((jspec.template as Obj).metadata as Obj).labels, { "job-name": "pi", "batch.kubernetes.io/job-name": "pi", "controller-uid": "u-1", "batch.kubernetes.io/controller-uid": "u-1" });
  assert.deepEqual(js.validate(j), []);
  const always = obj("Job", "a", { spec: { template: { spec: { containers: [{ name: "c", image: "x" }] } } } }, { uid: "u-2" });
  js.defaults(always);
  js.prepareForCreate(always);
  assert.deepEqual(js.validate(always).map((c) => `${c.field}: ${c.message}`), ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
  assert.equal(strategyFor("Pod"), undefined);
});

test("deletion propagation: finalizers per policy, jobs orphan by default with kube's warning", () => {
  const dep = findKind("Deployment")!;
  const job = findKind("Job")!;
  const o = obj("Deployment", "web");
  assert.deepEqual(deletionFinalizers(dep, o, {}), []);
  assert.deepEqual(deletionFinalizers(dep, o, { propagationPolicy: "Background" }), []);
  assert.deepEqual(deletionFinalizers(dep, o, { propagationPolicy: "Foreground" }), ["foregroundDeletion"]);
  assert.deepEqual(deletionFinalizers(dep, o, { propagationPolicy: "Orphan" }), ["orphan"]);
  assert.deepEqual(deletionFinalizers(dep, o, { orphanDependents: true }), ["orphan"]);
  const warnings: string[] = [];
  assert.deepEqual(deletionFinalizers(job, obj("Job", "j"), {}, warnings), ["orphan"]);
  assert.match(warnings[0]!, /child pods are preserved by default when jobs are deleted/);
  assert.deepEqual(deletionFinalizers(findKind("Pod")!, obj("Pod", "p"), { propagationPolicy: "Foreground" }), []);
  assert.throws(() => deletionFinalizers(dep, o, { propagationPolicy: "Sometimes" }), /Unsupported value: "Sometimes"/);
});

test("Table cells for deployments, replica sets and jobs", () => {
  const d = deploy(3, {}, { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 });
  const t = toTable("Deployment", [d], NOW, "None");
  assert.deepEqual((t.columnDefinitions as Obj[]).map((c) => c.name), ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"]);
  assert.deepEqual((t.rows as Obj[])[0]!.cells, ["web", "2/3", 3, 2, "60s", "c", "i", "app=web"]);
  const r = obj("ReplicaSet", "web-x", { spec: { replicas: 2, selector: { matchLabels: { app: "web" } } }, status: { replicas: 2 } });
  assert.deepEqual((toTable("ReplicaSet", [r], NOW, "None").rows as Obj[])[0]!.cells, ["web-x", 2, 2, 0, "60s", "", "", "app=web"]);
  const j = obj("Job", "pi", { spec: { completions: 1, parallelism: 1 }, status: { succeeded: 1, startTime: ts(NOW - 50_000), completionTime: ts(NOW - 40_000), conditions: [{ type: "Complete", status: "True" }] } });
  assert.deepEqual(((toTable("Job", [j], NOW, "None").rows as Obj[])[0]!.cells as unknown[]).slice(0, 5), ["pi", "Complete", "1/1", "10s", "60s"]);
  const running = obj("Job", "w", { spec: { parallelism: 3 }, status: { startTime: ts(NOW - 5000) } });
  assert.deepEqual(((toTable("Job", [running], NOW, "None").rows as Obj[])[0]!.cells as unknown[]).slice(1, 4), ["Running", "0/1 of 3", "5s"]);
  assert.equal(formatLabelSelector({ matchLabels: { b: "2", a: "1" }, matchExpressions: [{ key: "k", operator: "In", values: ["x", "y"] }, { key: "e", operator: "DoesNotExist" }] }), "a=1,b=2,k in (x,y),!e");
  assert.equal(formatLabelSelector(undefined), "<none>");
});

/** A protobuf field: varint (number) or length-delimited (string/Buffer). */
function pb(n: number, v: number | string | Buffer): Buffer {
  const varint = (x: number) => {
    const out: number[] = [];
    while (x > 127) {
      out.push((x & 0x7f) | 0x80);
      x = Math.floor(x / 128);
    }
    out.push(x);
    return Buffer.from(out);
  };
  if (typeof v === "number") return Buffer.concat([varint(n << 3), varint(v)]);
  const b = typeof v === "string" ? Buffer.from(v) : v;
  return Buffer.concat([varint((n << 3) | 2), varint(b.length), b]);
}

test("protobuf workloads: zero values of non-pointer fields are unset, pointers kept, unknown fields refused", () => {
  const meta = pb(1, "web");
  const container = Buffer.concat([pb(1, "c"), pb(2, "nginx"), pb(5, ""), pb(8, Buffer.alloc(0)), pb(16, 0)]);
  const podSpec = Buffer.concat([pb(2, container), pb(3, ""), pb(11, 0)]);
  const template = Buffer.concat([pb(1, Buffer.concat([pb(11, Buffer.concat([pb(1, "app"), pb(2, "web")]))])), pb(2, podSpec)]);
  const selector = pb(1, Buffer.concat([pb(1, "app"), pb(2, "web")]));
  const spec = Buffer.concat([pb(1, 0), pb(2, selector), pb(3, template), pb(4, Buffer.alloc(0)), pb(5, 0)]);
  const d = decodeWorkload("apps/v1", "Deployment", Buffer.concat([pb(1, meta), pb(2, spec), pb(3, Buffer.alloc(0))]));
  assert.deepEqual(d, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: { replicas: 0, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx", resources: {} }] } }, strategy: {} },
  });
  assert.throws(() => decodeWorkload("apps/v1", "Deployment", Buffer.concat([pb(2, pb(99, 1))])), /no protobuf decoding for field 99 of DeploymentSpec/);
  assert.throws(() => decodeWorkload("apps/v1", "StatefulSet", Buffer.alloc(0)), /no protobuf decoding for apps\/v1, Kind=StatefulSet/);
});

test("indexed jobs: index ranges, pending indexes, the pod of an index", () => {
  const cases: [number[], string][] = [[[], ""], [[0], "0"], [[0, 1, 2], "0-2"], [[4, 0, 2, 1], "0-2,4"], [[1, 3, 5, 6], "1,3,5-6"]];
  for (const [xs, s] of cases) {
    assert.equal(formatIndexes(new Set(xs)), s);
    assert.deepEqual([...parseIndexes(s)].sort((a, b) => a - b), [...xs].sort((a, b) => a - b));
  }
  const job = obj("Job", "ix", { spec: { completionMode: "Indexed", completions: 4 }, status: { completedIndexes: "0" } });
  const running = indexedPod(job, { spec: { containers: [{ name: "c", env: [{ name: "A", value: "1" }] }] } }, 2);
  assert.equal(running.metadata.generateName, "ix-2-");
  assert.equal(running.metadata.annotations?.["batch.kubernetes.io/job-completion-index"], "2");
  assert.equal(running.metadata.labels?.["batch.kubernetes.io/job-completion-index"], "2");
  assert.equal((running.spec as Obj).hostname, "ix-2");
  assert.deepEqual(((running.spec as Obj).containers as Obj[])[0]!.env, [
    { name: "A", value: "1" },
    { name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
  ]);
  const succeeded = { ...indexedPod(job, {}, 1), status: { phase: "Succeeded" } } as KubeObject;
  const done = succeededIndexes(job, [succeeded], 4);
  assert.deepEqual([...done].sort(), [0, 1]);
  assert.deepEqual(pendingIndexes(4, done, [running], 5), [3]);
  assert.deepEqual(pendingIndexes(4, new Set(), [], 2), [0, 1]);
});

test("ttlSecondsAfterFinished: a finished job expires from its completion or failure time", () => {
  const t = ts(NOW);
  assert.equal(expiresAt(obj("Job", "a", { spec: {}, status: { completionTime: t } })), undefined);
  assert.equal(expiresAt(obj("Job", "b", { spec: { ttlSecondsAfterFinished: 30 }, status: {} })), undefined);
  assert.equal(expiresAt(obj("Job", "c", { spec: { ttlSecondsAfterFinished: 30 }, status: { completionTime: t, conditions: [{ type: "Complete", status: "True" }] } })), NOW + 30_000);
  assert.equal(expiresAt(obj("Job", "d", { spec: { ttlSecondsAfterFinished: 0 }, status: { conditions: [{ type: "Failed", status: "True", lastTransitionTime: t }] } })), NOW);
});

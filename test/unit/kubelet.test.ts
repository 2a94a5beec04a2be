import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shouldRefresh, refreshAt, expirationSecondsOf } from "../../src/kube/kubelet/tokens.js";
import { ContainerConfigError, expand, formatMap, resolveEnv, type ObjectLookup } from "../../src/kube/kubelet/env.js";
import { builtinMappings, canonicalImage, parseImageRef, resolveImage, type ImageMapping } from "../../src/kube/kubelet/imageMap.js";
import { buildPodStatus, goDuration, kubeTime, nextBackoff, podPhase, qosClass, type ContainerView } from "../../src/kube/kubelet/status.js";
import { planVolume, writeAtomically, MountError, type Payload } from "../../src/kube/kubelet/volumes.js";
import { rfc3339Nano, ContainerLog, LogStore } from "../../src/kube/kubelet/logs.js";
import { rewritePath } from "../../src/kube/kubelet/runner.js";
import type { Container, DataObject, Pod } from "../../src/kube/kubelet/types.js";

const H = 3_600_000;
const T0 = Date.UTC(2025, 0, 1);

test("shouldRefresh: past 80 % of the token's life, after 24 h, or issued in the future", () => {
  const cases: [string, number, number, number, boolean][] = [
    ["fresh", T0, T0 + H, T0, false],
    ["79 % of a 1 h token", T0, T0 + H, T0 + 0.79 * H, false],
    ["exactly 80 %", T0, T0 + H, T0 + 0.8 * H, false],
    ["81 % of a 1 h token", T0, T0 + H, T0 + 0.81 * H, true],
    ["expired", T0, T0 + H, T0 + 2 * H, true],
    ["79 % of a 10 min token", T0, T0 + 600_000, T0 + 474_000, false],
    ["81 % of a 10 min token", T0, T0 + 600_000, T0 + 486_000, true],
    ["48 h token at 23 h", T0, T0 + 48 * H, T0 + 23 * H, false],
    ["48 h token just past 24 h", T0, T0 + 48 * H, T0 + 24 * H + 1, true],
    ["issued in the future (clock moved back)", T0 + H, T0 + 2 * H, T0, true],
  ];
  for (const [name, iat, exp, now, want] of cases) assert.equal(shouldRefresh(iat, exp, now), want, name);
  assert.equal(refreshAt(T0, T0 + H), T0 + 0.8 * H);
  assert.equal(refreshAt(T0, T0 + 48 * H), T0 + 24 * H);
  assert.equal(expirationSecondsOf(undefined), 3600);
  assert.equal(expirationSecondsOf(60), 600);
  assert.equal(expirationSecondsOf(7200), 7200);
});

function pod(over: Partial<Pod["spec"]> = {}, meta: Partial<Pod["metadata"]> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p1", namespace: "ns1", uid: "u-1", resourceVersion: "1", creationTimestamp: "", labels: { app: "x", b: "2" }, annotations: { note: 'say "hi"' }, ...meta },
    spec: { containers: [{ name: "c", image: "busybox" }], serviceAccountName: "sa1", nodeName: "wilab-node", ...over },
  };
}

function obj(name: string, extra: Partial<DataObject>): DataObject {
  return { apiVersion: "v1", kind: "X", metadata: { name, namespace: "ns1", uid: "", resourceVersion: "", creationTimestamp: "" }, ...extra };
}

const lookup: ObjectLookup = {
  configMap: (n) => (n === "cm" ? obj("cm", { data: { LEVEL: "high", "bad key": "x" }, binaryData: { BIN: Buffer.from("bin").toString("base64") } }) : undefined),
  secret: (n) => (n === "sec" ? obj("sec", { data: { password: Buffer.from("p@ss").toString("base64") } }) : undefined),
};

test("env resolution: values, $(VAR) expansion, fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef, envFrom", () => {
  const c: Container = {
    name: "c",
    envFrom: [{ configMapRef: { name: "cm" } }, { prefix: "S_", secretRef: { name: "sec" } }],
    env: [
      { name: "A", value: "a" },
      { name: "B", value: "$(A)-b-$$(A)-$(MISSING)" },
      { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } },
      { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: "NOTE", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
      { name: "SA", valueFrom: { fieldRef: { fieldPath: "spec.serviceAccountName" } } },
      { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
      { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "HOST", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
      { name: "LVL", valueFrom: { configMapKeyRef: { name: "cm", key: "LEVEL" } } },
      { name: "PW", valueFrom: { secretKeyRef: { name: "sec", key: "password" } } },
      { name: "OPT", valueFrom: { secretKeyRef: { name: "nope", key: "k", optional: true } } },
      { name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
    ],
    command: ["echo", "$(POD)"],
    args: ["$(NS)", "$$(NS)"],
    resources: { limits: { memory: "64Mi" } },
  };
  const r = resolveEnv(pod(), c, lookup, { KUBERNETES_SERVICE_HOST: "localhost" });
  const env = Object.fromEntries(r.env);
  assert.deepEqual(env, {
    KUBERNETES_SERVICE_HOST: "localhost",
    LEVEL: "high",
    BIN: "bin",
    S_password: "p@ss",
    A: "a",
    B: "a-b-$(A)-$(MISSING)",
    POD: "p1",
    NS: "ns1",
    UID: "u-1",
    APP: "x",
    NOTE: 'say "hi"',
    SA: "sa1",
    NODE: "wilab-node",
    IP: "127.0.0.1",
    HOST: "127.0.0.1",
    LVL: "high",
    PW: "p@ss",
    MEM: "64",
  });
  assert.ok(!("bad key" in env), "invalid env names from envFrom are skipped");
  assert.deepEqual(r.command, ["echo", "p1"]);
  assert.deepEqual(r.args, ["ns1", "$(NS)"]);
  assert.equal(expand("$(X)$(Y", new Map([["X", "1"]])), "1$(Y");
  assert.equal(formatMap({ b: "2", a: 'q"' }), 'a="q\\""\nb="2"');
});

test("env resolution: missing references are CreateContainerConfigError with kube's messages", () => {
  const cases: [string, Container, string][] = [
    ["missing configmap", { name: "c", env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "nope", key: "k" } } }] }, 'configmap "nope" not found'],
    ["missing configmap key", { name: "c", env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "cm", key: "k" } } }] }, "couldn't find key k in ConfigMap ns1/cm"],
    ["missing secret", { name: "c", env: [{ name: "X", valueFrom: { secretKeyRef: { name: "nope", key: "k" } } }] }, 'secret "nope" not found'],
    ["missing secret key", { name: "c", env: [{ name: "X", valueFrom: { secretKeyRef: { name: "sec", key: "k" } } }] }, "couldn't find key k in Secret ns1/sec"],
    ["missing envFrom configmap", { name: "c", envFrom: [{ configMapRef: { name: "gone" } }] }, 'configmap "gone" not found'],
    ["missing envFrom secret", { name: "c", envFrom: [{ secretRef: { name: "gone" } }] }, 'secret "gone" not found'],
    ["unsupported fieldPath", { name: "c", env: [{ name: "X", valueFrom: { fieldRef: { fieldPath: "spec.nope" } } }] }, "unsupported fieldPath: spec.nope"],
  ];
  for (const [name, c, msg] of cases) {
    assert.throws(
      () => resolveEnv(pod(), c, lookup),
      (e: unknown) => e instanceof ContainerConfigError && e.message === msg,
      name,
    );
  }
  // optional references are skipped
  const r = resolveEnv(pod(), { name: "c", envFrom: [{ configMapRef: { name: "gone", optional: true } }], env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "cm", key: "k", optional: true } } }] }, lookup);
  assert.equal(r.env.has("X"), false);
});

test("image references: registry, library/ and tag defaults, digests", () => {
  const cases: [string, string | undefined][] = [
    ["busybox", "docker.io/library/busybox"],
    ["busybox:1.36", "docker.io/library/busybox:1.36"],
    ["library/busybox", "docker.io/library/busybox"],
    ["docker.io/busybox:latest", "docker.io/library/busybox:latest"],
    ["index.docker.io/library/busybox", "docker.io/library/busybox"],
    ["ghcr.io/azure/azure-workload-identity/msal-go:v1.5.0", "ghcr.io/azure/azure-workload-identity/msal-go:v1.5.0"],
    ["localhost:5000/app@sha256:abcd", "localhost:5000/app@sha256:abcd"],
    ["Busybox", undefined],
    ["a b", undefined],
    ["", undefined],
  ];
  for (const [image, want] of cases) {
    const ref = parseImageRef(image);
    assert.equal(ref ? canonicalImage(ref) : undefined, want, image);
  }
});

test("image matching: built-in samples for any tag, user mappings win, tag and digest beat repository", () => {
  const user: ImageMapping[] = [
    { image: "busybox", command: ["any"], createdAt: 0 },
    { image: "busybox:1.36", command: ["tagged"], createdAt: 0 },
    { image: "busybox@sha256:beef", command: ["digest"], createdAt: 0 },
    { image: "ghcr.io/azure/azure-workload-identity/msal-python:v9", command: ["mine"], createdAt: 0 },
  ];
  const builtin = builtinMappings();
  const cmd = (image: string) => resolveImage(image, user, builtin)?.mapping.command[0];
  assert.equal(cmd("busybox"), "any");
  assert.equal(cmd("busybox:latest"), "any");
  assert.equal(cmd("docker.io/library/busybox:1.36"), "tagged");
  assert.equal(cmd("busybox:1.36@sha256:beef"), "digest");
  assert.equal(cmd("busybox@sha256:other"), "any");
  assert.equal(cmd("ghcr.io/azure/azure-workload-identity/msal-go:v1.5.0"), process.execPath);
  assert.equal(cmd("ghcr.io/azure/azure-workload-identity/msal-go@sha256:0123"), process.execPath);
  assert.equal(cmd("ghcr.io/azure/azure-workload-identity/msal-node"), process.execPath);
  assert.equal(cmd("ghcr.io/azure/azure-workload-identity/msal-python:v9"), "mine");
  assert.equal(cmd("ghcr.io/azure/azure-workload-identity/msal-java"), undefined);
  assert.equal(cmd("nginx"), undefined);
  assert.ok(builtin[0]!.command[1]!.endsWith(join("dist", "examples", "quick-start", "main.js")));
  const r = resolveImage("busybox:1.36", user, builtin)!;
  assert.match(r.imageID, /^docker\.io\/library\/busybox@sha256:[0-9a-f]{64}$/);
  assert.equal(r.builtin, false);
});

function view(name: string, state: ContainerView["state"], extra: Partial<ContainerView> = {}): ContainerView {
  return { name, image: "img", imageID: "", restartCount: 0, state, started: state.kind === "running", ready: state.kind === "running", ...extra };
}

const running = { kind: "running", startedAt: T0 } as const;
const waiting = (reason: string) => ({ kind: "waiting", reason }) as const;
const done = (exitCode: number) => ({ kind: "terminated", exitCode, reason: exitCode ? "Error" : "Completed", startedAt: T0, finishedAt: T0 + 1000 }) as const;

test("pod phase: the kubelet's getPhase table", () => {
  const cases: [string, string | undefined, ContainerView[], ContainerView[], string][] = [
    ["creating", "Always", [], [view("a", waiting("ContainerCreating"))], "Pending"],
    ["image missing", "Always", [], [view("a", running), view("b", waiting("ImagePullBackOff"))], "Pending"],
    ["running", undefined, [], [view("a", running)], "Running"],
    ["crash loop counts as running", "Always", [], [view("a", waiting("CrashLoopBackOff"), { lastState: done(1) })], "Running"],
    ["Never, exit 0", "Never", [], [view("a", done(0))], "Succeeded"],
    ["Never, exit 1", "Never", [], [view("a", done(1))], "Failed"],
    ["Never, one still running", "Never", [], [view("a", done(1)), view("b", running)], "Running"],
    ["OnFailure, exit 0", "OnFailure", [], [view("a", done(0))], "Succeeded"],
    ["OnFailure, restarting", "OnFailure", [], [view("a", waiting("CrashLoopBackOff"), { lastState: done(2) })], "Running"],
    ["init running", "Always", [view("i", running)], [view("a", waiting("PodInitializing"))], "Pending"],
    ["init failed, Never", "Never", [view("i", done(1))], [view("a", waiting("PodInitializing"))], "Failed"],
    ["init failed, Always", "Always", [view("i", waiting("CrashLoopBackOff"), { lastState: done(1) })], [view("a", waiting("PodInitializing"))], "Pending"],
    ["init done", "Always", [view("i", done(0))], [view("a", running)], "Running"],
    ["sidecar running, main done", "Never", [view("s", running, { sidecar: true })], [view("a", done(0))], "Succeeded"],
  ];
  for (const [name, policy, init, containers, want] of cases) assert.equal(podPhase(policy, init, containers), want, name);
});

test("pod status: conditions, container statuses, IPs, qosClass, transitions kept", () => {
  const p = pod();
  const s1 = buildPodStatus({ pod: p, now: T0, startTime: T0, sandboxReady: true, init: [], containers: [view("c", waiting("ContainerCreating"))] });
  assert.equal(s1.phase, "Pending");
  assert.deepEqual(
    s1.conditions!.map((c) => [c.type, c.status, c.reason ?? ""]),
    [
      ["PodReadyToStartContainers", "True", ""],
      ["Initialized", "True", ""],
      ["Ready", "False", "ContainersNotReady"],
      ["ContainersReady", "False", "ContainersNotReady"],
      ["PodScheduled", "True", ""],
    ],
  );
  assert.equal(s1.conditions![2]!.message, "containers with unready status: [c]");
  assert.equal(s1.podIP, "127.0.0.1");
  assert.deepEqual(s1.hostIPs, [{ ip: "127.0.0.1" }]);
  assert.equal(s1.startTime, kubeTime(T0));
  assert.equal(s1.qosClass, "BestEffort");
  assert.deepEqual(s1.containerStatuses![0], { name: "c", state: { waiting: { reason: "ContainerCreating" } }, lastState: {}, ready: false, restartCount: 0, image: "img", imageID: "", started: false });
  p.status = s1;
  const s2 = buildPodStatus({ pod: p, now: T0 + 5000, startTime: T0, sandboxReady: true, init: [], containers: [view("c", running, { containerID: "wilab://42" })] });
  assert.equal(s2.phase, "Running");
  const ready = s2.conditions!.find((c) => c.type === "Ready")!;
  assert.equal(ready.status, "True");
  assert.equal(ready.lastTransitionTime, kubeTime(T0 + 5000));
  assert.equal(s2.conditions!.find((c) => c.type === "PodScheduled")!.lastTransitionTime, kubeTime(T0), "unchanged conditions keep their transition time");
  assert.deepEqual(s2.containerStatuses![0]!.state, { running: { startedAt: kubeTime(T0) } });
  assert.equal(s2.containerStatuses![0]!.containerID, "wilab://42");
  const s3 = buildPodStatus({ pod: { ...p, spec: { ...p.spec, restartPolicy: "Never" } }, now: T0, sandboxReady: true, init: [], containers: [view("c", done(0))] });
  assert.equal(s3.phase, "Succeeded");
  assert.equal(s3.conditions!.find((c) => c.type === "Ready")!.reason, "PodCompleted");
  const init = buildPodStatus({ pod: p, now: T0, sandboxReady: true, init: [view("i", running)], containers: [view("c", waiting("PodInitializing"))] });
  const ic = init.conditions!.find((c) => c.type === "Initialized")!;
  assert.equal(ic.status, "False");
  assert.equal(ic.message, "containers with incomplete status: [i]");
  assert.equal(init.initContainerStatuses!.length, 1);
  assert.equal(qosClass([{ name: "a", resources: { limits: { cpu: "1", memory: "1Gi" } } }]), "Guaranteed");
  assert.equal(qosClass([{ name: "a", resources: { requests: { cpu: "100m" } } }]), "Burstable");
});

test("back-off: 0, 10 s, doubling, capped at 5 min; Go duration text", () => {
  const seq: number[] = [];
  let b: number | undefined;
  for (let i = 0; i < 8; i++) seq.push((b = nextBackoff(b)));
  assert.deepEqual(seq, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  assert.deepEqual([10_000, 80_000, 300_000].map(goDuration), ["10s", "1m20s", "5m0s"]);
});

test("volumes: projected token + kube-root-ca + downward API, configMap items, missing sources", () => {
  const p = pod({
    volumes: [
      {
        name: "kube-api-access-abcde",
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
            { configMap: { name: "cm", items: [{ key: "LEVEL", path: "level" }] } },
            { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }, { path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
          ],
        },
      },
    ],
  });
  const plan = planVolume(p.spec.volumes![0]!, { pod: p, lookup, token: (r) => `tok:${r.path}:${r.expirationSeconds}` });
  assert.equal(plan.kind, "files");
  const files = plan.kind === "files" ? plan.payload : new Map();
  assert.equal(files.get("token")!.data.toString(), "tok:token:3607");
  assert.equal(files.get("token")!.mode, 0o644);
  assert.equal(files.get("level")!.data.toString(), "high");
  assert.equal(files.get("namespace")!.data.toString(), "ns1");
  assert.equal(files.get("labels")!.data.toString(), 'app="x"\nb="2"');
  assert.throws(() => planVolume({ name: "v", configMap: { name: "nope" } }, { pod: p, lookup, token: () => "" }), (e: unknown) => e instanceof MountError && e.message === 'configmap "nope" not found');
  assert.throws(() => planVolume({ name: "v", secret: { secretName: "nope" } }, { pod: p, lookup, token: () => "" }), (e: unknown) => e instanceof MountError && e.message === 'secret "nope" not found');
  const opt = planVolume({ name: "v", secret: { secretName: "nope", optional: true } }, { pod: p, lookup, token: () => "" });
  assert.equal(opt.kind === "files" && opt.payload.size, 0);
  const sec = planVolume({ name: "v", secret: { secretName: "sec", defaultMode: 0o400 } }, { pod: p, lookup, token: () => "" });
  assert.equal(sec.kind === "files" && sec.payload.get("password")!.data.toString(), "p@ss");
  assert.equal(sec.kind === "files" && sec.payload.get("password")!.mode, 0o400);
  assert.equal(planVolume({ name: "e", emptyDir: {} }, { pod: p, lookup, token: () => "" }).kind, "emptyDir");
});

test("atomic writer: ..data symlink swap, top-level symlinks, unchanged payload is not rewritten", () => {
  const dir = mkdtempSync(join(tmpdir(), "wilab-aw-"));
  try {
    const payload = (tok: string): Payload =>
      new Map([
        ["azure-identity-token", { data: Buffer.from(tok), mode: 0o644 }],
        ["token/nested", { data: Buffer.from("n"), mode: 0o600 }],
      ]);
    assert.equal(writeAtomically(dir, payload("one"), T0), true);
    assert.equal(readFileSync(join(dir, "azure-identity-token"), "utf8"), "one");
    assert.equal(readlinkSync(join(dir, "azure-identity-token")), "..data/azure-identity-token");
    assert.equal(readFileSync(join(dir, "token", "nested"), "utf8"), "n");
    assert.equal(statSync(join(dir, "token", "nested")).mode & 0o777, 0o600);
    const first = readlinkSync(join(dir, "..data"));
    assert.equal(writeAtomically(dir, payload("one"), T0 + 1), false);
    assert.equal(writeAtomically(dir, payload("two"), T0 + 2), true);
    assert.equal(readFileSync(join(dir, "azure-identity-token"), "utf8"), "two");
    assert.notEqual(readlinkSync(join(dir, "..data")), first);
    assert.deepEqual(readdirSync(dir).filter((e) => e.startsWith("..") && e !== "..data").length, 1, "the old timestamped directory is removed");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("logs: RFC3339Nano, tail, since, timestamps, previous, follow", async () => {
  assert.equal(rfc3339Nano(T0), "2025-01-01T00:00:00Z");
  assert.equal(rfc3339Nano(T0 + 120, 500), "2025-01-01T00:00:00.1200005Z");
  const dir = mkdtempSync(join(tmpdir(), "wilab-logs-"));
  let now = T0;
  try {
    const store = new LogStore(() => now);
    store.registerPod("c1", "ns", "p", dir, ["main"]);
    assert.equal(await store.logs("c1", "ns", "p", {}), undefined, "no logs before the container starts");
    const l1 = store.begin("c1", "ns", "p", "main", 0);
    l1.write("stdout", "one\ntw");
    l1.write("stdout", "o\n");
    now += 10_000;
    l1.write("stderr", "three\npartial");
    l1.end();
    const read = async (o: Parameters<LogStore["logs"]>[3]) => {
      const s = await store.logs("c1", "ns", "p", o);
      let out = "";
      for await (const chunk of s!) out += String(chunk);
      return out;
    };
    assert.equal(await read({}), "one\ntwo\nthree\npartial\n");
    assert.equal(await read({ tailLines: 2 }), "three\npartial\n");
    assert.equal(await read({ sinceSeconds: 5 }), "three\npartial\n");
    assert.match(await read({ timestamps: true, tailLines: 1 }), /^2025-01-01T00:00:10(\.\d+)?Z partial\n$/);
    const l2 = store.begin("c1", "ns", "p", "main", 1);
    assert.equal(await read({ previous: true }), "one\ntwo\nthree\npartial\n");
    assert.equal(readFileSync(join(dir, "main", "0.log"), "utf8").split("\n")[0]!.split(" ").slice(1).join(" "), "stdout F one");
    l2.write("stdout", "a\n");
    const follow = await store.logs("c1", "ns", "p", { follow: true });
    let got = "";
    follow!.on("data", (c) => (got += String(c)));
    const ended = new Promise((r) => follow!.on("end", r));
    l2.write("stdout", "b\n");
    l2.end();
    await ended;
    assert.equal(got, "a\nb\n");
    // a new store (lab restart) reads the files back
    const again = new LogStore(() => now);
    again.registerPod("c1", "ns", "p", dir, ["main"]);
    const s = await again.logs("c1", "ns", "p", { previous: true });
    let prev = "";
    for await (const chunk of s!) prev += String(chunk);
    assert.equal(prev, "one\ntwo\nthree\npartial\n");
    assert.ok(ContainerLog.fromFile(join(dir, "main", "1.log"), () => now).ended);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("env mode: values pointing into a mountPath are rewritten to the host directory", () => {
  const mounts = [
    { source: "/host/pods/u/volumes/azure-identity-token", target: "/var/run/secrets/azure/tokens", readOnly: true },
    { source: "/host/pods/u/volumes/kube-api-access", target: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true },
  ];
  assert.equal(rewritePath("/var/run/secrets/azure/tokens/azure-identity-token", mounts), "/host/pods/u/volumes/azure-identity-token/azure-identity-token");
  assert.equal(rewritePath("/var/run/secrets/azure/tokens", mounts), "/host/pods/u/volumes/azure-identity-token");
  assert.equal(rewritePath("/var/run/secrets/azure/tokensX", mounts), "/var/run/secrets/azure/tokensX");
  assert.equal(rewritePath("https://example", mounts), "https://example");
});

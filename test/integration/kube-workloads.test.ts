// Deployments, ReplicaSets and Jobs with real kubectl (the installed one, 1.27 and 1.33): apply with strict
// validation, rollout status, get/describe, scale, a template change, cascading delete, jobs that complete and
// fail, FailedCreate events, and the workload identity webhook on the pods the controllers create.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { startTestLab } from "../helpers/lab.js";
import type { Lab } from "../../src/index.js";
import { ownerChain, type KubeObject } from "../../src/kube/index.js";
import { setImageMapping } from "../../src/kube/kubelet/index.js";
import { mutatingWebhookConfiguration, WEBHOOK_NAMESPACE } from "../../src/webhook/index.js";
import { makeCluster, kubectl, api, SA_MANIFEST, type TestCluster } from "../helpers/kube.js";

let lab: Lab;
let c: TestCluster;
const CLIENT_ID = "00000000-1111-2222-3333-555555555555";
const SLEEPER = "registry.example.test/wilab/sleeper:v1";
const OK = "registry.example.test/wilab/ok:v1";
const FAIL = "registry.example.test/wilab/fail:v1";
const INDEX = "registry.example.test/wilab/index:v1";
const KUBECTL_DIR = "/usr/lib/google-cloud-sdk/bin";
const VERSIONED = ["1.27", "1.33"].map((v) => ({ v, bin: `${KUBECTL_DIR}/kubectl.${v}` }));

type Obj = Record<string, unknown>;

before(async () => {
  lab = await startTestLab();
  c = await makeCluster(lab, { name: "workloads", workloadIdentity: true });
  const id = c.record.clusterId;
  await lab.kube.storage.write(async (tx) => {
    await tx.create(id, "namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: WEBHOOK_NAMESPACE } as never });
    await tx.create(id, "mutatingwebhookconfigurations", mutatingWebhookConfiguration() as unknown as KubeObject);
  });
  await setImageMapping(lab.kube, SLEEPER.replace(":v1", ""), [process.execPath, "-e", "setInterval(() => {}, 1000)"]);
  await setImageMapping(lab.kube, OK, [process.execPath, "-e", "console.log('done')"]);
  await setImageMapping(lab.kube, FAIL, [process.execPath, "-e", "process.exit(3)"]);
  await setImageMapping(lab.kube, INDEX, [process.execPath, "-e", "console.log('index=' + process.env.JOB_COMPLETION_INDEX)"]);
  const r = await kubectl(c, ["apply", "-f", "-"], { input: SA_MANIFEST(CLIENT_ID) });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  c.cleanup();
  await lab.stop();
});

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function deployment(name: string, o: { replicas?: number; labelOnTemplate?: boolean; labelOnDeployment?: boolean; sa?: string; env?: string } = {}): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: default
${o.labelOnDeployment ? `  labels:\n    azure.workload.identity/use: "true"\n` : ""}spec:
  replicas: ${o.replicas ?? 2}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
${o.labelOnTemplate ? `        azure.workload.identity/use: "true"\n` : ""}    spec:
      serviceAccountName: ${o.sa ?? "workload-identity-sa"}
      terminationGracePeriodSeconds: 1
      containers:
      - name: app
        image: ${SLEEPER}
        env:
        - name: MODE
          value: ${o.env ?? "one"}
`;
}

function job(name: string, image: string, backoffLimit: number): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  namespace: default
spec:
  backoffLimit: ${backoffLimit}
  template:
    spec:
      restartPolicy: Never
      serviceAccountName: workload-identity-sa
      containers:
      - name: main
        image: ${image}
`;
}

async function pods(selector: string): Promise<KubeObject[]> {
  const r = await api(c, "GET", `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`);
  return (r.body.items as KubeObject[]).filter((p) => !p.metadata.deletionTimestamp);
}

function envOf(p: KubeObject): Record<string, string> {
  const cs = ((p.spec as Obj).containers as Obj[])[0]!;
  return Object.fromEntries(((cs.env ?? []) as { name: string; value?: string }[]).map((e) => [e.name, e.value ?? ""]));
}

test("a Deployment with the label on its pod template: ReplicaSet, webhook-mutated pods, rollout status, get and describe", async () => {
  let r = await kubectl(c, ["apply", "-f", "-"], { input: deployment("wi-app", { labelOnTemplate: true }) });
  assert.equal(r.stdout.trim(), "deployment.apps/wi-app created", r.stderr);
  r = await kubectl(c, ["rollout", "status", "deployment/wi-app", "--timeout=90s"], { timeoutMs: 100_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /deployment "wi-app" successfully rolled out/);

  const d = (await api(c, "GET", "/apis/apps/v1/namespaces/default/deployments/wi-app")).body as unknown as KubeObject;
  assert.equal(d.metadata.generation, 1);
  assert.equal(d.metadata.annotations?.["deployment.kubernetes.io/revision"], "1");
  const st = d.status as Obj;
  assert.equal(st.observedGeneration, 1);
  assert.equal(st.updatedReplicas, 2);
  assert.equal(st.availableReplicas, 2);
  const progressing = (st.conditions as Obj[]).find((x) => x.type === "Progressing")!;
  assert.equal(progressing.reason, "NewReplicaSetAvailable");

  const rsList = (await api(c, "GET", "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dwi-app")).body.items as KubeObject[];
  assert.equal(rsList.length, 1);
  const rs = rsList[0]!;
  const hash = rs.metadata.labels!["pod-template-hash"]!;
  assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(rs.metadata.name, `wi-app-${hash}`);
  const rsRef = (rs.metadata.ownerReferences as Obj[])[0]!;
  assert.deepEqual([rsRef.kind, rsRef.name, rsRef.controller, rsRef.blockOwnerDeletion], ["Deployment", "wi-app", true, true]);

  const ps = await pods("app=wi-app");
  assert.equal(ps.length, 2);
  for (const p of ps) {
    assert.equal(p.metadata.generateName, `${rs.metadata.name}-`);
    assert.ok(p.metadata.name.startsWith(`${rs.metadata.name}-`));
    const ref = (p.metadata.ownerReferences as Obj[])[0]!;
    assert.deepEqual([ref.apiVersion, ref.kind, ref.name, ref.uid, ref.controller, ref.blockOwnerDeletion], ["apps/v1", "ReplicaSet", rs.metadata.name, rs.metadata.uid, true, true]);
    assert.equal(envOf(p).AZURE_CLIENT_ID, CLIENT_ID, "the webhook mutated the pod made from the template");
    const chain = await ownerChain(lab.kube, c.record.clusterId, p);
    assert.deepEqual(chain.map((x) => `${x.kind}/${x.metadata.name}`), [`ReplicaSet/${rs.metadata.name}`, "Deployment/wi-app"]);
    assert.ok(envOf(p).AZURE_FEDERATED_TOKEN_FILE);
    await until(`pod ${p.metadata.name} running`, async () => {
      const cur = (await api(c, "GET", `/api/v1/namespaces/default/pods/${p.metadata.name}`)).body;
      return (cur.status as Obj | undefined)?.phase === "Running";
    });
  }

  r = await kubectl(c, ["get", "deploy,rs,pods"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n(.*\n)*deployment\.apps\/wi-app\s+2\/2\s+2\s+2\s+\d+s/);
  assert.match(r.stdout, new RegExp(`NAME\\s+DESIRED\\s+CURRENT\\s+READY\\s+AGE\\n(.*\\n)*replicaset\\.apps/wi-app-${hash}\\s+2\\s+2\\s+2\\s+\\d+s`));
  assert.match(r.stdout, new RegExp(`pod/wi-app-${hash}-[a-z0-9]{5}\\s+1/1\\s+Running`));

  r = await kubectl(c, ["describe", "deployment", "wi-app"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable/);
  assert.match(r.stdout, new RegExp(`NewReplicaSet:\\s+wi-app-${hash} \\(2/2 replicas created\\)`));
  assert.match(r.stdout, new RegExp(`ScalingReplicaSet\\s+\\S+\\s+deployment-controller\\s+Scaled up replica set wi-app-${hash} from 0 to 2`));
  r = await kubectl(c, ["describe", "rs", rs.metadata.name]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Controlled By:\s+Deployment\/wi-app/);
  assert.match(r.stdout, /Pods Status:\s+2 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed/);
  assert.match(r.stdout, /SuccessfulCreate\s+\S+\s+replicaset-controller\s+Created pod: wi-app-/);

  for (const k of VERSIONED) {
    if (!existsSync(k.bin)) continue;
    const vr = await kubectl(c, ["rollout", "status", "deployment/wi-app", "--timeout=30s"], { bin: k.bin });
    assert.equal(vr.code, 0, `${k.v}: ${vr.stderr}`);
    assert.match(vr.stdout, /successfully rolled out/);
    const g = await kubectl(c, ["get", "deploy", "wi-app"], { bin: k.bin });
    assert.match(g.stdout, /wi-app\s+2\/2\s+2\s+2/, `${k.v}: ${g.stderr}`);
    const dd = await kubectl(c, ["describe", "deployment", "wi-app"], { bin: k.bin });
    assert.match(dd.stdout, new RegExp(`NewReplicaSet:\\s+wi-app-${hash} \\(2/2 replicas created\\)`), `${k.v}: ${dd.stderr}`);
  }
});

test("the label on the Deployment's metadata instead of its pod template: pods are not mutated, as on a real cluster", async () => {
  let r = await kubectl(c, ["apply", "-f", "-"], { input: deployment("meta-only", { labelOnDeployment: true, replicas: 1 }) });
  assert.equal(r.stdout.trim(), "deployment.apps/meta-only created", r.stderr);
  r = await kubectl(c, ["rollout", "status", "deployment/meta-only", "--timeout=90s"], { timeoutMs: 100_000 });
  assert.equal(r.code, 0, r.stderr);
  const ps = await pods("app=meta-only");
  assert.equal(ps.length, 1);
  const p = ps[0]!;
  assert.equal(p.metadata.labels?.["azure.workload.identity/use"], undefined);
  assert.equal(envOf(p).AZURE_CLIENT_ID, undefined);
  assert.equal(envOf(p).AZURE_FEDERATED_TOKEN_FILE, undefined);
  assert.ok(!((p.spec as Obj).volumes as Obj[]).some((v) => v.name === "azure-identity-token"));
  await kubectl(c, ["delete", "deployment", "meta-only"]);
});

test("kubectl scale, a template change (new ReplicaSet, old one scaled down), rollout status each time", async () => {
  let r = await kubectl(c, ["scale", "deployment/wi-app", "--replicas=3"]);
  assert.equal(r.stdout.trim(), "deployment.apps/wi-app scaled", r.stderr);
  r = await kubectl(c, ["rollout", "status", "deployment/wi-app", "--timeout=90s"], { timeoutMs: 100_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await pods("app=wi-app")).length, 3);
  const d1 = (await api(c, "GET", "/apis/apps/v1/namespaces/default/deployments/wi-app")).body as unknown as KubeObject;
  assert.equal(d1.metadata.generation, 2);

  r = await kubectl(c, ["apply", "-f", "-"], { input: deployment("wi-app", { labelOnTemplate: true, replicas: 3, env: "two" }) });
  assert.equal(r.stdout.trim(), "deployment.apps/wi-app configured", r.stderr);
  r = await kubectl(c, ["rollout", "status", "deployment/wi-app", "--timeout=120s"], { timeoutMs: 130_000 });
  assert.equal(r.code, 0, r.stderr);
  const rsList = (await api(c, "GET", "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dwi-app")).body.items as KubeObject[];
  assert.equal(rsList.length, 2);
  const byRev = (n: string) => rsList.find((x) => x.metadata.annotations?.["deployment.kubernetes.io/revision"] === n)!;
  assert.equal((byRev("1").spec as Obj).replicas, 0);
  assert.equal((byRev("2").spec as Obj).replicas, 3);
  await until("old pods gone", async () => (await pods("app=wi-app")).every((p) => envOf(p).MODE === "two") && (await pods("app=wi-app")).length === 3);
  r = await kubectl(c, ["describe", "deployment", "wi-app"]);
  assert.match(r.stdout, new RegExp(`Scaled down replica set ${byRev("1").metadata.name} from \\d to 0`));
});

test("kubectl delete deployment: the ReplicaSets and their pods go too (garbage collection of dependents)", async () => {
  const r = await kubectl(c, ["delete", "deployment", "wi-app"]);
  assert.equal(r.stdout.trim(), 'deployment.apps "wi-app" deleted', r.stderr);
  await until("replica sets collected", async () => ((await api(c, "GET", "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dwi-app")).body.items as unknown[]).length === 0);
  await until("pods collected", async () => ((await api(c, "GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dwi-app")).body.items as unknown[]).length === 0);
});

test("a Job that completes: kubectl wait --for=condition=complete, get jobs, labels, events", async () => {
  let r = await kubectl(c, ["apply", "-f", "-"], { input: job("ok-job", OK, 2) });
  assert.equal(r.stdout.trim(), "job.batch/ok-job created", r.stderr);
  r = await kubectl(c, ["wait", "--for=condition=complete", "job/ok-job", "--timeout=90s"], { timeoutMs: 100_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "job.batch/ok-job condition met");
  const j = (await api(c, "GET", "/apis/batch/v1/namespaces/default/jobs/ok-job")).body as unknown as KubeObject;
  const st = j.status as Obj;
  assert.equal(st.succeeded, 1);
  assert.ok(st.completionTime && st.startTime);
  assert.deepEqual((st.conditions as Obj[]).map((x) => x.type), ["SuccessCriteriaMet", "Complete"]);
  const uid = j.metadata.uid;
  assert.equal(((j.spec as Obj).selector as Obj).matchLabels && (((j.spec as Obj).selector as Obj).matchLabels as Obj)["batch.kubernetes.io/controller-uid"], uid);
  const jp = (await api(c, "GET", "/api/v1/namespaces/default/pods?labelSelector=job-name%3Dok-job")).body.items as KubeObject[];
  assert.equal(jp.length, 1);
  const labels = jp[0]!.metadata.labels!;
  assert.deepEqual([labels["batch.kubernetes.io/job-name"], labels["controller-uid"], labels["batch.kubernetes.io/controller-uid"]], ["ok-job", uid, uid]);
  assert.equal(jp[0]!.metadata.generateName, "ok-job-");
  r = await kubectl(c, ["get", "jobs", "ok-job"]);
  assert.match(r.stdout, /NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\nok-job\s+Complete\s+1\/1\s+\d+s\s+\d+s/);
  r = await kubectl(c, ["describe", "job", "ok-job"]);
  assert.match(r.stdout, /Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed/);
  assert.match(r.stdout, /SuccessfulCreate\s+\S+\s+job-controller\s+Created pod: ok-job-/);
  assert.match(r.stdout, /Completed\s+\S+\s+job-controller\s+Job completed/);
});

test("a Job that fails past its backoffLimit (with the failure backoff on the lab clock): Failed, BackoffLimitExceeded", async () => {
  let r = await kubectl(c, ["apply", "-f", "-"], { input: job("bad-job", FAIL, 1) });
  assert.equal(r.stdout.trim(), "job.batch/bad-job created", r.stderr);
  await until("first failure counted", async () => ((await api(c, "GET", "/apis/batch/v1/namespaces/default/jobs/bad-job")).body.status as Obj | undefined)?.failed === 1);
  // The replacement waits for the 10s backoff; move the lab clock past it.
  lab.ctx.clock.advance(15_000);
  r = await kubectl(c, ["wait", "--for=condition=failed", "job/bad-job", "--timeout=90s"], { timeoutMs: 100_000 });
  assert.equal(r.code, 0, r.stderr);
  const j = (await api(c, "GET", "/apis/batch/v1/namespaces/default/jobs/bad-job")).body as unknown as KubeObject;
  const st = j.status as Obj;
  assert.equal(st.failed, 2);
  const failed = (st.conditions as Obj[]).find((x) => x.type === "Failed")!;
  assert.deepEqual([failed.status, failed.reason, failed.message], ["True", "BackoffLimitExceeded", "Job has reached the specified backoff limit"]);
  assert.ok((st.conditions as Obj[]).some((x) => x.type === "FailureTarget"));
  r = await kubectl(c, ["get", "jobs", "bad-job"]);
  assert.match(r.stdout, /bad-job\s+Failed\s+0\/1/);
  r = await kubectl(c, ["get", "events", "--field-selector", "involvedObject.name=bad-job"]);
  assert.match(r.stdout, /Warning\s+BackoffLimitExceeded\s+job\/bad-job\s+Job has reached the specified backoff limit/);
  r = await kubectl(c, ["delete", "job", "bad-job"]);
  assert.equal(r.code, 0, r.stderr);
  await until("job pods collected", async () => ((await api(c, "GET", "/api/v1/namespaces/default/pods?labelSelector=job-name%3Dbad-job")).body.items as unknown[]).length === 0);
});

test("a missing service account: FailedCreate with the API server's error, ReplicaFailure on the ReplicaSet and the Deployment", async () => {
  const r = await kubectl(c, ["apply", "-f", "-"], { input: deployment("no-sa", { sa: "missing", replicas: 1 }) });
  assert.equal(r.code, 0, r.stderr);
  const rs = await until("replica set", async () => ((await api(c, "GET", "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dno-sa")).body.items as KubeObject[])[0]);
  const text = `Error creating: pods "${rs.metadata.name}-" is forbidden: error looking up service account default/missing: serviceaccount "missing" not found`;
  const ev = await until("FailedCreate event", async () => {
    const list = (await api(c, "GET", `/api/v1/namespaces/default/events`)).body.items as Obj[];
    return list.find((e) => e.reason === "FailedCreate" && (e.involvedObject as Obj).name === rs.metadata.name);
  });
  assert.equal(ev.type, "Warning");
  assert.equal(ev.message, text);
  assert.equal((ev.source as Obj).component, "replicaset-controller");
  const d = await until("ReplicaFailure on the deployment", async () => {
    const cur = (await api(c, "GET", "/apis/apps/v1/namespaces/default/deployments/no-sa")).body;
    const conds = ((cur.status as Obj | undefined)?.conditions ?? []) as Obj[];
    return conds.find((x) => x.type === "ReplicaFailure");
  });
  assert.equal(d.reason, "FailedCreate");
  const desc = await kubectl(c, ["describe", "rs", rs.metadata.name]);
  assert.match(desc.stdout, /Warning\s+FailedCreate\s+.*replicaset-controller\s+Error creating: pods ".*" is forbidden: error looking up service account default\/missing/);
  await kubectl(c, ["delete", "deployment", "no-sa"]);
});

test("strict validation and apps/v1 validation errors as kubectl prints them", async () => {
  let r = await kubectl(c, ["apply", "-f", "-"], { input: deployment("typo").replace("        image:", "        imagee:") });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /strict decoding error: unknown field "spec\.template\.spec\.containers\[0\]\.imagee"/);
  r = await kubectl(c, ["apply", "-f", "-"], { input: deployment("mismatch").replace("      app: mismatch\n  template", "      app: other\n  template") });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /The Deployment "mismatch" is invalid: spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"mismatch"\}: `selector` does not match template `labels`/);
  r = await kubectl(c, ["apply", "-f", "-"], { input: job("always", OK, 1).replace("restartPolicy: Never", "restartPolicy: Always") });
  assert.match(r.stderr, /spec\.template\.spec\.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"/);
});

test("kubectl create deployment/job (protobuf bodies), set image, rollout history and undo (the old ReplicaSet comes back), foreground delete", async () => {
  let r = await kubectl(c, ["create", "deployment", "made", `--image=${SLEEPER}`, "--replicas=1"]);
  assert.equal(r.stdout.trim(), "deployment.apps/made created", r.stderr);
  r = await kubectl(c, ["rollout", "status", "deployment/made", "--timeout=90s"], { timeoutMs: 100_000 });
  assert.equal(r.code, 0, r.stderr);
  const first = ((await api(c, "GET", "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dmade")).body.items as KubeObject[])[0]!;
  r = await kubectl(c, ["set", "image", "deployment/made", `sleeper=${SLEEPER.replace(":v1", ":v2")}`]);
  assert.equal(r.stdout.trim(), "deployment.apps/made image updated", r.stderr);
  r = await kubectl(c, ["rollout", "status", "deployment/made", "--timeout=90s"], { timeoutMs: 100_000 });
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl(c, ["rollout", "history", "deployment/made"]);
  assert.match(r.stdout, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
  r = await kubectl(c, ["rollout", "undo", "deployment/made"]);
  assert.equal(r.stdout.trim(), "deployment.apps/made rolled back", r.stderr);
  r = await kubectl(c, ["rollout", "status", "deployment/made", "--timeout=90s"], { timeoutMs: 100_000 });
  assert.equal(r.code, 0, r.stderr);
  const after = (await api(c, "GET", `/apis/apps/v1/namespaces/default/replicasets/${first.metadata.name}`)).body as unknown as KubeObject;
  assert.equal((after.spec as Obj).replicas, 1, "the first replica set is the new one again");
  assert.equal(after.metadata.annotations?.["deployment.kubernetes.io/revision"], "3");
  assert.equal(((await api(c, "GET", "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dmade")).body.items as unknown[]).length, 2);

  r = await kubectl(c, ["create", "job", "made-job", `--image=${OK}`]);
  assert.equal(r.stdout.trim(), "job.batch/made-job created", r.stderr);
  r = await kubectl(c, ["wait", "--for=condition=complete", "job/made-job", "--timeout=90s"], { timeoutMs: 100_000 });
  assert.equal(r.code, 0, r.stderr);

  r = await kubectl(c, ["delete", "deployment", "made", "--cascade=foreground", "--timeout=90s"], { timeoutMs: 100_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(((await api(c, "GET", "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dmade")).body.items as unknown[]).length, 0, "foreground: dependents went first");
});

test("kubectl delete with --cascade=orphan keeps the ReplicaSet, without its owner reference", async () => {
  let r = await kubectl(c, ["create", "deployment", "orphaned", `--image=${SLEEPER}`]);
  assert.equal(r.code, 0, r.stderr);
  const rs = await until("replica set", async () => ((await api(c, "GET", "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dorphaned")).body.items as KubeObject[])[0]);
  r = await kubectl(c, ["delete", "deployment", "orphaned", "--cascade=orphan", "--timeout=60s"]);
  assert.equal(r.code, 0, r.stderr);
  const kept = (await api(c, "GET", `/apis/apps/v1/namespaces/default/replicasets/${rs.metadata.name}`)).body as unknown as KubeObject;
  assert.equal(kept.metadata.ownerReferences, undefined);
  r = await kubectl(c, ["delete", "rs", rs.metadata.name]);
  assert.equal(r.code, 0, r.stderr);
  await until("pods collected", async () => ((await api(c, "GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dorphaned")).body.items as unknown[]).length === 0);
  // Any kind honours the policies: a ConfigMap without dependents goes once the collector lifts the finalizer.
  r = await kubectl(c, ["create", "configmap", "plain", "--from-literal=a=b"]);
  assert.equal(r.code, 0, r.stderr);
  r = await kubectl(c, ["delete", "configmap", "plain", "--cascade=foreground", "--timeout=60s"], { timeoutMs: 70_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await api(c, "GET", "/api/v1/namespaces/default/configmaps/plain")).status, 404);
});

test("an Indexed Job: one pod per completion index, JOB_COMPLETION_INDEX, completedIndexes", async () => {
  const manifest = job("indexed", INDEX, 1).replace("  backoffLimit: 1\n", "  backoffLimit: 1\n  completions: 3\n  parallelism: 2\n  completionMode: Indexed\n");
  let r = await kubectl(c, ["apply", "-f", "-"], { input: manifest });
  assert.equal(r.stdout.trim(), "job.batch/indexed created", r.stderr);
  r = await kubectl(c, ["wait", "--for=condition=complete", "job/indexed", "--timeout=90s"], { timeoutMs: 100_000 });
  assert.equal(r.code, 0, r.stderr);
  const j = (await api(c, "GET", "/apis/batch/v1/namespaces/default/jobs/indexed")).body as unknown as KubeObject;
  assert.equal((j.status as Obj).completedIndexes, "0-2");
  assert.equal((j.status as Obj).succeeded, 3);
  const ps = (await api(c, "GET", "/api/v1/namespaces/default/pods?labelSelector=job-name%3Dindexed")).body.items as KubeObject[];
  assert.deepEqual(ps.map((p) => p.metadata.annotations?.["batch.kubernetes.io/job-completion-index"]).sort(), ["0", "1", "2"]);
  for (const p of ps) {
    const i = p.metadata.annotations!["batch.kubernetes.io/job-completion-index"]!;
    assert.ok(p.metadata.name.startsWith(`indexed-${i}-`));
    assert.equal((p.spec as Obj).hostname, `indexed-${i}`);
    const logs = await kubectl(c, ["logs", p.metadata.name]);
    assert.equal(logs.stdout.trim(), `index=${i}`, logs.stderr);
  }
  r = await kubectl(c, ["get", "job", "indexed"]);
  assert.match(r.stdout, /indexed\s+Complete\s+3\/3/);
  // ttlSecondsAfterFinished: the job and its pods go once the TTL has passed on the lab clock.
  r = await kubectl(c, ["patch", "job", "indexed", "--type=merge", "-p", '{"spec":{"ttlSecondsAfterFinished":600}}']);
  assert.equal(r.code, 0, r.stderr);
  lab.ctx.clock.advance(601_000);
  await until("job expired", async () => (await api(c, "GET", "/apis/batch/v1/namespaces/default/jobs/indexed")).status === 404);
  await until("its pods collected", async () => ((await api(c, "GET", "/api/v1/namespaces/default/pods?labelSelector=job-name%3Dindexed")).body.items as unknown[]).length === 0);
});

// Real kubectl against a lab cluster's API server: apply with default validation, get (Table), watch, wait,
// logs, create token, delete, and kube-apiserver's errors as kubectl prints them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { startTestLab } from "../helpers/lab.js";
import type { Lab } from "../../src/index.js";
import type { KubeObject, PodLogOptions } from "../../src/kube/index.js";
import { mutatingWebhookConfiguration, WEBHOOK_NAMESPACE } from "../../src/webhook/index.js";
import { makeCluster, kubectl, api, SA_MANIFEST, POD_MANIFEST, type TestCluster } from "../helpers/kube.js";

let lab: Lab;
let c: TestCluster;
const CLIENT_ID = "00000000-1111-2222-3333-444444444444";

before(async () => {
  lab = await startTestLab();
  c = await makeCluster(lab, { name: "kubectl-cluster" });
});
after(async () => {
  c.cleanup();
  await lab.stop();
});

function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}

test("kubectl apply of the article's ServiceAccount: created, unchanged, configured", async () => {
  let r = await kubectl(c, ["apply", "-f", "-"], { input: SA_MANIFEST(CLIENT_ID) });
  assert.equal(r.stderr, "");
  assert.equal(r.stdout.trim(), "serviceaccount/workload-identity-sa created");
  r = await kubectl(c, ["apply", "-f", "-"], { input: SA_MANIFEST(CLIENT_ID) });
  assert.equal(r.stdout.trim(), "serviceaccount/workload-identity-sa unchanged", r.stderr);
  r = await kubectl(c, ["apply", "-f", "-"], { input: SA_MANIFEST("55555555-1111-2222-3333-444444444444") });
  assert.equal(r.stdout.trim(), "serviceaccount/workload-identity-sa configured", r.stderr);
  const sa = await api(c, "GET", "/api/v1/namespaces/default/serviceaccounts/workload-identity-sa");
  const ann = (sa.body.metadata as { annotations: Record<string, string> }).annotations;
  assert.equal(ann["azure.workload.identity/client-id"], "55555555-1111-2222-3333-444444444444");
  assert.ok(ann["kubectl.kubernetes.io/last-applied-configuration"]);
  r = await kubectl(c, ["get", "sa"]);
  assert.match(r.stdout, /^NAME\s+SECRETS\s+AGE\n/);
  assert.match(r.stdout, /workload-identity-sa\s+0\s+\d+s/);
});

test("kubectl apply of the article's Pod, get pods (table), logs, delete", async () => {
  let r = await kubectl(c, ["apply", "-f", "-"], { input: POD_MANIFEST() });
  assert.equal(r.stdout.trim(), "pod/sample-quick-start created", r.stderr);
  r = await kubectl(c, ["apply", "-f", "-"], { input: POD_MANIFEST() });
  assert.equal(r.stdout.trim(), "pod/sample-quick-start unchanged", r.stderr);
  r = await kubectl(c, ["get", "pods"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
  assert.match(r.stdout, /sample-quick-start\s+[01]\/1\s+\S+\s+0\s+\d+s/);

  const pod = await api(c, "GET", "/api/v1/namespaces/default/pods/sample-quick-start");
  const spec = pod.body.spec as { serviceAccountName: string; volumes: { name: string }[]; containers: { volumeMounts: { mountPath: string }[] }[] };
  assert.equal(spec.serviceAccountName, "workload-identity-sa");
  assert.match(spec.volumes[0]!.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.equal(spec.containers[0]!.volumeMounts[0]!.mountPath, "/var/run/secrets/kubernetes.io/serviceaccount");

  const seen: PodLogOptions[] = [];
  lab.kube.podLogs = {
    logs: async (_cid, _ns, _pod, o) => {
      seen.push(o);
      return Readable.from(["line 1\n", "line 2\n"]);
    },
  };
  r = await kubectl(c, ["logs", "sample-quick-start", "--tail", "5"]);
  assert.equal(r.stdout, "line 1\nline 2\n", r.stderr);
  assert.equal(seen[0]!.container, "oidc");
  assert.equal(seen[0]!.tailLines, 5);
  r = await kubectl(c, ["logs", "-f", "sample-quick-start"]);
  assert.equal(r.stdout, "line 1\nline 2\n", r.stderr);
  assert.equal(seen[1]!.follow, true);

  r = await kubectl(c, ["delete", "pod", "sample-quick-start", "--wait=true", "--timeout=60s"]);
  assert.equal(r.stdout.trim(), 'pod "sample-quick-start" deleted', r.stderr);
  r = await kubectl(c, ["get", "pod", "sample-quick-start"]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim(), 'Error from server (NotFound): pods "sample-quick-start" not found');
});

test("kubectl create token: issuer, subject, audience, one hour; --duration 5m is refused", async () => {
  await kubectl(c, ["apply", "-f", "-"], { input: SA_MANIFEST(CLIENT_ID) });
  let r = await kubectl(c, ["create", "token", "workload-identity-sa", "--audience", "api://AzureADTokenExchange"]);
  assert.equal(r.code, 0, r.stderr);
  const claims = decodeJwt(r.stdout.trim());
  assert.equal(claims.iss, lab.kube.issuerUrl(c.record));
  assert.equal(claims.sub, "system:serviceaccount:default:workload-identity-sa");
  assert.deepEqual(claims.aud, ["api://AzureADTokenExchange"]);
  assert.equal(Number(claims.exp) - Number(claims.iat), 3600);
  r = await kubectl(c, ["create", "token", "workload-identity-sa"]);
  assert.deepEqual(decodeJwt(r.stdout.trim()).aud, [lab.kube.issuerUrl(c.record)]);
  r = await kubectl(c, ["create", "token", "workload-identity-sa", "--duration", "5m"]);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr.trim(),
    'error: failed to create token: TokenRequest.authentication.k8s.io "workload-identity-sa" is invalid: spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes',
  );
  r = await kubectl(c, ["create", "token", "missing-sa"]);
  assert.equal(r.stderr.trim(), 'error: failed to create token: serviceaccounts "missing-sa" not found');
});

test("kubectl get pods -w streams events; kubectl wait --for=condition=Ready", async () => {
  await kubectl(c, ["apply", "-f", "-"], { input: SA_MANIFEST(CLIENT_ID) });
  const manifest = POD_MANIFEST().replace("name: sample-quick-start", "name: watched");
  let r = await kubectl(c, ["apply", "-f", "-"], { input: manifest });
  assert.equal(r.code, 0, r.stderr);

  const watcher = spawn("kubectl", ["get", "pods", "-w"], { env: { PATH: process.env.PATH ?? "", HOME: c.home, KUBECONFIG: c.kubeconfig } });
  let out = "";
  const lines = new Promise<void>((resolve) => {
    watcher.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (/watched\s+1\/1\s+Running/.test(out)) resolve();
    });
  });
  const waiter = kubectl(c, ["wait", "--for=condition=Ready", "pod/watched", "--timeout=60s"]);
  await new Promise((res) => setTimeout(res, 300));
  const now = new Date(lab.ctx.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
  const st = await api(
    c,
    "PATCH",
    "/api/v1/namespaces/default/pods/watched/status",
    {
      status: {
        phase: "Running",
        conditions: [
          { type: "Initialized", status: "True", lastTransitionTime: now },
          { type: "Ready", status: "True", lastTransitionTime: now },
          { type: "ContainersReady", status: "True", lastTransitionTime: now },
          { type: "PodScheduled", status: "True", lastTransitionTime: now },
        ],
        containerStatuses: [{ name: "oidc", ready: true, started: true, restartCount: 0, image: "x", imageID: "", state: { running: { startedAt: now } } }],
      },
    },
    { "content-type": "application/strategic-merge-patch+json" },
  );
  assert.equal(st.status, 200, st.text);
  r = await waiter;
  assert.equal(r.stdout.trim(), "pod/watched condition met", r.stderr);
  await lines;
  watcher.kill();
  assert.match(out, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
  assert.equal(out.match(/^NAME/gm)?.length, 1);
});

test("kubectl 1.27 … 1.33: apply, get and create token", async () => {
  for (let minor = 27; minor <= 33; minor++) {
    const bin = `/usr/lib/google-cloud-sdk/bin/kubectl.1.${minor}`;
    const vc = await makeCluster(lab, { name: `v1-${minor}`, version: `1.${minor}.3` });
    try {
      let r = await kubectl(vc, ["apply", "-f", "-"], { bin, input: SA_MANIFEST(CLIENT_ID) });
      assert.equal(r.stdout.trim(), "serviceaccount/workload-identity-sa created", `1.${minor}: ${r.stderr}`);
      r = await kubectl(vc, ["apply", "-f", "-"], { bin, input: POD_MANIFEST() });
      assert.equal(r.stdout.trim(), "pod/sample-quick-start created", `1.${minor}: ${r.stderr}`);
      r = await kubectl(vc, ["apply", "-f", "-"], { bin, input: POD_MANIFEST() });
      assert.equal(r.stdout.trim(), "pod/sample-quick-start unchanged", `1.${minor}: ${r.stderr}`);
      r = await kubectl(vc, ["get", "pods"], { bin });
      assert.match(r.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nsample-quick-start\s+/, `1.${minor}: ${r.stderr}`);
      r = await kubectl(vc, ["create", "token", "workload-identity-sa", "--audience", "api://AzureADTokenExchange"], { bin });
      assert.equal(r.code, 0, `1.${minor}: ${r.stderr}`);
      const claims = decodeJwt(r.stdout.trim());
      assert.equal(claims.sub, "system:serviceaccount:default:workload-identity-sa");
      assert.equal(Number(claims.exp) - Number(claims.iat), 3600);
      await kubectl(vc, ["delete", "pod", "sample-quick-start", "--wait=false"], { bin });
    } finally {
      vc.cleanup();
    }
  }
});

test("workload identity cluster: the lab-hosted webhook (resolved from the MWC's service) mutates the labelled pod only", async () => {
  const wc = await makeCluster(lab, { name: "wi-cluster", workloadIdentity: true });
  try {
    await lab.kube.storage.write(async (tx) => {
      const id = wc.record.clusterId;
      await tx.create(id, "namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: WEBHOOK_NAMESPACE } as never });
      await tx.create(id, "mutatingwebhookconfigurations", mutatingWebhookConfiguration() as unknown as KubeObject);
    });
    let r = await kubectl(wc, ["apply", "-f", "-"], { input: SA_MANIFEST(CLIENT_ID) });
    assert.equal(r.code, 0, r.stderr);
    r = await kubectl(wc, ["apply", "-f", "-"], { input: POD_MANIFEST() });
    assert.equal(r.stdout.trim(), "pod/sample-quick-start created", r.stderr);
    const pod = await api(wc, "GET", "/api/v1/namespaces/default/pods/sample-quick-start");
    const spec = pod.body.spec as { containers: { env: { name: string; value?: string }[]; volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] }[]; volumes: { name: string }[] };
    const env = Object.fromEntries(spec.containers[0]!.env.map((e) => [e.name, e.value]));
    assert.equal(env.AZURE_CLIENT_ID, CLIENT_ID);
    assert.equal(env.AZURE_TENANT_ID, lab.tenantId);
    assert.equal(env.AZURE_FEDERATED_TOKEN_FILE, "/var/run/secrets/azure/tokens/azure-identity-token");
    assert.ok(env.AZURE_AUTHORITY_HOST);
    assert.deepEqual(spec.volumes.map((v) => v.name).slice(-1), ["azure-identity-token"]);
    assert.ok(spec.containers[0]!.volumeMounts.some((m) => m.name === "azure-identity-token" && m.mountPath === "/var/run/secrets/azure/tokens" && m.readOnly));
    // kubectl's 3-way patch now carries `$setElementOrder/env` (the webhook appended env entries), so kubectl says
    // "configured" as it does against a real cluster; the patch changes nothing.
    r = await kubectl(wc, ["apply", "-f", "-"], { input: POD_MANIFEST() });
    assert.equal(r.stdout.trim(), "pod/sample-quick-start configured", r.stderr);
    const again = await api(wc, "GET", "/api/v1/namespaces/default/pods/sample-quick-start");
    assert.deepEqual((again.body.spec as typeof spec).containers[0]!.env, spec.containers[0]!.env);

    r = await kubectl(wc, ["apply", "-f", "-"], { input: POD_MANIFEST().replace("name: sample-quick-start", "name: plain").replace(/ {2}labels:\n.*\n/, "") });
    assert.equal(r.stdout.trim(), "pod/plain created", r.stderr);
    const plain = await api(wc, "GET", "/api/v1/namespaces/default/pods/plain");
    const pspec = plain.body.spec as { containers: { env: { name: string }[] }[]; volumes: { name: string }[] };
    assert.deepEqual(pspec.containers[0]!.env.map((e) => e.name), ["KEYVAULT_URL", "SECRET_NAME"]);
    assert.equal(pspec.volumes.length, 1);
    await kubectl(wc, ["delete", "pod", "--all", "--wait=false"]);
  } finally {
    wc.cleanup();
  }
});

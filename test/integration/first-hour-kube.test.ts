// The acceptance test of issue 8 ("the first hour"), the cluster side: the service account without the client-id
// annotation, the pod without the azure.workload.identity/use label, and the label on the Deployment instead of its
// pod template. The SDK in the pod never reaches Entra: no sign-in is recorded (read over Microsoft Graph), and wilab's
// own WorkloadIdentity… warning events (kubectl describe, the lab log) say why. For each, `wilab doctor pod` exits 1
// naming both values and a fix; the printed fix (kubectl) is run, and the new pod reads the secret.
// The Entra and Key Vault side is in first-hour.test.ts; the setup in test/helpers/firstHour.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { kubectl } from "../helpers/kube.js";
import type { KubeObject } from "../../src/kube/index.js";
import { DEPLOY, IDENTITY, POD, SA, VAULT, byId, cluster, describeShows, doctor, dump, failing, identity, k, lab, logUntil, logged, mark, podManifest, readsTheSecretAndPasses, recreatePod, restoreChain, runFix, signInsSince, until, useFirstHourLab } from "../helpers/firstHour.js";

useFirstHourLab();

test("no client-id annotation on the service account: the SDK never reaches Entra (no sign-in), the doctor names the annotation and the clientId; the printed fix works", async () => {
  await restoreChain();
  const m = mark();
  await k("annotate", "serviceaccount", SA, "-n", "default", "azure.workload.identity/client-id-");
  await recreatePod();
  const logs = await logUntil(POD, /environment variable is not set|failed to get secret|successfully got secret/);
  assert.match(logs, /^AZURE_CLIENT_ID environment variable is not set$/m, logs);

  const { code, report } = await doctor(POD);
  assert.equal(code, 1, dump(report));
  // The webhook injected no AZURE_CLIENT_ID (it injects only a value): webhook-mutation points back at the service account.
  assert.deepEqual(failing(report), ["service-account", "webhook-mutation"], dump(report));
  assert.equal(byId(report, "webhook-mutation").actual, "AZURE_CLIENT_ID not set");
  const sa = byId(report, "service-account");
  assert.equal(sa.actual, "no such annotation");
  assert.match(sa.expected ?? "", new RegExp(`azure.workload.identity/client-id=<the identity's clientId> \\(${identity.clientId}, identity ${IDENTITY}\\)`));
  const fix = `kubectl annotate serviceaccount ${SA} -n default azure.workload.identity/client-id=${identity.clientId} --overwrite`;
  assert.equal(sa.fix, fix);

  assert.deepEqual(await signInsSince(m.since), [], "no sign-in: the SDK had no client id to sign in with");
  const events = await describeShows(POD, ["Scheduled", "Started", "WorkloadIdentityClientIdMissing"]);
  assert.match(events, /Warning +WorkloadIdentityClientIdMissing/);
  assert.ok(events.includes(`has no annotation azure.workload.identity/client-id: AZURE_CLIENT_ID in the pod is empty`), events);
  const warned = await logged(m.from, "the warning", (l) => l.face === "kubelet" && l.code === "WorkloadIdentityClientIdMissing");
  assert.equal(warned.level, "warn");

  await runFix(fix);
  await recreatePod();
  await readsTheSecretAndPasses();
});

test("no azure.workload.identity/use label on the pod: not mutated, no sign-in; the doctor names the label; the printed fix (given the manifest) makes a labelled pod that reads the secret", async () => {
  await restoreChain();
  const m = mark();
  await recreatePod({ label: false });
  const logs = await logUntil(POD, /environment variable is not set|failed to get secret|successfully got secret/);
  assert.match(logs, /^AZURE_CLIENT_ID environment variable is not set$/m, logs);

  const { code, report } = await doctor(POD);
  assert.equal(code, 1, dump(report));
  assert.deepEqual(failing(report), ["pod-label"], dump(report));
  const label = byId(report, "pod-label");
  assert.equal(label.expected, "azure.workload.identity/use=true");
  assert.equal(label.actual, "no such label");
  assert.equal(label.fix, "kubectl label --local -f <the pod's manifest> azure.workload.identity/use=true -o yaml | kubectl replace --force -f -");

  assert.deepEqual(await signInsSince(m.since), [], "no sign-in: the pod has no AZURE_* settings");
  const events = await describeShows(POD, ["Scheduled", "Started", "WorkloadIdentityLabelMissing"]);
  assert.match(events, /Warning +WorkloadIdentityLabelMissing/);
  assert.ok(events.includes(`has the annotation azure.workload.identity/client-id=${identity.clientId}, but pod "${POD}" lacks the label azure.workload.identity/use: "true"`), events);
  const warned = await logged(m.from, "the warning", (l) => l.face === "kubelet" && l.code === "WorkloadIdentityLabelMissing");
  assert.equal(warned.level, "warn");

  await runFix(label.fix!.replace("<the pod's manifest>", podManifest({ label: false })));
  await readsTheSecretAndPasses();
});


/** The sample as a Deployment whose author put the label on the Deployment's own metadata, not on its pod template. */
const DEPLOYMENT = () => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${DEPLOY}
  namespace: default
  labels:
    azure.workload.identity/use: "true"
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${DEPLOY}
  template:
    metadata:
      labels:
        app: ${DEPLOY}
    spec:
      serviceAccountName: ${SA}
      terminationGracePeriodSeconds: 5
      containers:
      - name: oidc
        image: ghcr.io/azure/azure-workload-identity/msal-go
        env:
        - name: KEYVAULT_URL
          value: ${lab.vaultUrl(VAULT)}
        - name: SECRET_NAME
          value: my-secret
`;

/** The Deployment's one live pod with (or without) the workload identity label. */
async function deploymentPod(labelled: boolean): Promise<string> {
  const selector = `app=${DEPLOY},${labelled ? "" : "!"}azure.workload.identity/use`;
  return until(`a${labelled ? " labelled" : "n unlabelled"} pod of deployment ${DEPLOY}`, async () => {
    const list = JSON.parse(await k("get", "pods", "-n", "default", "-l", selector, "-o", "json")) as { items: KubeObject[] };
    const live = list.items.filter((p) => !p.metadata.deletionTimestamp);
    return live.length === 1 ? live[0]!.metadata.name : undefined;
  });
}

test("the label on the Deployment instead of its pod template: pods unmutated, no sign-in; the doctor names the Deployment and its template; the printed patch rolls out a pod that reads the secret", async () => {
  await restoreChain();
  const m = mark();
  const applied = await kubectl(cluster, ["apply", "-f", "-"], { input: DEPLOYMENT() });
  assert.equal(applied.stdout.trim(), `deployment.apps/${DEPLOY} created`, applied.stderr);
  const pod = await deploymentPod(false);
  const logs = await logUntil(pod, /environment variable is not set|failed to get secret|successfully got secret/);
  assert.match(logs, /^AZURE_CLIENT_ID environment variable is not set$/m, logs);

  const { code, report } = await doctor(pod);
  assert.equal(code, 1, dump(report));
  assert.deepEqual(failing(report), ["pod-label"], dump(report));
  const label = byId(report, "pod-label");
  assert.equal(label.expected, `spec.template.metadata.labels.azure.workload.identity/use=true on Deployment ${DEPLOY}`);
  assert.equal(label.actual, `metadata.labels.azure.workload.identity/use=true on Deployment ${DEPLOY}; the template has none`);
  const fix = `kubectl patch deployment ${DEPLOY} -n default --type merge -p '{"spec":{"template":{"metadata":{"labels":{"azure.workload.identity/use":"true"}}}}}'`;
  assert.equal(label.fix, fix);

  assert.deepEqual(await signInsSince(m.since), [], "no sign-in: the pod has no AZURE_* settings");
  const events = await describeShows(pod, ["Scheduled", "Started", "WorkloadIdentityLabelMissing"]);
  assert.ok(events.includes(`not to the Deployment's own metadata: kubectl patch deployment ${DEPLOY} -n default`), events);
  const rs = await describeShows(`deployment/${DEPLOY}`, ["ScalingReplicaSet"]);
  assert.match(rs, new RegExp(`Scaled up replica set ${DEPLOY}-[a-z0-9]+ (to|from 0 to) 1`));
  const warned = await logged(m.from, "the warning", (l) => l.face === "kubelet" && l.code === "WorkloadIdentityLabelMissing");
  assert.equal(warned.fields?.pod, `default/${pod}`);

  // The patch rolls out a new ReplicaSet whose pod the webhook mutates.
  await runFix(fix);
  const rollout = await kubectl(cluster, ["rollout", "status", `deployment/${DEPLOY}`, "-n", "default", "--timeout=90s"], { timeoutMs: 100_000 });
  assert.equal(rollout.code, 0, rollout.stderr);
  assert.match(rollout.stdout, new RegExp(`deployment "${DEPLOY}" successfully rolled out`));
  await readsTheSecretAndPasses(await deploymentPod(true));
  await k("delete", "deployment", DEPLOY, "-n", "default", "--wait=true");
});

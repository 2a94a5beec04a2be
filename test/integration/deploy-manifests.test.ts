// Issue 11: the standalone webhook's manifests for a self-managed cluster (deploy/webhook.yaml) pass real
// kubectl's strict validation against the lab's API server (server-side dry run with --validate=strict), with
// kubectl 1.27 and 1.33; a misspelt field is refused the same way, so the check can fail.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Lab } from "../../src/index.js";
import { startTestLab } from "../helpers/lab.js";
import { kubectl, makeCluster, type TestCluster } from "../helpers/kube.js";

const root = resolve(fileURLToPath(new URL("../../../", import.meta.url)));
let lab: Lab;
let cluster: TestCluster;

before(async () => {
  lab = await startTestLab();
  cluster = await makeCluster(lab, { name: "self-managed-check" });
});
after(async () => {
  await lab?.stop();
  cluster?.cleanup();
});

const manifests = () =>
  readFileSync(join(root, "deploy", "webhook.yaml"), "utf8")
    .replace("TENANT_ID", lab.tenantId)
    .replace("CA_BUNDLE", Buffer.from(lab.caCert).toString("base64"));

for (const bin of ["/usr/lib/google-cloud-sdk/bin/kubectl.1.27", "/usr/lib/google-cloud-sdk/bin/kubectl.1.33"]) {
  test(`deploy/webhook.yaml passes kubectl ${bin.split(".").slice(-2).join(".")}'s strict validation (server-side dry run), then applies`, async () => {
    // As on a real cluster, a server-side dry run of namespaced objects needs their namespace to exist.
    const ns = await kubectl(cluster, ["apply", "-f", "-"], { input: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: azure-workload-identity-system\n", bin });
    assert.equal(ns.code, 0, ns.stderr);
    const dry = await kubectl(cluster, ["apply", "--dry-run=server", "--validate=strict", "-f", "-"], { input: manifests(), bin });
    assert.equal(dry.code, 0, dry.stderr);
    for (const o of ["namespace/azure-workload-identity-system", "serviceaccount/azure-wi-webhook-admin", "clusterrole.rbac.authorization.k8s.io/azure-wi-webhook-manager-role", "clusterrolebinding.rbac.authorization.k8s.io/azure-wi-webhook-manager-rolebinding", "service/azure-wi-webhook-webhook-service", "deployment.apps/azure-wi-webhook-controller-manager", "mutatingwebhookconfiguration.admissionregistration.k8s.io/azure-wi-webhook-mutating-webhook-configuration"]) {
      assert.match(dry.stdout, new RegExp(`${o.replace(/\./g, "\\.")} (created|configured|unchanged) \\(server dry run\\)`), dry.stdout);
    }
    const typo = await kubectl(cluster, ["apply", "--dry-run=server", "--validate=strict", "-f", "-"], { input: manifests().replace("targetPort: 9443", "targetPrt: 9443"), bin });
    assert.notEqual(typo.code, 0);
    assert.match(typo.stderr, /unknown field "spec\.ports\[0\]\.targetPrt"/);
    const real = await kubectl(cluster, ["apply", "--validate=strict", "-f", "-"], { input: manifests(), bin });
    assert.equal(real.code, 0, real.stderr);
    const svc = await kubectl(cluster, ["get", "service", "azure-wi-webhook-webhook-service", "-n", "azure-workload-identity-system", "-o", "jsonpath={.spec.ports[0].targetPort}"], { bin });
    assert.equal(svc.stdout, "9443");
  });
}

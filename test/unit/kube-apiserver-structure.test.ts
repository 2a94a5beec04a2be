// The API server's structure: every served kind has its strategy; the admission chain is an ordered list of
// plugins, each declaring the operations and resources it handles.
import { test } from "node:test";
import assert from "node:assert/strict";
import { RESOURCES } from "../../src/kube/apiserver/resources.js";
import { kindStrategy } from "../../src/kube/apiserver/strategies/index.js";
import { MUTATING_PLUGINS } from "../../src/kube/admission/index.js";
import { handles, type AdmissionRequest } from "../../src/kube/admission/types.js";

test("every served kind has its own strategy (printer, delete behaviour)", () => {
  for (const def of RESOURCES) assert.equal(kindStrategy(def.kind).kind, def.kind, def.kind);
  assert.equal(kindStrategy("Pod").delete.returnsObject, true);
  assert.equal(kindStrategy("Pod").delete.propagates, false);
  assert.equal(kindStrategy("Namespace").delete.propagates, false);
  assert.equal(kindStrategy("Job").delete.defaultPropagation?.policy, "Orphan");
  assert.equal(kindStrategy("ConfigMap").delete.propagates, true);
  assert.equal(kindStrategy("Deployment").uidBeforePrepare, true);
  assert.equal(kindStrategy("Secret").uidBeforePrepare, false);
  assert.deepEqual(kindStrategy("Secret").printer.columns.map((c) => c.name), ["Name", "Type", "Data", "Age"]);
});

test("admission plugins: kube-apiserver's order, each handling what it declares", () => {
  assert.deepEqual(MUTATING_PLUGINS.map((p) => p.name), ["ServiceAccount", "Priority", "DefaultTolerationSeconds", "MutatingAdmissionWebhook"]);
  const req = (operation: AdmissionRequest["operation"], group: string, resource: string, subresource = "") => ({ operation, group, resource, subresource }) as AdmissionRequest;
  const cases: [AdmissionRequest, string[]][] = [
    [req("CREATE", "", "pods"), ["ServiceAccount", "Priority", "DefaultTolerationSeconds", "MutatingAdmissionWebhook"]],
    [req("UPDATE", "", "pods"), ["MutatingAdmissionWebhook"]],
    [req("CREATE", "", "pods", "status"), ["MutatingAdmissionWebhook"]],
    [req("CREATE", "", "configmaps"), ["MutatingAdmissionWebhook"]],
    [req("CREATE", "apps", "deployments"), ["MutatingAdmissionWebhook"]],
  ];
  for (const [r, want] of cases) assert.deepEqual(MUTATING_PLUGINS.filter((p) => handles(p.handles, r)).map((p) => p.name), want, `${r.operation} ${r.resource}/${r.subresource}`);
});

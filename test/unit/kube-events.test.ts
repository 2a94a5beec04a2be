import { test } from "node:test";
import assert from "node:assert/strict";
import { SqliteStore } from "../../src/store/index.js";
import { LabClock, Random } from "../../src/platform/index.js";
import { KubeStorage, type KubeObject } from "../../src/kube/KubeStorage.js";
import { EVENT_TTL_MS, eventExpired, eventSuffix, recordEvent, type EventInput } from "../../src/kube/events.js";
import { toTable } from "../../src/kube/apiserver/table.js";
import { kubeletTexts } from "../../src/kube/kubelet/eventTexts.js";
import {
  federatedWarning,
  identityOf,
  isNearMissClientIdKey,
  labelAndAnnotationWarnings,
  labelFix,
  labelProblem,
  clientIdChangedWarning,
  isMutated,
  mutationWarning,
  podClientId,
  podTokenAudience,
  type FederatedFacts,
} from "../../src/kube/workloadIdentityWarnings.js";
import { matchFederatedCredential, type FicLike } from "../../src/diagnose/index.js";

const meta = (m: Record<string, unknown>) => m as unknown as KubeObject["metadata"];
const pod = (m: Record<string, unknown>, spec: Record<string, unknown> = {}): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: meta({ namespace: "default", uid: "u1", ...m }), spec: { containers: [{ name: "app" }], ...spec } });
const sa = (name: string, annotations?: Record<string, string>): KubeObject => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: meta({ name, namespace: "default", ...(annotations ? { annotations } : {}) }) });
const LABEL = { "azure.workload.identity/use": "true" };
const CID = "8c1c8f0e-5f1a-4c42-9a4b-1f0b2c3d4e5f";

test("isNearMissClientIdKey: near misses of azure.workload.identity/client-id, and keys that are not", () => {
  const cases: [string, boolean][] = [
    ["azure.workload.identity/client-id", false],
    ["azure.workload.identity/clientid", true],
    ["azure.workload.identity/client_id", true],
    ["azure.workload.identity/clientId", true],
    ["Azure.Workload.Identity/Client-Id", true],
    ["azure-workload-identity/client-id", true],
    ["azure.workload.identity.io/client-id", true],
    ["client_id", true],
    ["clientId", true],
    ["client-id", true],
    ["AZURE_CLIENT_ID", true],
    ["azure.workload.identity/tenant-id", false],
    ["azure.workload.identity/service-account-token-expiration", false],
    ["eks.amazonaws.com/role-arn", false],
    ["iam.gke.io/gcp-service-account", false],
    ["kubectl.kubernetes.io/last-applied-configuration", false],
    ["client", false],
  ];
  for (const [key, want] of cases) assert.equal(isNearMissClientIdKey(key), want, key);
});

test("labelProblem: the webhook's objectSelector wants the label azure.workload.identity/use with the value \"true\"", () => {
  const cases: [string, Record<string, unknown>, RegExp | undefined][] = [
    ["labelled", { labels: LABEL }, undefined],
    ["no labels", {}, /lacks the label azure\.workload\.identity\/use: "true"/],
    ["True", { labels: { "azure.workload.identity/use": "True" } }, /="True", but the webhook selects only the value "true"/],
    ["as annotation", { annotations: LABEL }, /as an annotation; the webhook selects pods by label/],
    ["near-miss label key", { labels: { "azure-workload-identity/use": "true" } }, /has the label "azure-workload-identity\/use" instead of azure\.workload\.identity\/use/],
  ];
  for (const [name, m, want] of cases) {
    const got = labelProblem(pod({ name: "p", ...m }));
    if (want) assert.match(got ?? "", want, name);
    else assert.equal(got, undefined, name);
  }
});

test("labelFix: on the template owner's pod template (Deployment, ReplicaSet, Job, CronJob), else the pod's manifest", () => {
  const p = pod({ name: "p" });
  assert.match(labelFix(p, { kind: "Deployment", name: "web" }), /not to the Deployment's own metadata: kubectl patch deployment web -n default -p '\{"spec":\{"template":\{"metadata":\{"labels":\{"azure\.workload\.identity\/use":"true"\}\}\}\}\}'/);
  assert.match(labelFix(p, { kind: "ReplicaSet", name: "web-1" }), /kubectl patch replicaset web-1 .* then delete pod p/);
  assert.match(labelFix(p, { kind: "Job", name: "once" }), /cannot be changed: delete job once/);
  assert.match(labelFix(p, { kind: "CronJob", name: "nightly" }), /kubectl patch cronjob nightly -n default -p '\{"spec":\{"jobTemplate":/);
  assert.match(labelFix(p, undefined), /kubectl label does not re-run the webhook on an existing pod/);
});

test("labelAndAnnotationWarnings: which warning, if any, for each label/annotation combination", () => {
  const cases: { name: string; pod: KubeObject; sa?: KubeObject; others?: string[]; want: [string, RegExp][] }[] = [
    { name: "fine", pod: pod({ name: "p", labels: LABEL }), sa: sa("s", { "azure.workload.identity/client-id": CID }), want: [] },
    { name: "not a workload identity pod", pod: pod({ name: "p" }), sa: sa("default"), want: [] },
    { name: "no service account", pod: pod({ name: "p", labels: LABEL }), want: [] },
    {
      name: "annotated SA, unlabelled pod",
      pod: pod({ name: "p" }),
      sa: sa("s", { "azure.workload.identity/client-id": CID }),
      want: [["WorkloadIdentityLabelMissing", new RegExp(`Service account "default/s" has the annotation azure\\.workload\\.identity/client-id=${CID}, but pod "p" lacks the label`)]],
    },
    {
      name: "near-miss SA, unlabelled pod",
      pod: pod({ name: "p" }),
      sa: sa("s", { client_id: CID }),
      want: [["WorkloadIdentityLabelMissing", /has the annotation "client_id" \(a near miss of azure\.workload\.identity\/client-id\)/]],
    },
    {
      name: "labelled pod, near-miss key",
      pod: pod({ name: "p", labels: LABEL }),
      sa: sa("s", { "azure.workload.identity/clientid": CID }),
      want: [["WorkloadIdentityClientIdMissing", new RegExp(`only "azure\\.workload\\.identity/clientid".*client-id=${CID} --overwrite && kubectl annotate serviceaccount s -n default azure\\.workload\\.identity/clientid-`)]],
    },
    {
      name: "labelled pod, no annotation, another SA has it",
      pod: pod({ name: "p", labels: LABEL }),
      sa: sa("default"),
      others: ["wi-sa"],
      want: [["WorkloadIdentityClientIdMissing", /has no annotation azure\.workload\.identity\/client-id: .*did you mean spec\.serviceAccountName: wi-sa\?.*client-id=<client id of the managed identity>/]],
    },
    {
      name: "labelled pod carrying the annotation itself",
      pod: pod({ name: "p", labels: LABEL, annotations: { "azure.workload.identity/client-id": CID } }),
      sa: sa("s"),
      want: [["WorkloadIdentityClientIdMissing", new RegExp(`the pod itself carries it, but the webhook reads it from the service account.*client-id=${CID} --overwrite`)]],
    },
    { name: "empty annotation", pod: pod({ name: "p", labels: LABEL }), sa: sa("s", { "azure.workload.identity/client-id": "" }), want: [["WorkloadIdentityClientIdMissing", /with an empty value/]] },
  ];
  for (const c of cases) {
    const got = labelAndAnnotationWarnings({ pod: c.pod, sa: c.sa, annotatedSas: c.others ?? [], owner: undefined });
    assert.equal(got.length, c.want.length, `${c.name}: ${JSON.stringify(got)}`);
    c.want.forEach(([reason, re], i) => {
      assert.equal(got[i]!.reason, reason, c.name);
      assert.match(got[i]!.message, re, c.name);
    });
  }
});

test("isMutated and mutationWarning: a labelled pod without the webhook's env", () => {
  const labelled = pod({ name: "p", labels: LABEL });
  const mutated = pod({ name: "p", labels: LABEL }, { containers: [{ name: "app", env: [{ name: "AZURE_FEDERATED_TOKEN_FILE", value: "/var/run/secrets/azure/tokens/azure-identity-token" }] }] });
  assert.equal(isMutated(labelled), false);
  assert.equal(isMutated(mutated), true);
  assert.equal(mutationWarning(mutated, true), undefined);
  assert.equal(mutationWarning(pod({ name: "p" }), false), undefined, "an unlabelled pod is the label warning's business");
  assert.match(mutationWarning(labelled, false)!.message, /the cluster has no workload identity webhook .*--enable-oidc-issuer --enable-workload-identity/);
  assert.match(mutationWarning(labelled, true)!.message, /created before the webhook was registered/);
});

test("clientIdChangedWarning: only for a mutated pod whose injected client id differs from the service account's now", () => {
  const withEnv = (id: string) => pod({ name: "p", labels: LABEL }, { containers: [{ name: "app", env: [{ name: "AZURE_CLIENT_ID", value: id }, { name: "AZURE_FEDERATED_TOKEN_FILE", value: "/t" }] }] });
  assert.equal(clientIdChangedWarning(withEnv(CID), sa("s", { "azure.workload.identity/client-id": CID }), undefined), undefined);
  assert.equal(clientIdChangedWarning(pod({ name: "p" }), sa("s", { "azure.workload.identity/client-id": CID }), undefined), undefined);
  const changed = clientIdChangedWarning(withEnv(CID), sa("s", { "azure.workload.identity/client-id": "new-id" }), { kind: "Deployment", name: "web" })!;
  assert.equal(changed.reason, "WorkloadIdentityClientIdChanged");
  assert.match(changed.message, new RegExp(`now has azure\\.workload\\.identity/client-id=new-id, but pod "p" was given AZURE_CLIENT_ID=${CID}.*Fix: kubectl rollout restart deployment/web -n default\\.$`));
  assert.match(clientIdChangedWarning(withEnv(""), sa("s", { "azure.workload.identity/client-id": CID }), undefined)!.message, /was given AZURE_CLIENT_ID=\(empty\)/);
  assert.match(clientIdChangedWarning(withEnv(CID), sa("s"), undefined)!.message, /now has azure\.workload\.identity\/client-id=\(none\)/);
});

test("podTokenAudience and podClientId read what the webhook injected, else the defaults", () => {
  const mutated = pod(
    { name: "p" },
    {
      containers: [{ name: "app", env: [{ name: "AZURE_CLIENT_ID", value: "from-env" }] }],
      volumes: [{ name: "azure-identity-token", projected: { sources: [{ serviceAccountToken: { audience: "api://AzureADTokenExchange/", path: "azure-identity-token" } }] } }],
    },
  );
  assert.equal(podTokenAudience(mutated), "api://AzureADTokenExchange/");
  assert.equal(podTokenAudience(pod({ name: "p" })), "api://AzureADTokenExchange");
  assert.equal(podClientId(mutated, sa("s", { "azure.workload.identity/client-id": "from-sa" })), "from-env");
  assert.equal(podClientId(pod({ name: "p" }), sa("s", { "azure.workload.identity/client-id": " from-sa " })), "from-sa");
  assert.equal(podClientId(pod({ name: "p" }), sa("s")), undefined);
  assert.deepEqual(identityOf("/subscriptions/s/resourcegroups/rg-1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-1/federatedIdentityCredentials/f"), { rg: "rg-1", name: "id-1" });
});

test("federatedWarning: unknown client id, no credential, the nearest miss with both values and the fix", () => {
  const ISS = "https://localhost:8443/oidc/t/c/";
  const SUB = "system:serviceaccount:default:wi-sa";
  const ID = "/subscriptions/s/resourcegroups/rg-a/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-a";
  const fic = (name: string, f: Partial<FicLike>, identity = ID): FicLike => ({ name, id: `${identity}/federatedIdentityCredentials/${name}`, issuer: ISS, subject: SUB, audiences: ["api://AzureADTokenExchange"], ...f });
  const facts = (creds: FicLike[], o: { known?: boolean; own?: number; audience?: string } = {}): FederatedFacts => {
    const claims = { issuer: ISS, subject: SUB, audiences: [o.audience ?? "api://AzureADTokenExchange"] };
    return { clientId: CID, issuer: ISS, subject: SUB, audience: claims.audiences[0]!, answer: { clientIdKnown: o.known ?? true, identityId: ID, identityCredentials: o.own ?? creds.length, verdict: matchFederatedCredential(creds, claims) } };
  };
  assert.equal(federatedWarning(facts([fic("ok", {})])), undefined);

  const unknown = federatedWarning(facts([], { known: false }))!;
  assert.equal(unknown.reason, "WorkloadIdentityClientIdUnknown");
  assert.match(unknown.message, /AADSTS700016/);
  const principal = facts([], { known: false });
  principal.answer.objectIdOf = { appId: "app-1", displayName: "id-a" };
  assert.match(federatedWarning(principal)!.message, new RegExp(`'${CID}' is the principal \\(object\\) id of 'id-a'; its client id is app-1\\. Fix: kubectl annotate serviceaccount wi-sa -n default azure\\.workload\\.identity/client-id=app-1 --overwrite`));

  const none = federatedWarning(facts([]))!;
  assert.equal(none.reason, "WorkloadIdentityNoFederatedCredential");
  assert.match(none.message, /Identity 'id-a' has no federated identity credential.*AADSTS700211.*az identity federated-credential create --name wi-sa-federated --identity-name id-a --resource-group rg-a --issuer https:\/\/localhost:8443\/oidc\/t\/c\/ --subject system:serviceaccount:default:wi-sa --audiences api:\/\/AzureADTokenExchange/);

  const ns = federatedWarning(facts([fic("f1", { subject: "system:serviceaccount:prod:wi-sa" })]))!;
  assert.match(ns.message, /Entra will answer AADSTS700213\. Nearest: 'f1': subject: credential has 'system:serviceaccount:prod:wi-sa', the pod presents 'system:serviceaccount:default:wi-sa'\./);
  assert.match(ns.message, /az identity federated-credential update --name f1 --identity-name id-a --resource-group rg-a --subject system:serviceaccount:default:wi-sa\.$/);

  const caseOnly = federatedWarning(facts([fic("f1", { subject: "system:serviceaccount:default:WI-SA" })]))!;
  assert.match(caseOnly.message, /AADSTS7002138.*\(differs only in case\)/);

  const slash = federatedWarning(facts([fic("f1", {})], { audience: "api://AzureADTokenExchange/" }))!;
  assert.match(slash.message, /AADSTS700212.*audience: credential has 'api:\/\/AzureADTokenExchange', the pod presents 'api:\/\/AzureADTokenExchange\/' \(differs only in a trailing '\/'\).*--audiences api:\/\/AzureADTokenExchange\//);

  const issuer = federatedWarning(facts([fic("f1", { issuer: ISS.replace(/\/$/, "") })]))!;
  assert.match(issuer.message, /AADSTS700211.*issuer: credential has 'https:\/\/localhost:8443\/oidc\/t\/c', the pod presents 'https:\/\/localhost:8443\/oidc\/t\/c\/'/);

  const elsewhere = federatedWarning(facts([fic("f9", {}, "/subscriptions/s/resourcegroups/rg-b/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-b")], { own: 0 }));
  assert.equal(elsewhere, undefined, "a match is a match; the lab's answer already restricted it to the identity's own credentials");
  const otherIdentity = federatedWarning(facts([fic("f9", { subject: "system:serviceaccount:x:y" }, "/subscriptions/s/resourcegroups/rg-b/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-b")], { own: 0 }))!;
  assert.match(otherIdentity.message, /Identity 'id-a' has no federated identity credential .*The nearest in the tenant is 'f9' on identity 'id-b'/);
});

test("kubeletTexts: Created/Started/Pulled as each kubelet minor writes them", () => {
  const img = "nginx:1.27";
  assert.deepEqual(
    ["1.27.3", "1.32.0", "1.33.1", "1.35.0"].map((v) => {
      const t = kubeletTexts(v);
      return [t.created("app"), t.started("app"), t.pulled(img)];
    }),
    [
      ["Created container app", "Started container app", 'Container image "nginx:1.27" already present on machine'],
      ["Created container app", "Started container app", 'Container image "nginx:1.27" already present on machine'],
      ["Created container: app", "Started container app", 'Container image "nginx:1.27" already present on machine'],
      ["Container created", "Container started", 'Container image "nginx:1.27" already present on machine and can be accessed by the pod'],
    ],
  );
});

test("the Event table: kube's ten columns, core/v1 and events.k8s.io/v1-written events", () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const core = {
    apiVersion: "v1",
    kind: "Event",
    metadata: meta({ name: "p.1", namespace: "default" }),
    involvedObject: { kind: "Pod", name: "p", fieldPath: "spec.containers{app}" },
    reason: "BackOff",
    message: "Back-off restarting failed container app in pod p_default(u1) ",
    source: { component: "kubelet", host: "wilab-node" },
    firstTimestamp: "2026-01-01T11:55:00Z",
    lastTimestamp: "2026-01-01T11:59:30Z",
    count: 7,
    type: "Warning",
  };
  const scheduled = {
    apiVersion: "v1",
    kind: "Event",
    metadata: meta({ name: "p.2", namespace: "default" }),
    involvedObject: { kind: "Pod", name: "p" },
    reason: "Scheduled",
    message: "Successfully assigned default/p to wilab-node",
    source: {},
    firstTimestamp: null,
    lastTimestamp: null,
    eventTime: "2026-01-01T11:58:00.123456Z",
    reportingComponent: "default-scheduler",
    reportingInstance: "default-scheduler-wilab-node",
    type: "Normal",
  };
  const t = toTable("Event", [core, scheduled] as KubeObject[], now, "None") as { columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[] }[] };
  assert.deepEqual(
    t.columnDefinitions.map((c) => `${c.name}:${c.priority}`),
    ["Last Seen:0", "Type:0", "Reason:0", "Object:0", "Subobject:1", "Source:1", "Message:0", "First Seen:1", "Count:1", "Name:1"],
  );
  assert.deepEqual(t.rows[0]!.cells, ["30s", "Warning", "BackOff", "pod/p", "spec.containers{app}", "kubelet, wilab-node", "Back-off restarting failed container app in pod p_default(u1)", "5m", 7, "p.1"]);
  assert.deepEqual(t.rows[1]!.cells, ["119s", "Normal", "Scheduled", "pod/p", "", "default-scheduler, default-scheduler-wilab-node", "Successfully assigned default/p to wilab-node", "119s", 1, "p.2"]);
});

test("recordEvent: one Event per source/object/reason/message, counted; expired ones dropped; names sort by time", async () => {
  const store = new SqliteStore(":memory:");
  const clock = new LabClock();
  const random = new Random("events");
  const storage = new KubeStorage(store, clock, random);
  const e = (reason: string, message: string, component = "kubelet"): EventInput => ({
    involved: { kind: "Pod", apiVersion: "v1", name: "p", namespace: "default", uid: "u1" },
    type: "Normal",
    reason,
    message,
    source: { component },
  });
  const rec = (x: EventInput) => storage.write((tx) => recordEvent(tx, "c1", x, clock.now(), eventSuffix(clock.now(), random)));
  const list = () => storage.read((tx) => tx.list("c1", "events", "default"));
  try {
    const a = await rec(e("Pulled", "m"));
    assert.match(a.metadata.name, /^p\.[0-9a-f]{16}$/);
    const b = await rec(e("Pulled", "m"));
    assert.equal(b.metadata.name, a.metadata.name);
    assert.equal(b.count, 2);
    await rec(e("Pulled", "m", "wilab"));
    await rec(e("Created", "m"));
    assert.equal((await list()).length, 3);
    const names = (await list()).map((x) => x.metadata.name);
    assert.deepEqual([...names].sort(), names, "names sort in the order the events were written");
    assert.equal(eventExpired(b, clock.now() + EVENT_TTL_MS - 1000), false);
    assert.equal(eventExpired(b, clock.now() + EVENT_TTL_MS + 1000), true);
    clock.advance(EVENT_TTL_MS + 1000);
    const c = await rec(e("Pulled", "m"));
    assert.equal(c.count, 1, "the expired Event is gone: a new one starts from one");
    assert.equal((await list()).length, 1);
  } finally {
    await store.close();
  }
});

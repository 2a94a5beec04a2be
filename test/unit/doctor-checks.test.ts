// The doctor's checks, one table per check: a snapshot in, a result out. The healthy snapshot is written out
// literally (the pod as the webhook leaves it, per kubernetes-side.md §1.2); each case breaks one link the way
// people do (issue 8's acceptance list) and asserts the failing check, the two values it names and the fix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { diagnoseIdentity, diagnosePod, diagnoseVault, type CheckResult, type IdentitySnapshot, type PodSnapshot, type VaultSnapshot } from "../../src/diagnose/doctor/index.js";
import type { KubeObject } from "../../src/kube/index.js";
import type { RoleAssignmentRecord } from "../../src/rbac/index.js";
import type { VaultRecord } from "../../src/keyvault/index.js";
import type { SignInRecord, AuditEventRecord } from "../../src/diagnose/index.js";

const T = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const S = "11111111-2222-3333-4444-555555555555";
const CID = "0a1b2c3d-0000-4000-8000-00000000c11d";
const PID = "9f8e7d6c-0000-4000-8000-0000000000b1";
const OTHER_PID = "9f8e7d6c-0000-4000-8000-0000000000b2";
const ISSUER = `https://localhost:8443/oidc/${T}/c0ffee00-0000-4000-8000-000000000001/`;
const SUBJECT = "system:serviceaccount:default:workload-identity-sa";
const AUD = "api://AzureADTokenExchange";
const NOW = Date.parse("2026-03-01T12:00:00Z");
const VAULT_ID = `/subscriptions/${S}/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-app`;
const SECRETS_USER = `/subscriptions/${S}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`;
const KV_READER = `/subscriptions/${S}/providers/Microsoft.Authorization/roleDefinitions/21090545-7ca7-4776-b22c-e363652d74d2`;
const IDENTITY_ID = `/subscriptions/${S}/resourcegroups/rg-app/providers/Microsoft.ManagedIdentity/userAssignedIdentities/quick-start`;
const TOKEN_FILE = "/var/run/secrets/azure/tokens/azure-identity-token";

const meta = (m: Record<string, unknown>) => ({ uid: "u", resourceVersion: "1", creationTimestamp: "2026-03-01T11:00:00Z", ...m }) as KubeObject["metadata"];

function serviceAccount(annotations: Record<string, string> = { "azure.workload.identity/client-id": CID }, labels?: Record<string, string>): KubeObject {
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: meta({ name: "workload-identity-sa", namespace: "default", annotations, ...(labels ? { labels } : {}) }) };
}

/** The pod as it leaves admission: the webhook's four variables, the projected token volume and its mount. */
function mutatedPod(o: { clientId?: string | null; labels?: Record<string, string> | null; ownerReferences?: unknown[] } = {}): KubeObject {
  const env = [
    { name: "KEYVAULT_URL", value: "https://kv-app.vault.localhost:8443/" },
    { name: "SECRET_NAME", value: "my-secret" },
    ...(o.clientId === null ? [] : [{ name: "AZURE_CLIENT_ID", value: o.clientId ?? CID }]),
    { name: "AZURE_TENANT_ID", value: T },
    { name: "AZURE_FEDERATED_TOKEN_FILE", value: TOKEN_FILE },
    { name: "AZURE_AUTHORITY_HOST", value: "https://localhost:8443/" },
  ];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta({ name: "quick-start", namespace: "default", labels: o.labels === null ? undefined : (o.labels ?? { "azure.workload.identity/use": "true" }), ownerReferences: o.ownerReferences }),
    spec: {
      serviceAccountName: "workload-identity-sa",
      containers: [{ name: "oidc", image: "ghcr.io/azure/azure-workload-identity/msal-go", env, volumeMounts: [{ name: "azure-identity-token", mountPath: "/var/run/secrets/azure/tokens", readOnly: true }] }],
      volumes: [{ name: "azure-identity-token", projected: { sources: [{ serviceAccountToken: { audience: AUD, expirationSeconds: 3600, path: "azure-identity-token" } }] } }],
    },
  };
}

/** The same pod as a cluster without the webhook's mutation keeps it. */
function unmutatedPod(labels: Record<string, string> | null, ownerReferences?: unknown[]): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta({ name: "quick-start", namespace: "default", labels: labels ?? undefined, ownerReferences }),
    spec: {
      serviceAccountName: "workload-identity-sa",
      containers: [{ name: "oidc", image: "ghcr.io/azure/azure-workload-identity/msal-go", env: [{ name: "KEYVAULT_URL", value: "https://kv-app.vault.localhost:8443/" }, { name: "SECRET_NAME", value: "my-secret" }] }],
    },
  };
}

function assignment(o: Partial<RoleAssignmentRecord> = {}): RoleAssignmentRecord {
  return {
    name: "a0000000-0000-4000-8000-000000000001",
    scope: VAULT_ID,
    roleDefinitionId: SECRETS_USER,
    principalId: PID,
    principalType: "ServicePrincipal",
    description: null,
    condition: null,
    conditionVersion: null,
    createdOn: "2026-03-01T10:00:00.0000000Z",
    updatedOn: "2026-03-01T10:00:00.0000000Z",
    createdBy: null,
    updatedBy: null,
    ...o,
  };
}

function vault(o: Partial<VaultRecord> = {}): VaultRecord {
  return {
    name: "kv-app",
    id: VAULT_ID,
    resourceGroup: "rg-app",
    location: "westeurope",
    tenantId: T,
    sku: { family: "A", name: "standard" },
    accessPolicies: [],
    enableRbacAuthorization: true,
    enableSoftDelete: true,
    softDeleteRetentionInDays: 90,
    publicNetworkAccess: "Enabled",
    createdAt: NOW - 7_200_000,
    updatedAt: NOW - 7_200_000,
    createdBy: "admin",
    ...o,
  };
}

function signIn(errorCode: number, extra: Partial<SignInRecord["status"]> = {}): SignInRecord {
  return {
    id: "s1",
    createdDateTime: "2026-03-01T11:59:00Z",
    appId: CID,
    correlationId: "c0rre1a7-0000-4000-8000-000000000000",
    clientCredentialType: "federatedIdentityCredential",
    signInEventTypes: ["servicePrincipal"],
    isInteractive: false,
    status: { errorCode, ...extra },
  };
}

function healthy(): PodSnapshot {
  return {
    now: NOW,
    tenantId: T,
    subscriptionId: S,
    cluster: { name: "arc1", resourceGroup: "rg-arc", clusterId: "c0ffee00-0000-4000-8000-000000000001", issuer: ISSUER, oidcIssuerEnabled: true, workloadIdentityEnabled: true },
    webhookConfig: { tenantId: T, authorityHost: "https://localhost:8443/", serverVersion: "v1.32.0" },
    webhookRegistered: true,
    pod: mutatedPod(),
    owners: [],
    serviceAccountName: "workload-identity-sa",
    serviceAccount: serviceAccount(),
    token: { iss: ISSUER, sub: SUBJECT, aud: [AUD], iat: NOW / 1000, exp: NOW / 1000 + 3600, kid: "kid-1", publishedKids: ["kid-1"], verified: true },
    identities: [
      {
        name: "quick-start",
        id: IDENTITY_ID,
        resourceGroup: "rg-app",
        location: "westeurope",
        tags: {},
        tenantId: T,
        principalId: PID,
        clientId: CID,
        createdAt: NOW - 7_200_000,
        credentials: [{ name: "kubernetes-federated-credential", id: `${IDENTITY_ID}/federatedIdentityCredentials/kubernetes-federated-credential`, issuer: ISSUER, subject: SUBJECT, audiences: [AUD], updatedAt: NOW - 3_600_000 }],
      },
    ],
    signIns: [signIn(0)],
    vaultRef: { name: "kv-app", source: "KEYVAULT_URL", secretName: "my-secret" },
    vault: vault(),
    roleAssignments: [assignment()],
    principalNames: { [PID]: "quick-start" },
    propagation: { ficMs: 0, rbacMs: 0 },
  };
}

function check(s: PodSnapshot, id: string): CheckResult {
  const r = diagnosePod(s).checks.find((c) => c.id === id);
  assert.ok(r, `no check ${id}`);
  return r;
}

function otherIdentity(): PodSnapshot["identities"][number] {
  return { ...healthy().identities[0]!, name: "other", id: IDENTITY_ID.replace("quick-start", "other"), clientId: "0a1b2c3d-0000-4000-8000-0000000000ff", principalId: OTHER_PID, credentials: [] };
}

test("a healthy chain: every check passes, in chain order, and the report is ok", () => {
  const r = diagnosePod(healthy());
  assert.deepEqual(
    r.checks.map((c) => `${c.id}:${c.status}`),
    ["pod-label:pass", "service-account:pass", "webhook-mutation:pass", "token:pass", "identity:pass", "federated-credential:pass", "sign-in:pass", "role-assignment:pass", "vault:pass", "propagation:pass"],
  );
  assert.equal(r.ok, true);
  assert.deepEqual(r.summary, { pass: 10, fail: 0, warn: 0, skip: 0 });
  assert.equal(r.target, "pod default/quick-start in cluster arc1");
});

test("pod-label: none, a near-miss value or key, an annotation, the Deployment's metadata instead of its template", () => {
  const none = healthy();
  none.pod = unmutatedPod(null);
  let r = check(none, "pod-label");
  assert.equal(r.status, "fail");
  assert.equal(r.expected, "azure.workload.identity/use=true");
  assert.equal(r.actual, "no such label");
  assert.equal(r.fix, "kubectl label --local -f <the pod's manifest> azure.workload.identity/use=true -o yaml | kubectl replace --force -f -");
  assert.equal(check(none, "webhook-mutation").status, "skip");
  assert.equal(diagnosePod(none).ok, false);

  const value = healthy();
  value.pod = unmutatedPod({ "azure.workload.identity/use": "True" });
  r = check(value, "pod-label");
  assert.equal(r.status, "fail");
  assert.equal(r.actual, "azure.workload.identity/use=True");

  const key = healthy();
  key.pod = unmutatedPod({ "azure.workload.identity/Use": "true" });
  assert.equal(check(key, "pod-label").actual, "azure.workload.identity/Use=true");

  const annotation = healthy();
  annotation.pod = unmutatedPod(null);
  annotation.pod.metadata.annotations = { "azure.workload.identity/use": "true" };
  assert.equal(check(annotation, "pod-label").actual, "annotation azure.workload.identity/use=true");

  // kubectl apply of a Deployment with the label under metadata.labels only: its ReplicaSet and pods carry the template's labels.
  const deploy = healthy();
  deploy.pod = unmutatedPod({ app: "web", "pod-template-hash": "5d8f7c" }, [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-5d8f7c", controller: true }]);
  const template = { metadata: { labels: { app: "web" } }, spec: {} };
  deploy.owners = [
    { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: meta({ name: "web-5d8f7c", namespace: "default", labels: { app: "web", "pod-template-hash": "5d8f7c" } }), spec: { template } },
    { apiVersion: "apps/v1", kind: "Deployment", metadata: meta({ name: "web", namespace: "default", labels: { "azure.workload.identity/use": "true" } }), spec: { template } },
  ];
  r = check(deploy, "pod-label");
  assert.equal(r.status, "fail");
  assert.match(r.detail, /the Deployment web has azure.workload.identity\/use=true on its own metadata, not on its pod template/);
  assert.equal(r.expected, "spec.template.metadata.labels.azure.workload.identity/use=true on Deployment web");
  assert.equal(r.actual, "metadata.labels.azure.workload.identity/use=true on Deployment web; the template has none");
  assert.equal(r.fix, `kubectl patch deployment web -n default --type merge -p '{"spec":{"template":{"metadata":{"labels":{"azure.workload.identity/use":"true"}}}}}'`);

  const job = healthy();
  job.pod = unmutatedPod(null, [{ kind: "Job", name: "once", controller: true }]);
  job.owners = [{ apiVersion: "batch/v1", kind: "Job", metadata: meta({ name: "once", namespace: "default" }), spec: { template: { metadata: {} } } }];
  assert.match(check(job, "pod-label").fix!, /^kubectl delete job once -n default, add .* under spec.template.metadata.labels/);
});

test("service-account: missing, no annotation (with the near-miss keys named), not a GUID", () => {
  const missing = healthy();
  delete missing.serviceAccount;
  delete missing.token;
  let r = check(missing, "service-account");
  assert.equal(r.status, "fail");
  assert.equal(r.actual, "not found");
  assert.equal(r.fix, `kubectl create serviceaccount workload-identity-sa -n default && kubectl annotate serviceaccount workload-identity-sa -n default azure.workload.identity/client-id=${CID} --overwrite`);

  // The annotation forgotten: the webhook injected no AZURE_CLIENT_ID; the identity trusting the subject gives the value.
  const none = healthy();
  none.serviceAccount = serviceAccount({});
  none.pod = mutatedPod({ clientId: null });
  r = check(none, "service-account");
  assert.equal(r.status, "fail");
  assert.equal(r.actual, "no such annotation");
  assert.equal(r.expected, `annotation azure.workload.identity/client-id=<the identity's clientId> (${CID}, identity quick-start)`);
  assert.equal(r.fix, `kubectl annotate serviceaccount workload-identity-sa -n default azure.workload.identity/client-id=${CID} --overwrite`);
  const m = check(none, "webhook-mutation");
  assert.equal(m.status, "fail");
  assert.equal(m.actual, "AZURE_CLIENT_ID not set");
  assert.equal(m.fix, "after fixing the service account: kubectl replace --force -f <the pod's manifest>");
  assert.equal(check(none, "identity").status, "skip");

  for (const [k, where] of [["azure.workload.identity/clientid", "annotation"], ["client_id", "annotation"], ["azure.workload.identity/client_id", "annotation"]] as const) {
    const near = healthy();
    near.serviceAccount = serviceAccount({ [k]: CID });
    near.pod = mutatedPod({ clientId: null });
    r = check(near, "service-account");
    assert.equal(r.status, "fail", k);
    assert.equal(r.actual, `${where} '${k}=${CID}'`);
  }
  const asLabel = healthy();
  asLabel.serviceAccount = serviceAccount({}, { "azure.workload.identity/client-id": CID });
  asLabel.pod = mutatedPod({ clientId: null });
  assert.match(check(asLabel, "service-account").actual!, /label 'azure.workload.identity\/client-id=.*' \(it must be an annotation\)/);

  const notGuid = healthy();
  notGuid.serviceAccount = serviceAccount({ "azure.workload.identity/client-id": "quick-start" });
  r = check(notGuid, "service-account");
  assert.equal(r.status, "fail");
  assert.equal(r.actual, "quick-start");
});

test("webhook-mutation: a pod made before the annotation changed, a pod from a Deployment, a cluster without the webhook", () => {
  const stale = healthy();
  stale.serviceAccount = serviceAccount({ "azure.workload.identity/client-id": "0a1b2c3d-0000-4000-8000-0000000000ff" });
  let r = check(stale, "webhook-mutation");
  assert.equal(r.status, "fail");
  assert.equal(r.expected, "container oidc: AZURE_CLIENT_ID=0a1b2c3d-0000-4000-8000-0000000000ff");
  assert.equal(r.actual, `container oidc: AZURE_CLIENT_ID=${CID}`);

  const fromDeployment = healthy();
  fromDeployment.serviceAccount = stale.serviceAccount;
  fromDeployment.owners = [
    { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: meta({ name: "web-5d8f7c", namespace: "default" }) },
    { apiVersion: "apps/v1", kind: "Deployment", metadata: meta({ name: "web", namespace: "default" }) },
  ];
  assert.equal(check(fromDeployment, "webhook-mutation").fix, "kubectl rollout restart deployment/web -n default");

  const audience = healthy();
  const vol = (audience.pod.spec as { volumes: { projected: { sources: { serviceAccountToken: { audience: string; expirationSeconds: number } }[] } }[] }).volumes[0]!;
  vol.projected.sources[0]!.serviceAccountToken.audience = "api://AzureADTokenExchange/";
  vol.projected.sources[0]!.serviceAccountToken.expirationSeconds = 7200;
  r = check(audience, "webhook-mutation");
  assert.equal(r.expected, `token audience=${AUD}; token expirationSeconds=3600`);
  assert.equal(r.actual, "token audience=api://AzureADTokenExchange/; token expirationSeconds=7200");

  const off = healthy();
  off.webhookRegistered = false;
  r = check(off, "webhook-mutation");
  assert.equal(r.status, "fail");
  assert.equal(r.fix, "az aksarc update --name arc1 --resource-group rg-arc --enable-oidc-issuer --enable-workload-identity");
});

test("token: the issuer changed (the credential trusts the old one), an unpublished key, an unreachable issuer", () => {
  // The lab moved from port 8443 to 9443: tokens now carry the new issuer; the credential was made with the old one.
  const moved = healthy();
  const NEW = ISSUER.replace("8443", "9443");
  moved.cluster.issuer = NEW;
  moved.token!.iss = NEW;
  let r = check(moved, "token");
  assert.equal(r.status, "fail");
  assert.equal(r.actual, `iss=${NEW}`);
  assert.equal(r.expected, `an issuer trusted by quick-start: ${ISSUER}`);
  assert.equal(r.fix, `az identity federated-credential update --name kubernetes-federated-credential --identity-name quick-start --resource-group rg-app --issuer ${NEW} --subject ${SUBJECT} --audiences ${AUD}`);
  r = check(moved, "federated-credential");
  assert.equal(r.status, "fail");
  assert.equal(r.expected, `issuer=${NEW} (the token's)`);
  assert.equal(r.actual, `issuer=${ISSUER} (credential kubernetes-federated-credential)`);

  const kid = healthy();
  kid.token!.publishedKids = ["kid-0"];
  r = check(kid, "token");
  assert.equal(r.status, "fail");
  assert.equal(r.actual, "kid=kid-1");

  const down = healthy();
  down.issuerFault = { id: "fault-3" };
  r = check(down, "token");
  assert.equal(r.status, "fail");
  assert.match(r.detail, /AADSTS50166/);
  assert.equal(r.fix, "wilab fault clear fault-3");

  const noOidc = healthy();
  noOidc.cluster.oidcIssuerEnabled = false;
  assert.equal(check(noOidc, "token").actual, "oidcIssuerEnabled=false");
});

test("identity: the principalId used as client id, an unknown client id", () => {
  const slip = healthy();
  slip.serviceAccount = serviceAccount({ "azure.workload.identity/client-id": PID });
  slip.pod = mutatedPod({ clientId: PID });
  let r = check(slip, "identity");
  assert.equal(r.status, "fail");
  assert.equal(r.expected, `clientId ${CID}`);
  assert.equal(r.actual, `principalId ${PID}`);
  assert.equal(r.fix, `kubectl annotate serviceaccount workload-identity-sa -n default azure.workload.identity/client-id=${CID} --overwrite && kubectl replace --force -f <the pod's manifest>`);
  assert.equal(check(slip, "federated-credential").status, "skip");

  const unknown = healthy();
  unknown.serviceAccount = serviceAccount({ "azure.workload.identity/client-id": "0a1b2c3d-0000-4000-8000-0000000000ee" });
  unknown.pod = mutatedPod({ clientId: "0a1b2c3d-0000-4000-8000-0000000000ee" });
  r = check(unknown, "identity");
  assert.equal(r.status, "fail");
  assert.match(r.detail, /AADSTS700016/);
  assert.equal(r.expected, `clientId ${CID} (identity quick-start)`);
});

test("federated-credential: the wrong subject namespace, a trailing slash on the audience, none at all, on another identity", () => {
  const ns = healthy();
  ns.identities[0]!.credentials[0]!.subject = "system:serviceaccount:dev:workload-identity-sa";
  let r = check(ns, "federated-credential");
  assert.equal(r.status, "fail");
  assert.match(r.detail, /Entra answers AADSTS700213\)/);
  assert.equal(r.expected, `subject=${SUBJECT} (the token's)`);
  assert.equal(r.actual, "subject=system:serviceaccount:dev:workload-identity-sa (credential kubernetes-federated-credential)");
  assert.equal(r.fix, `az identity federated-credential update --name kubernetes-federated-credential --identity-name quick-start --resource-group rg-app --issuer ${ISSUER} --subject ${SUBJECT} --audiences ${AUD}`);

  const slash = healthy();
  slash.identities[0]!.credentials[0]!.audiences = ["api://AzureADTokenExchange/"];
  r = check(slash, "federated-credential");
  assert.equal(r.status, "fail");
  assert.match(r.detail, /differs only in a trailing '\/'/);
  assert.match(r.detail, /Entra answers AADSTS700212\)/);
  assert.equal(r.expected, `audience=${AUD} (the token's)`);
  assert.equal(r.actual, "audience=api://AzureADTokenExchange/ (credential kubernetes-federated-credential)");
  assert.match(r.fix!, / --audiences api:\/\/AzureADTokenExchange$/);

  const none = healthy();
  none.identities[0]!.credentials = [];
  r = check(none, "federated-credential");
  assert.equal(r.actual, "no credentials");
  assert.equal(r.fix, `az identity federated-credential create --name workload-identity-sa-federated-credential --identity-name quick-start --resource-group rg-app --issuer ${ISSUER} --subject ${SUBJECT} --audiences ${AUD}`);

  const elsewhere = healthy();
  const other = otherIdentity();
  other.credentials = [{ ...elsewhere.identities[0]!.credentials[0]!, name: "fic-other" }];
  elsewhere.identities[0]!.credentials[0]!.subject = "system:serviceaccount:default:other-sa";
  elsewhere.identities.push(other);
  assert.match(check(elsewhere, "federated-credential").detail, /identity other trusts this subject, but the pod uses quick-start/);
});

test("sign-in: none yet (warn), the last one failed (fail while the chain is broken, warn once it checks out)", () => {
  const none = healthy();
  none.signIns = [];
  assert.equal(check(none, "sign-in").status, "warn");
  assert.equal(diagnosePod(none).ok, true);

  const failed = healthy();
  failed.signIns = [signIn(70021, { failureReason: "No matching federated identity record found for presented assertion.", additionalDetails: "subject differs" })];
  failed.identities[0]!.credentials[0]!.subject = "system:serviceaccount:dev:workload-identity-sa";
  const r = check(failed, "sign-in");
  assert.equal(r.status, "fail");
  assert.equal(r.actual, "errorCode 70021");
  assert.match(r.detail, /No matching federated identity record found for presented assertion\. — hint: subject differs/);

  const fixedSince = healthy();
  fixedSince.signIns = failed.signIns;
  assert.equal(check(fixedSince, "sign-in").status, "warn");
});

test("role-assignment: given to the clientId, to another identity, at another vault, at a group without the vault, a role without the action", () => {
  const fix = `az role assignment create --assignee-object-id ${PID} --role 'Key Vault Secrets User' --scope ${VAULT_ID} --assignee-principal-type ServicePrincipal`;
  const toClient = healthy();
  toClient.roleAssignments = [assignment({ principalId: CID })];
  let r = check(toClient, "role-assignment");
  assert.equal(r.status, "fail");
  assert.match(r.detail, new RegExp(`${CID}, the clientId of identity quick-start \\(a role assignment needs its principalId ${PID}\\)`));
  assert.equal(r.expected, `principalId ${PID} (identity quick-start)`);
  assert.equal(r.actual, `principalId ${CID}`);
  assert.equal(r.fix, fix);

  const toOther = healthy();
  toOther.identities.push(otherIdentity());
  toOther.roleAssignments = [assignment({ principalId: OTHER_PID })];
  r = check(toOther, "role-assignment");
  assert.equal(r.status, "fail");
  assert.match(r.detail, /the principal of identity other/);
  assert.equal(r.actual, `principalId ${OTHER_PID}`);

  const otherVault = healthy();
  otherVault.roleAssignments = [assignment({ scope: VAULT_ID.replace("kv-app", "kv-other") })];
  r = check(otherVault, "role-assignment");
  assert.equal(r.status, "fail");
  assert.equal(r.expected, `a scope containing ${VAULT_ID}/secrets/my-secret`);
  assert.equal(r.actual, `scope ${VAULT_ID.replace("kv-app", "kv-other")}`);
  assert.equal(r.fix, fix);

  const otherGroup = healthy();
  otherGroup.roleAssignments = [assignment({ scope: `/subscriptions/${S}/resourceGroups/rg-other` })];
  assert.equal(check(otherGroup, "role-assignment").actual, `scope /subscriptions/${S}/resourceGroups/rg-other`);

  // A parent scope that contains the vault is fine; so is the secret's own scope.
  for (const scope of [`/subscriptions/${S}/resourceGroups/rg-app`, `/subscriptions/${S}`, `${VAULT_ID}/secrets/my-secret`]) {
    const ok = healthy();
    ok.roleAssignments = [assignment({ scope })];
    assert.equal(check(ok, "role-assignment").status, "pass", scope);
  }

  const reader = healthy();
  reader.roleAssignments = [assignment({ roleDefinitionId: KV_READER })];
  r = check(reader, "role-assignment");
  assert.equal(r.actual, "'Key Vault Reader'");

  // Someone else (the admin application) holding a role on the vault is not a slip: the check says none grants the identity.
  const adminOnly = healthy();
  adminOnly.roleAssignments = [assignment({ principalId: "ad000000-0000-4000-8000-000000000001", roleDefinitionId: SECRETS_USER.replace("4633458b-17de-408a-b874-0445c86b69e6", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7") })];
  adminOnly.principalNames = { "ad000000-0000-4000-8000-000000000001": "wilab-admin" };
  r = check(adminOnly, "role-assignment");
  assert.equal(r.actual, "no such assignment");
  // An id that is no principal of the tenant is.
  const unknown = healthy();
  unknown.roleAssignments = [assignment({ principalId: "00000000-0000-4000-8000-0000000000aa" })];
  r = check(unknown, "role-assignment");
  assert.match(r.detail, /00000000-0000-4000-8000-0000000000aa \(not a principal of the tenant\)/);

  const nothing = healthy();
  nothing.roleAssignments = [];
  r = check(nothing, "role-assignment");
  assert.equal(r.actual, "no such assignment");
  assert.equal(r.fix, fix);
});

test("vault: missing, soft-deleted, access policies with and without a policy for the identity", () => {
  const missing = healthy();
  delete missing.vault;
  let r = check(missing, "vault");
  assert.equal(r.status, "fail");
  assert.equal(r.actual, "not found");
  assert.equal(check(missing, "role-assignment").status, "skip");

  const deleted = healthy();
  delete deleted.vault;
  deleted.vaultDeleted = true;
  assert.equal(check(deleted, "vault").fix, "az keyvault recover --name kv-app");

  const policies = healthy();
  policies.vault = vault({ enableRbacAuthorization: false, accessPolicies: [] });
  r = check(policies, "vault");
  assert.equal(r.status, "fail");
  assert.equal(r.actual, "no policy for the identity");
  assert.equal(r.fix, `az keyvault set-policy --name kv-app --object-id ${PID} --secret-permissions get`);
  assert.equal(check(policies, "role-assignment").status, "skip");

  const allowed = healthy();
  allowed.vault = vault({ enableRbacAuthorization: false, accessPolicies: [{ tenantId: T, objectId: PID, permissions: { secrets: ["get", "list"] } }] });
  assert.equal(check(allowed, "vault").status, "pass");

  const noVault = healthy();
  delete noVault.vaultRef;
  delete noVault.vault;
  assert.equal(check(noVault, "vault").status, "skip");
  assert.equal(check(noVault, "role-assignment").status, "skip");
});

test("propagation: a credential and an assignment younger than the delays in force warn, with how long to wait", () => {
  const young = healthy();
  young.propagation = { ficMs: 30_000, rbacMs: 300_000 };
  young.identities[0]!.credentials[0]!.updatedAt = NOW - 10_000;
  young.roleAssignments = [assignment({ createdOn: new Date(NOW - 60_000).toISOString() })];
  const r = check(young, "propagation");
  assert.equal(r.status, "warn");
  assert.match(r.detail, /federated credential kubernetes-federated-credential changed 10s ago and is usable in 20s \(Entra's delay in force: 30s\)/);
  assert.match(r.detail, /role assignment a0000000-0000-4000-8000-000000000001 was made 1m ago and takes effect in 4m \(RBAC delay in force: 5m\)/);
  assert.equal(r.fix, "wilab clock advance 240s");
  assert.equal(diagnosePod(young).ok, true);

  const old = healthy();
  old.propagation = { ficMs: 30_000, rbacMs: 300_000 };
  assert.equal(check(old, "propagation").status, "pass");
});

function identitySnapshot(): IdentitySnapshot {
  const h = healthy();
  return {
    now: NOW,
    tenantId: T,
    identity: h.identities[0]!,
    query: { name: "quick-start", resourceGroup: "rg-app" },
    clusters: [h.cluster],
    serviceAccounts: [{ cluster: "arc1", namespace: "default", name: "workload-identity-sa", clientId: CID }],
    signIns: [signIn(0)],
    roleAssignments: [assignment()],
    propagation: { ficMs: 0, rbacMs: 0 },
  };
}

test("doctor identity: healthy; missing (stops there); the issuer moved; a service account with the principalId; a role on the clientId", () => {
  assert.deepEqual(diagnoseIdentity(identitySnapshot()).checks.map((c) => `${c.id}:${c.status}`), [
    "identity:pass",
    "credential-issuers:pass",
    "service-accounts:pass",
    "sign-in:pass",
    "role-assignments:pass",
    "propagation:pass",
  ]);
  const missing = identitySnapshot();
  delete missing.identity;
  const m = diagnoseIdentity(missing);
  assert.deepEqual(m.checks.map((c) => c.id), ["identity"]);
  assert.equal(m.checks[0]!.fix, "az identity create --name quick-start --resource-group rg-app");

  const moved = identitySnapshot();
  moved.clusters[0] = { ...moved.clusters[0]!, issuer: ISSUER.replace("8443", "9443") };
  let r = diagnoseIdentity(moved).checks.find((c) => c.id === "credential-issuers")!;
  assert.equal(r.status, "fail");
  assert.equal(r.expected, ISSUER.replace("8443", "9443"));
  assert.equal(r.actual, ISSUER);

  const slip = identitySnapshot();
  slip.serviceAccounts = [{ cluster: "arc1", namespace: "default", name: "workload-identity-sa", clientId: PID }];
  r = diagnoseIdentity(slip).checks.find((c) => c.id === "service-accounts")!;
  assert.equal(r.status, "fail");
  assert.equal(r.fix, `kubectl annotate serviceaccount workload-identity-sa -n default azure.workload.identity/client-id=${CID} --overwrite`);

  const untrusted = identitySnapshot();
  untrusted.serviceAccounts = [{ cluster: "arc1", namespace: "dev", name: "workload-identity-sa", clientId: CID }];
  r = diagnoseIdentity(untrusted).checks.find((c) => c.id === "service-accounts")!;
  assert.equal(r.status, "fail");
  assert.equal(r.expected, `issuer=${ISSUER}; subject=system:serviceaccount:dev:workload-identity-sa`);

  const toClient = identitySnapshot();
  toClient.roleAssignments = [assignment({ principalId: CID })];
  r = diagnoseIdentity(toClient).checks.find((c) => c.id === "role-assignments")!;
  assert.equal(r.status, "fail");
  assert.equal(r.actual, `principalId ${CID}`);
});

function audit(oid: string, status: number, time: string): AuditEventRecord {
  return {
    id: `e-${time}`,
    time,
    resourceId: VAULT_ID.toUpperCase(),
    operationName: "SecretGet",
    operationVersion: "7.5",
    category: "AuditEvent",
    resultType: status < 400 ? "Success" : "Failure",
    resultSignature: status < 400 ? "OK" : "Forbidden",
    durationMs: 3,
    callerIpAddress: "127.0.0.1",
    correlationId: "c",
    identity: { claim: { oid, appid: CID } },
    properties: { httpStatusCode: status, requestUri: `https://kv-app.vault.localhost:8443/secrets/my-secret?api-version=7.5` },
    authorization: status < 400 ? { model: "rbac", roleAssignmentId: "a1" } : { model: "rbac", deniedReason: "no role grants getSecret" },
  };
}

test("doctor vault: healthy; missing; a role on a clientId; the latest denied request names the caller and the fix", () => {
  const h = healthy();
  const base = (): VaultSnapshot => ({ now: NOW, name: "kv-app", vault: vault(), roleAssignments: [assignment()], identities: h.identities, principalNames: { [PID]: "quick-start" }, auditEvents: [audit(PID, 200, "2026-03-01T11:58:00Z")], propagation: { ficMs: 0, rbacMs: 0 } });
  assert.deepEqual(diagnoseVault(base()).checks.map((c) => `${c.id}:${c.status}`), ["vault:pass", "role-assignments:pass", "denied-requests:pass", "propagation:pass"]);

  const missing = base();
  delete missing.vault;
  assert.deepEqual(diagnoseVault(missing).checks.map((c) => `${c.id}:${c.status}`), ["vault:fail"]);

  const toClient = base();
  toClient.roleAssignments = [assignment({ principalId: CID })];
  let r = diagnoseVault(toClient).checks.find((c) => c.id === "role-assignments")!;
  assert.equal(r.status, "fail");
  assert.equal(r.fix, `az role assignment create --assignee-object-id ${PID} --role 'Key Vault Secrets User' --scope ${VAULT_ID} --assignee-principal-type ServicePrincipal`);

  // Newest first: the caller's latest request was denied (an older success does not hide it).
  const denied = base();
  denied.auditEvents = [audit(PID, 403, "2026-03-01T11:59:00Z"), audit(PID, 200, "2026-03-01T11:50:00Z")];
  r = diagnoseVault(denied).checks.find((c) => c.id === "denied-requests")!;
  assert.equal(r.status, "fail");
  assert.match(r.detail, new RegExp(`SecretGet by ${PID}, the principal of identity quick-start at 2026-03-01T11:59:00Z was denied: 403 Forbidden \\(no role grants getSecret\\)`));
  assert.equal(r.fix, `az role assignment create --assignee-object-id ${PID} --role 'Key Vault Secrets User' --scope ${VAULT_ID} --assignee-principal-type ServicePrincipal`);

  const recovered = base();
  recovered.auditEvents = [audit(PID, 200, "2026-03-01T11:59:00Z"), audit(PID, 403, "2026-03-01T11:50:00Z")];
  assert.equal(diagnoseVault(recovered).checks.find((c) => c.id === "denied-requests")!.status, "pass");
});

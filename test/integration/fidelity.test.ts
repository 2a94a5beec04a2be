// Issue 12's fidelity differences, each against the source that shows Azure's or Kubernetes' own answer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ResourceManagementClient } from "@azure/arm-resources";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import type { Lab } from "../../src/index.js";
import { adminCredential, armClientOptions, startTestLab } from "../helpers/lab.js";
import { api, makeCluster, type TestCluster } from "../helpers/kube.js";

let lab: Lab;
let cluster: TestCluster;
before(async () => {
  lab = await startTestLab();
  cluster = await makeCluster(lab, { name: "fidelity" });
});
after(async () => {
  await lab?.stop();
  cluster?.cleanup();
});

test("#9 Key Vault, an expired bearer: 401 \"[TokenExpired] Error validating token: 'S2S12086'.\" (azure-sdk-for-python#27266)", async () => {
  const cred = adminCredential(lab);
  await new ResourceManagementClient(cred, lab.subscriptionId, armClientOptions(lab)).resourceGroups.createOrUpdate("rg-fid", { location: "westeurope" });
  const name = `kv-fid-${randomUUID().slice(0, 6)}`;
  await new KeyVaultManagementClient(cred, lab.subscriptionId, armClientOptions(lab)).vaults.beginCreateOrUpdateAndWait("rg-fid", name, {
    location: "westeurope",
    properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true },
  });
  const token = (await cred.getToken("https://vault.azure.net/.default"))!.token;
  lab.ctx.clock.advance(2 * 3_600_000); // past the app token's hour and the 5-minute skew
  const r = await fetch(`${lab.vaultUrl(name)}secrets/x?api-version=7.4`.replace(/([^:]\/)\/+/g, "$1"), { headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 401);
  assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer authorization="/);
  const e = ((await r.json()) as { error: { code: string; message: string; wilabHint?: string } }).error;
  assert.deepEqual([e.code, e.message], ["Unauthorized", "[TokenExpired] Error validating token: 'S2S12086'."]);
  assert.equal(e.wilabHint, "the token is expired"); // the lab's hint beside Azure's answer, never instead of it
});

test("hardening: a 2 MB (and a 20 MB) unauthenticated POST to a vault gets Key Vault's 401 challenge, before the body is read", async () => {
  const cred = adminCredential(lab);
  await new ResourceManagementClient(cred, lab.subscriptionId, armClientOptions(lab)).resourceGroups.createOrUpdate("rg-fid", { location: "westeurope" });
  const name = `kv-big-${randomUUID().slice(0, 6)}`;
  await new KeyVaultManagementClient(cred, lab.subscriptionId, armClientOptions(lab)).vaults.beginCreateOrUpdateAndWait("rg-fid", name, {
    location: "westeurope",
    properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true },
  });
  for (const size of [2, 20]) {
    const r = await fetch(`${lab.vaultUrl(name).replace(/\/$/, "")}/secrets/restore?api-version=7.4`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ value: "x".repeat(size * 1024 * 1024) }) });
    assert.equal(r.status, 401, `${size} MB`);
    assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer authorization="[^"]+", resource="https:\/\/vault\.localhost:\d+"/); // the local-mode vault resource
    assert.equal(((await r.json()) as { error: { message: string } }).error.message, "AKV10000: Request is missing a Bearer or PoP token.");
  }
});

test("#5 AuthorizationFailed names a user by UPN and a service principal by object id (azure-sdk-for-net#5026)", async () => {
  const form = { grant_type: "password", client_id: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", username: lab.admin.userPrincipalName, password: lab.admin.password, scope: "https://management.azure.com/.default" };
  const user = ((await (await fetch(`${lab.url}/${lab.tenantId}/oauth2/v2.0/token`, { method: "POST", body: new URLSearchParams(form) })).json()) as { access_token: string }).access_token;
  const app = (await adminCredential(lab).getToken("https://management.azure.com/.default"))!.token;
  // The tenant root is above the lab's subscription, where even its admins have no role.
  const path = `${lab.url}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`;
  const body = JSON.stringify({ properties: { roleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7", principalId: lab.admin.userObjectId, principalType: "User" } });
  for (const [token, who, oid] of [[user, lab.admin.userPrincipalName, lab.admin.userObjectId], [app, lab.admin.objectId, lab.admin.objectId]] as const) {
    const r = await fetch(path, { method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body });
    assert.equal(r.status, 403);
    const e = ((await r.json()) as { error: { code: string; message: string } }).error;
    assert.equal(e.code, "AuthorizationFailed");
    assert.ok(e.message.startsWith(`The client '${who}' with object id '${oid}' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write'`), e.message);
  }
});

test("#2/#3 role assignments: an unknown GUID with principalType is created without a lookup (the slip surfaces later); a principalType that disagrees with the directory is UnmatchedPrincipalType", async () => {
  const app = (await adminCredential(lab).getToken("https://management.azure.com/.default"))!.token;
  const scope = `/subscriptions/${lab.subscriptionId}`;
  const put = async (principalId: string, principalType?: string) => {
    const r = await fetch(`${lab.url}${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`, {
      method: "PUT",
      headers: { authorization: `Bearer ${app}`, "content-type": "application/json" },
      body: JSON.stringify({ properties: { roleDefinitionId: `${scope}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`, principalId, ...(principalType ? { principalType } : {}) } }),
    });
    return { status: r.status, body: (await r.json()) as { error?: { code: string; message: string }; properties?: { principalType: string } } };
  };
  const unknown = randomUUID();
  // A clientId given as principalId with principalType set: ARM creates it (no directory lookup).
  const created = await put(unknown, "ServicePrincipal");
  assert.equal(created.status, 201);
  assert.equal(created.body.properties?.principalType, "ServicePrincipal");
  // Without principalType ARM looks the principal up.
  assert.equal((await put(randomUUID())).body.error?.code, "PrincipalNotFound");
  // The admin user declared as a service principal: UnmatchedPrincipalType, with the id printed without dashes,
  // as ARM prints it ("The PrincipalId '634c8d99dc1442e18389ece9c4fe7e8a' has type 'ServicePrincipal', which is
  // different from specified PrincipalType 'User'.", Azure Developer CLI troubleshooting captures).
  const mismatch = await put(lab.admin.userObjectId, "ServicePrincipal");
  assert.equal(mismatch.status, 400);
  assert.deepEqual(mismatch.body.error, { code: "UnmatchedPrincipalType", message: `The PrincipalId '${lab.admin.userObjectId.replace(/-/g, "")}' has type 'User', which is different from specified PrincipalType 'ServicePrincipal'.` });
});

test("#10 JWTs with base64 padding or characters outside base64url are refused: 401 at ARM, AADSTS50027 as an assertion", async () => {
  const good = (await adminCredential(lab).getToken("https://management.azure.com/.default"))!.token;
  const [h, p, sig] = good.split(".");
  const variants = [`${h}.${p}==.${sig}`, `${h}=.${p}.${sig}`, `${h}.${p}.${sig}=`, `${h}.${p!.replace(/_/g, "/").replace(/-/g, "+")}.${sig}`];
  const ok = await fetch(`${lab.url}/subscriptions?api-version=2022-12-01`, { headers: { authorization: `Bearer ${good}` } });
  assert.equal(ok.status, 200);
  for (const v of variants.filter((x) => x !== good)) {
    const r = await fetch(`${lab.url}/subscriptions?api-version=2022-12-01`, { headers: { authorization: `Bearer ${v}` } });
    assert.equal(r.status, 401, v.slice(-12));
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id: lab.admin.clientId, scope: "https://management.azure.com/.default", client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: v });
    const t = await fetch(`${lab.url}/${lab.tenantId}/oauth2/v2.0/token`, { method: "POST", body: form });
    assert.equal(t.status, 400);
    assert.deepEqual(((await t.json()) as { error_codes: number[] }).error_codes, [50027]);
  }
});

test("#11 Kubernetes Status: Go omits an empty group (StatusDetails' omitempty) and sends \"details\":{} on an unknown path", async () => {
  const missing = await api(cluster, "GET", "/api/v1/namespaces/default/configmaps/nope");
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body.details, { name: "nope", kind: "configmaps" });
  assert.match(missing.text, /"details":\{"name":"nope","kind":"configmaps"\}/);
  const grouped = await api(cluster, "GET", "/apis/apps/v1/namespaces/default/deployments/nope");
  assert.deepEqual(grouped.body.details, { name: "nope", group: "apps", kind: "deployments" });
  const unknown = await api(cluster, "GET", "/api/v1/nothing-here");
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.body, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "the server could not find the requested resource", reason: "NotFound", details: {}, code: 404 });
});

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import { startTestLab, adminCredential, armClientOptions } from "../helpers/lab.js";
import type { Lab } from "../../src/index.js";

let lab: Lab;
let resources: ResourceManagementClient;
let msi: ManagedServiceIdentityClient;
let authz: AuthorizationManagementClient;

before(async () => {
  lab = await startTestLab();
  const cred = adminCredential(lab);
  resources = new ResourceManagementClient(cred, lab.subscriptionId, armClientOptions(lab));
  msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId, armClientOptions(lab));
  authz = new AuthorizationManagementClient(cred, lab.subscriptionId, armClientOptions(lab));
});
after(async () => lab.stop());

function statusOf(err: unknown): { statusCode?: number; code?: string; message: string } {
  return err as { statusCode?: number; code?: string; message: string };
}

test("subscriptions: the admin sees the lab subscription", async () => {
  const subs = new SubscriptionClient(adminCredential(lab), armClientOptions(lab));
  const all = [];
  for await (const s of subs.subscriptions.list()) all.push(s);
  assert.equal(all.length, 1);
  assert.equal(all[0]!.subscriptionId, lab.subscriptionId);
  assert.equal(all[0]!.tenantId, lab.tenantId);
  assert.equal(all[0]!.state, "Enabled");
});

test("resource groups: create 201 then update 200, get, list, case-insensitive paths, delete", async () => {
  const created = await resources.resourceGroups.createOrUpdate("RG-One", { location: "West Europe", tags: { a: "1" } });
  assert.equal(created.id, `/subscriptions/${lab.subscriptionId}/resourceGroups/RG-One`);
  assert.equal(created.location, "westeurope");
  assert.equal(created.properties?.provisioningState, "Succeeded");
  const again = await resources.resourceGroups.createOrUpdate("rg-one", { location: "westeurope" });
  assert.equal(again.name, "RG-One");
  const got = await resources.resourceGroups.get("rg-ONE");
  assert.equal(got.name, "RG-One");
  const names: string[] = [];
  for await (const g of resources.resourceGroups.list()) names.push(g.name!);
  assert.ok(names.includes("RG-One"));
  assert.equal(await resources.resourceGroups.checkExistence("rg-one").then((r) => r.body), true);
  await resources.resourceGroups.beginDeleteAndWait("RG-One");
  await assert.rejects(resources.resourceGroups.get("RG-One"), (e) => {
    const s = statusOf(e);
    assert.equal(s.statusCode, 404);
    assert.equal(s.code, "ResourceGroupNotFound");
    assert.match(s.message, /Resource group 'RG-One' could not be found\./);
    return true;
  });
});

test("managed identity: clientId/principalId/tenantId, lowercase resourcegroups, unknown RG", async () => {
  await resources.resourceGroups.createOrUpdate("rg-mi", { location: "westeurope" });
  const id = await msi.userAssignedIdentities.createOrUpdate("rg-mi", "myIdentity", { location: "westeurope" });
  assert.match(id.clientId!, /^[0-9a-f-]{36}$/);
  assert.match(id.principalId!, /^[0-9a-f-]{36}$/);
  assert.equal(id.tenantId, lab.tenantId);
  assert.equal(id.id, `/subscriptions/${lab.subscriptionId}/resourcegroups/rg-mi/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myIdentity`);
  const got = await msi.userAssignedIdentities.get("RG-MI", "MYIDENTITY");
  assert.equal(got.clientId, id.clientId);
  await assert.rejects(msi.userAssignedIdentities.get("no-such-rg", "x"), (e) => {
    assert.equal(statusOf(e).statusCode, 404);
    assert.equal(statusOf(e).code, "ResourceGroupNotFound");
    return true;
  });
  await assert.rejects(msi.userAssignedIdentities.get("rg-mi", "nobody"), (e) => {
    assert.equal(statusOf(e).statusCode, 404);
    assert.equal(statusOf(e).code, "ResourceNotFound");
    assert.match(statusOf(e).message, /The Resource 'Microsoft.ManagedIdentity\/userAssignedIdentities\/nobody' under resource group 'rg-mi' was not found/);
    return true;
  });
});

test("federated credentials: Entra's rules — name, https issuer, one audience, unique issuer+subject, at most 20", async () => {
  await resources.resourceGroups.createOrUpdate("rg-fic", { location: "westeurope" });
  await msi.userAssignedIdentities.createOrUpdate("rg-fic", "id1", { location: "westeurope" });
  const ok = await msi.federatedIdentityCredentials.createOrUpdate("rg-fic", "id1", "fic-0", {
    issuer: "https://issuer.example/",
    subject: "system:serviceaccount:default:sa0",
    audiences: ["api://AzureADTokenExchange"],
  });
  assert.equal(ok.type, "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials");
  assert.equal(ok.issuer, "https://issuer.example/");

  const bad = async (name: string, props: { issuer: string; subject: string; audiences: string[] }, re: RegExp) =>
    assert.rejects(msi.federatedIdentityCredentials.createOrUpdate("rg-fic", "id1", name, props), (e) => {
      assert.equal(statusOf(e).statusCode, 400, statusOf(e).message);
      assert.match(statusOf(e).message, re);
      return true;
    });
  await bad("x", { issuer: "https://i/", subject: "s", audiences: ["a"] }, /Federated Identity Credential name 'x' is invalid\./);
  await bad("fic-http", { issuer: "http://issuer.example/", subject: "s", audiences: ["a"] }, /https/);
  await bad("fic-two", { issuer: "https://i/", subject: "s", audiences: ["a", "b"] }, /exactly one audience/);
  await bad("fic-dup", { issuer: "https://issuer.example/", subject: "system:serviceaccount:default:sa0", audiences: ["a"] }, /Issuer and subject combination already exists for this Managed Identity\./);
  await bad("fic-long", { issuer: "https://i/", subject: "s".repeat(601), audiences: ["a"] }, /600/);

  for (let i = 1; i < 20; i++) {
    await msi.federatedIdentityCredentials.createOrUpdate("rg-fic", "id1", `fic-${i}`, { issuer: "https://issuer.example/", subject: `sub-${i}`, audiences: ["api://AzureADTokenExchange"] });
  }
  await bad("fic-20", { issuer: "https://issuer.example/", subject: "sub-20", audiences: ["api://AzureADTokenExchange"] }, /maximum number of Federated Identity Credentials per Managed Identity is 20/);
  // An update of an existing one is still allowed at the limit.
  const upd = await msi.federatedIdentityCredentials.createOrUpdate("rg-fic", "id1", "fic-19", { issuer: "https://issuer.example/", subject: "sub-19b", audiences: ["api://AzureADTokenExchange"] });
  assert.equal(upd.subject, "sub-19b");
  const list = [];
  for await (const f of msi.federatedIdentityCredentials.list("rg-fic", "id1")) list.push(f);
  assert.equal(list.length, 20);
  await msi.federatedIdentityCredentials.delete("rg-fic", "id1", "fic-19");
  await assert.rejects(msi.federatedIdentityCredentials.get("rg-fic", "id1", "fic-19"), (e) => statusOf(e).statusCode === 404);
  await assert.rejects(
    msi.federatedIdentityCredentials.createOrUpdate("rg-fic", "ghost", "fic-a", { issuer: "https://i/", subject: "s", audiences: ["a"] }),
    (e) => statusOf(e).statusCode === 404 && /parent user-assigned identity doesn't exist/.test(statusOf(e).message),
  );
});

test("role assignments: create 201, duplicate 409, unknown principal 400, list atScope, role definitions by name", async () => {
  await resources.resourceGroups.createOrUpdate("rg-ra", { location: "westeurope" });
  const id = await msi.userAssignedIdentities.createOrUpdate("rg-ra", "ra-id", { location: "westeurope" });
  const scope = `/subscriptions/${lab.subscriptionId}/resourceGroups/rg-ra`;
  const defs = [];
  for await (const d of authz.roleDefinitions.list(scope, { filter: "roleName eq 'Key Vault Secrets User'" })) defs.push(d);
  assert.equal(defs.length, 1);
  assert.equal(defs[0]!.name, "4633458b-17de-408a-b874-0445c86b69e6");
  assert.deepEqual(defs[0]!.permissions![0]!.dataActions, ["Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"]);
  const name = "11111111-2222-4333-8444-555555555555";
  const ra = await authz.roleAssignments.create(scope, name, { roleDefinitionId: defs[0]!.id!, principalId: id.principalId!, principalType: "ServicePrincipal" });
  assert.equal(ra.scope, scope);
  assert.equal(ra.principalId, id.principalId);
  await assert.rejects(
    authz.roleAssignments.create(scope, "21111111-2222-4333-8444-555555555555", { roleDefinitionId: defs[0]!.id!, principalId: id.principalId! }),
    (e) => statusOf(e).statusCode === 409 && statusOf(e).code === "RoleAssignmentExists",
  );
  await assert.rejects(
    authz.roleAssignments.create(scope, "31111111-2222-4333-8444-555555555555", { roleDefinitionId: defs[0]!.id!, principalId: id.clientId! }),
    (e) => statusOf(e).statusCode === 400 && statusOf(e).code === "PrincipalNotFound",
  );
  const atScope = [];
  for await (const a of authz.roleAssignments.listForScope(scope, { filter: "atScope()" })) atScope.push(a);
  assert.ok(atScope.some((a) => a.name === name));
  // The admin's Owner assignment at the subscription is above the scope: atScope() includes it.
  assert.ok(atScope.some((a) => a.scope === `/subscriptions/${lab.subscriptionId}`));
  await authz.roleAssignments.delete(scope, name);
  await assert.rejects(authz.roleAssignments.get(scope, name), (e) => statusOf(e).statusCode === 404);
});

test("ARM authentication: a token that is not a JWT gets 401 InvalidAuthenticationToken", async () => {
  const res = await fetch(`${lab.armEndpoint}/subscriptions/${lab.subscriptionId}/resourcegroups?api-version=2021-04-01`, {
    headers: { authorization: "Bearer not-a-jwt" },
  });
  assert.equal(res.status, 401);
  assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer authorization_uri=/);
  const body = (await res.json()) as { error: { code: string } };
  assert.equal(body.error.code, "InvalidAuthenticationToken");
  const none = await fetch(`${lab.armEndpoint}/subscriptions/${lab.subscriptionId}/resourcegroups?api-version=2021-04-01`);
  assert.equal(none.status, 401);
  assert.equal(((await none.json()) as { error: { code: string } }).error.code, "AuthenticationFailed");
});

test("ARM input errors: missing and unknown api-version, malformed JSON, unknown namespace and type", async () => {
  const token = (await adminCredential(lab).getToken("https://management.azure.com/.default"))!.token;
  const h = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const base = `${lab.armEndpoint}/subscriptions/${lab.subscriptionId}/resourcegroups/rg-bad`;
  let r = await fetch(base, { headers: h });
  assert.equal(r.status, 400);
  assert.equal(((await r.json()) as { error: { code: string } }).error.code, "MissingApiVersionParameter");
  r = await fetch(`${base}?api-version=1999-01-01`, { headers: h });
  assert.equal(r.status, 400);
  // Resource groups are ARM's own namespace: InvalidApiVersionParameter with the supported list (issue 12 #7), as ARM
  // answers (azure-rest-api-specs#11711, azure-powershell#6031): "The api-version '2020-10-01' is invalid. The supported versions are '2020-07-01,…'."
  const bad = ((await r.json()) as { error: { code: string; message: string } }).error;
  assert.equal(bad.code, "InvalidApiVersionParameter");
  assert.match(bad.message, /^The api-version '1999-01-01' is invalid\. The supported versions are '2025-04-01,2025-03-01,[0-9,-]+,2014-04-01'\.$/);
  // A resource provider's type: NoRegisteredProviderFound.
  r = await fetch(`${lab.armEndpoint}/subscriptions/${lab.subscriptionId}/resourcegroups/rg-bad/providers/Microsoft.KeyVault/vaults/x?api-version=1999-01-01`, { headers: h });
  assert.equal(((await r.json()) as { error: { code: string } }).error.code, "NoRegisteredProviderFound");
  r = await fetch(`${base}?api%2Dversion=2021-04-01`, { method: "PUT", headers: h, body: "{not json" });
  assert.equal(r.status, 400);
  assert.equal(((await r.json()) as { error: { code: string } }).error.code, "InvalidRequestContent");
  r = await fetch(`${base}?api-version=2021-04-01`, { method: "PUT", headers: h, body: JSON.stringify({ location: "westeurope", pad: "x".repeat(5 * 1024 * 1024) }) });
  assert.equal(r.status, 413);
  r = await fetch(`${base}/providers/Microsoft.Nope/things/x?api-version=2021-04-01`, { headers: h });
  assert.equal(r.status, 409);
  assert.equal(((await r.json()) as { error: { code: string } }).error.code, "MissingSubscriptionRegistration");
  r = await fetch(`${lab.armEndpoint}/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups?api-version=2021-04-01`, { headers: h });
  assert.equal(r.status, 404);
  assert.equal(((await r.json()) as { error: { code: string } }).error.code, "SubscriptionNotFound");
  r = await fetch(`${lab.armEndpoint}/metadata/endpoints?api-version=2019-05-01`);
  const clouds = (await r.json()) as { resourceManager: string; authentication: { loginEndpoint: string } }[];
  assert.equal(clouds[0]!.resourceManager, `${lab.armEndpoint}/`);
  r = await fetch(`${lab.armEndpoint}/metadata/endpoints?api-version=2015-01-01`);
  // Local mode: the lab's /adfs authority, as Azure Stack Hub's metadata gives one — what az 2.45 reads (api-version
  // 2015-01-01) when `az cloud register --endpoint-resource-manager` points at the lab (issue 11).
  assert.equal(((await r.json()) as { authentication: { loginEndpoint: string } }).authentication.loginEndpoint, `${lab.authorityHost}/adfs`);
});

test("the lab's Azure Local infrastructure: a custom location and a logical network in wilab-infra", async () => {
  const token = (await adminCredential(lab).getToken("https://management.azure.com/.default"))!.token;
  const h = { authorization: `Bearer ${token}` };
  const rg = `${lab.armEndpoint}/subscriptions/${lab.subscriptionId}/resourceGroups/wilab-infra`;
  const cl = (await (await fetch(`${rg}/providers/Microsoft.ExtendedLocation/customLocations/wilab-customlocation?api-version=2021-08-15`, { headers: h })).json()) as { id: string; properties: { provisioningState: string; hostType: string } };
  assert.equal(cl.id, `/subscriptions/${lab.subscriptionId}/resourceGroups/wilab-infra/providers/Microsoft.ExtendedLocation/customLocations/wilab-customlocation`);
  assert.equal(cl.properties.hostType, "Kubernetes");
  const lnet = (await (await fetch(`${rg}/providers/Microsoft.AzureStackHCI/logicalNetworks/wilab-lnet?api-version=2024-01-01`, { headers: h })).json()) as { id: string; extendedLocation: { name: string } };
  assert.equal(lnet.extendedLocation.name, cl.id);
  const missing = await fetch(`${rg}/providers/Microsoft.AzureStackHCI/logicalNetworks/nope?api-version=2024-01-01`, { headers: h });
  assert.equal(missing.status, 404);
});

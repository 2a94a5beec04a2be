import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClientAssertionCredential, WorkloadIdentityCredential, type TokenCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { startTestLab, adminCredential, armClientOptions } from "../helpers/lab.js";
import { startTestIssuer, type TestIssuer } from "../helpers/testIssuer.js";
import { captureLabLog } from "../helpers/labLog.js";
import type { Lab } from "../../src/index.js";

const RG = "rg-signins";
const VAULT = "kv-audit";
const SUBJECT = "system:serviceaccount:default:app";
const WRONG_SUBJECT = "system:serviceaccount:prod:app";
const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
const AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

type Json = Record<string, unknown>;
interface SignIn {
  id: string;
  appId: string;
  createdDateTime: string;
  servicePrincipalId?: string;
  userPrincipalName?: string;
  resourceId?: string;
  resourceDisplayName?: string;
  correlationId: string;
  clientCredentialType: string;
  signInEventTypes: string[];
  status: { errorCode: number; failureReason?: string; additionalDetails?: string };
  managedServiceIdentity?: { msiType: string; associatedResourceId?: string; federatedTokenId?: string; federatedTokenIssuer?: string };
  federatedAssertion?: { issuer?: string; subject?: string; audiences?: string[] };
  federatedCredential?: { name: string; matched: boolean; differences?: { field: string; expected: string; presented: string }[] };
}

let lab: Lab;
let issuer: TestIssuer;
let dir: string;
let mi: { clientId: string; principalId: string; id: string };
let other: { clientId: string; principalId: string };
let grantId: string;
const { raw, lines, logWrite } = captureLabLog();

async function identity(msi: ManagedServiceIdentityClient, name: string, subject: string) {
  const id = await msi.userAssignedIdentities.createOrUpdate(RG, name, { location: "westeurope" });
  await msi.federatedIdentityCredentials.createOrUpdate(RG, name, "fic", { issuer: issuer.issuer, subject, audiences: ["api://AzureADTokenExchange"] });
  return { clientId: id.clientId!, principalId: id.principalId!, id: id.id! };
}

async function workload(clientId: string, subject: string): Promise<TokenCredential> {
  const tokenFilePath = join(dir, `${randomUUID()}.jwt`);
  writeFileSync(tokenFilePath, await issuer.sign({ sub: subject }));
  return new WorkloadIdentityCredential({ tenantId: lab.tenantId, clientId, tokenFilePath, authorityHost: lab.authorityHost, disableInstanceDiscovery: true });
}

async function adminToken(scope: string): Promise<string> {
  return (await adminCredential(lab).getToken(scope))!.token;
}

async function graph(path: string, token: string | undefined, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: Json; headers: Headers }> {
  const url = path.startsWith("https://") ? path : `${lab.graphEndpoint}${path}`;
  const res = await fetch(url, {
    method: init.method ?? "GET",
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
}

async function signIns(query: string): Promise<{ status: number; body: Json; value: SignIn[] }> {
  const r = await graph(`/beta/auditLogs/signIns?${query}`, await adminToken("https://graph.microsoft.com/.default"));
  return { ...r, value: (r.body.value ?? []) as SignIn[] };
}

async function assign(authz: AuthorizationManagementClient, principalId: string, role: string, scope: string): Promise<string> {
  const ra = await authz.roleAssignments.create(scope, randomUUID(), {
    roleDefinitionId: `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
    principalId,
    principalType: "ServicePrincipal",
  });
  return ra.id!;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "wilab-signins-"));
  lab = await startTestLab({
    logFormat: "json",
    logWrite,
  });
  issuer = await startTestIssuer(lab);
  const cred = adminCredential(lab);
  const resources = new ResourceManagementClient(cred, lab.subscriptionId, armClientOptions(lab));
  const msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId, armClientOptions(lab));
  const kvm = new KeyVaultManagementClient(cred, lab.subscriptionId, armClientOptions(lab));
  const authz = new AuthorizationManagementClient(cred, lab.subscriptionId, armClientOptions(lab));
  await resources.resourceGroups.createOrUpdate(RG, { location: "westeurope" });
  mi = await identity(msi, "app-id", SUBJECT);
  other = await identity(msi, "other-id", SUBJECT);
  await kvm.vaults.createOrUpdate(RG, VAULT, {
    location: "westeurope",
    properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true },
  });
  const vaultId = `/subscriptions/${lab.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/${VAULT}`;
  grantId = await assign(authz, mi.principalId, SECRETS_USER, vaultId);
  await assign(authz, lab.admin.objectId, SECRETS_OFFICER, vaultId);
  await new SecretClient(lab.vaultUrl(VAULT), cred).setSecret("db-password", "s3cret!");
});

after(async () => {
  await issuer.stop();
  await lab.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("a successful and a failed exchange are sign-ins over Graph, with the errorCode and the nearest credential", async () => {
  const good = await (await workload(mi.clientId, SUBJECT)).getToken("https://vault.azure.net/.default");
  assert.ok(good?.token);
  const wrong = await issuer.sign({ sub: WRONG_SUBJECT, jti: "assertion-jti-1" });
  const bad = new ClientAssertionCredential(lab.tenantId, mi.clientId, async () => wrong, { authorityHost: lab.authorityHost, disableInstanceDiscovery: true });
  await assert.rejects(bad.getToken("https://vault.azure.net/.default"), /AADSTS700213/);

  const r = await signIns(`$filter=appId eq '${mi.clientId}'`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.match(String(r.body["@odata.context"]), /\/beta\/\$metadata#auditLogs\/signIns$/);
  assert.equal(r.value.length, 2);
  const [failed, ok] = r.value;
  // Newest first.
  assert.equal(failed!.status.errorCode, 700213);
  assert.match(failed!.status.failureReason!, /No matching federated identity record found for presented assertion subject 'system:serviceaccount:prod:app'/);
  assert.match(failed!.status.additionalDetails!, /subject/);
  assert.equal(failed!.clientCredentialType, "federatedIdentityCredential");
  assert.deepEqual(failed!.signInEventTypes, ["managedIdentity"]);
  assert.equal(failed!.servicePrincipalId, mi.principalId);
  assert.equal(failed!.resourceId, "cfa8b339-82a2-471a-a3c9-0fc0be7a4093");
  assert.equal(failed!.resourceDisplayName, "Azure Key Vault");
  assert.equal(failed!.managedServiceIdentity?.msiType, "userAssigned");
  assert.equal(failed!.managedServiceIdentity?.associatedResourceId?.toLowerCase(), mi.id.toLowerCase());
  assert.equal(failed!.managedServiceIdentity?.federatedTokenIssuer, issuer.issuer);
  assert.equal(failed!.managedServiceIdentity?.federatedTokenId, "assertion-jti-1");
  assert.deepEqual(failed!.federatedAssertion, { issuer: issuer.issuer, subject: WRONG_SUBJECT, audiences: ["api://AzureADTokenExchange"] });
  assert.equal(failed!.federatedCredential?.name, "fic");
  assert.equal(failed!.federatedCredential?.matched, false);
  assert.deepEqual(failed!.federatedCredential?.differences, [{ field: "subject", expected: SUBJECT, presented: WRONG_SUBJECT }]);

  assert.equal(ok!.status.errorCode, 0);
  assert.equal(ok!.status.failureReason, undefined);
  assert.equal(ok!.federatedCredential?.matched, true);
  assert.equal(ok!.federatedAssertion?.subject, SUBJECT);
  assert.ok(ok!.managedServiceIdentity?.federatedTokenId, "a token id even without jti (a hash of the assertion)");
  assert.ok(ok!.createdDateTime < failed!.createdDateTime || ok!.createdDateTime === failed!.createdDateTime);

  // The lab log: one warning for the failure (with the presented claims), one info line for the token issued.
  const warn = lines.find((l) => l.face === "entra" && l.code === "AADSTS700213");
  assert.ok(warn, JSON.stringify(lines));
  assert.equal(warn.level, "warn");
  assert.equal(warn.op, "token");
  assert.equal(warn.status, 401);
  assert.equal(warn.caller?.clientId, mi.clientId);
  assert.equal(warn.fields?.subject, WRONG_SUBJECT);
  assert.equal(warn.fields?.issuer, issuer.issuer);
  assert.equal(warn.fields?.audience, "api://AzureADTokenExchange");
  assert.match(warn.hint ?? "", /subject/);
  const info = lines.find((l) => l.face === "entra" && l.level === "info" && l.caller?.clientId === mi.clientId);
  assert.ok(info);
  assert.equal(info.fields?.credential, "federatedIdentityCredential");
  assert.equal(info.fields?.resource, "https://vault.azure.net");
  // Never a token or secret in full.
  for (const l of raw) {
    assert.ok(!l.includes(lab.admin.clientSecret), l);
    assert.ok(!l.includes(wrong), l);
    assert.ok(!l.includes(good!.token), l);
  }
});

test("$filter on status/errorCode, createdDateTime and correlationId; $top pages with @odata.nextLink", async () => {
  // A raw exchange with the client's correlation id.
  const correlation = randomUUID();
  const res = await fetch(`${lab.authorityHost}/${lab.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "client-request-id": correlation },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: other.clientId, client_secret: "nope", scope: "https://management.azure.com/.default" }).toString(),
  });
  assert.equal(res.status, 401);
  const byCorrelation = await signIns(`$filter=correlationId eq '${correlation}'`);
  assert.equal(byCorrelation.value.length, 1);
  assert.equal(byCorrelation.value[0]!.status.errorCode, 7000215);
  assert.equal(byCorrelation.value[0]!.clientCredentialType, "clientSecret");
  assert.equal(byCorrelation.value[0]!.resourceDisplayName, "Windows Azure Service Management API");

  const failed = await signIns(`$filter=status/errorCode eq 700213 and appId eq '${mi.clientId}'`);
  assert.equal(failed.value.length, 1);
  assert.equal(failed.value[0]!.federatedAssertion?.subject, WRONG_SUBJECT);

  const now = new Date(lab.ctx.clock.now());
  const future = new Date(now.getTime() + 3600_000).toISOString().replace(/\.\d+Z$/, "Z");
  const past = new Date(now.getTime() - 3600_000).toISOString().replace(/\.\d+Z$/, "Z");
  assert.equal((await signIns(`$filter=createdDateTime ge ${future}`)).value.length, 0);
  const window = await signIns(`$filter=createdDateTime ge ${past} and createdDateTime le ${future} and appId eq '${mi.clientId}'`);
  assert.equal(window.value.length, 2);

  const first = await signIns(`$filter=appId eq '${mi.clientId}'&$top=1`);
  assert.equal(first.value.length, 1);
  assert.equal(first.value[0]!.status.errorCode, 700213);
  const next = String(first.body["@odata.nextLink"]);
  assert.ok(next.startsWith(`${lab.graphEndpoint}/beta/auditLogs/signIns?`), next);
  const second = await graph(next, await adminToken("https://graph.microsoft.com/.default"));
  assert.equal(second.status, 200);
  const rows = second.body.value as SignIn[];
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.status.errorCode, 0);
  assert.equal(second.body["@odata.nextLink"], undefined);

  // Graph's own 400s: an unknown property, a quoted date, a bad $top.
  for (const q of ["$filter=foo eq 'x'", "$filter=createdDateTime ge '2024-01-01'", "$filter=appId eq", "$filter=not(appId eq 'x')"]) {
    const bad = await signIns(q);
    assert.equal(bad.status, 400, q);
    assert.deepEqual([(bad.body.error as Json).code, (bad.body.error as Json).message], ["BadRequest", "Invalid filter clause"], q);
  }
  const top = await signIns("$top=0");
  assert.equal(top.status, 400);
  assert.equal((top.body.error as Json).code, "Request_BadRequest");
});

test("servicePrincipals: $filter by appId and by servicePrincipalNames/any, by id, and Graph's errors for the rest", async () => {
  const token = await adminToken("https://graph.microsoft.com/.default");
  const byApp = await graph(`/v1.0/servicePrincipals?$filter=appId eq '${mi.clientId}'`, token);
  assert.equal(byApp.status, 200, JSON.stringify(byApp.body));
  assert.match(String(byApp.body["@odata.context"]), /\/v1\.0\/\$metadata#servicePrincipals$/);
  const [sp] = byApp.body.value as Json[];
  assert.equal((byApp.body.value as Json[]).length, 1);
  assert.equal(sp!.id, mi.principalId);
  assert.equal(sp!.appId, mi.clientId);
  assert.equal(sp!.displayName, "app-id");
  assert.equal(sp!.servicePrincipalType, "ManagedIdentity");
  assert.deepEqual((sp!.alternativeNames as string[]).map((s) => s.toLowerCase()), ["isexplicit=true", mi.id.toLowerCase()]);

  const byName = await graph(`/v1.0/servicePrincipals?$filter=servicePrincipalNames/any(c:c eq '${mi.id}')`, token);
  assert.deepEqual((byName.body.value as Json[]).map((s) => s.id), [mi.principalId]);
  const admin = await graph(`/v1.0/servicePrincipals?$filter=appId eq '${lab.admin.clientId}'&$select=id,appId`, token);
  assert.deepEqual(admin.body.value, [{ id: lab.admin.objectId, appId: lab.admin.clientId }]);
  const none = await graph(`/v1.0/servicePrincipals?$filter=appId eq '${randomUUID()}'`, token);
  assert.deepEqual(none.body.value, []);

  const one = await graph(`/v1.0/servicePrincipals/${mi.principalId}`, token);
  assert.equal(one.status, 200);
  assert.equal(one.body.appId, mi.clientId);
  const missing = await graph(`/v1.0/servicePrincipals/${randomUUID()}`, token);
  assert.equal(missing.status, 404);
  assert.equal((missing.body.error as Json).code, "Request_ResourceNotFound");

  const ne = await graph(`/v1.0/servicePrincipals?$filter=appId ne 'x'`, token);
  assert.equal(ne.status, 400);
  assert.deepEqual([(ne.body.error as Json).code, (ne.body.error as Json).message], ["Request_UnsupportedQuery", "Unsupported property filter clause operator 'NotEqualsMatch'."]);
  const prop = await graph(`/v1.0/servicePrincipals?$filter=appRoleAssignmentRequired eq true`, token);
  assert.equal(prop.status, 400);
  assert.equal((prop.body.error as Json).message, "Unsupported or invalid query filter clause specified for property 'appRoleAssignmentRequired' of resource 'ServicePrincipal'.");
  const inner = (prop.body.error as Json).innerError as Json;
  assert.match(String(inner.date), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  assert.match(String(inner["request-id"]), /^[0-9a-f-]{36}$/);
  assert.equal(inner["client-request-id"], inner["request-id"]);

  const users = await graph(`/v1.0/users?$filter=userPrincipalName eq '${lab.admin.userPrincipalName}'`, token);
  assert.deepEqual((users.body.value as Json[]).map((u) => u.id), [lab.admin.userObjectId]);
  const user = await graph(`/v1.0/users/${encodeURIComponent(lab.admin.userPrincipalName)}`, token);
  assert.equal(user.body.id, lab.admin.userObjectId);
  const segment = await graph("/v1.0/nothingHere", token);
  assert.equal(segment.status, 400);
  assert.equal((segment.body.error as Json).message, "Resource not found for the segment 'nothingHere'.");
});

test("directoryObjects/getByIds answers the users and service principals among the ids", async () => {
  const token = await adminToken("https://graph.microsoft.com/.default");
  const ids = [mi.principalId, lab.admin.userObjectId, randomUUID()];
  const r = await graph("/v1.0/directoryObjects/getByIds", token, { method: "POST", body: { ids, types: ["user", "group", "servicePrincipal"] } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.match(String(r.body["@odata.context"]), /\$metadata#directoryObjects$/);
  const value = r.body.value as Json[];
  assert.deepEqual(value.map((o) => [o["@odata.type"], o.id]), [
    ["#microsoft.graph.servicePrincipal", mi.principalId],
    ["#microsoft.graph.user", lab.admin.userObjectId],
  ]);
  const onlyUsers = await graph("/v1.0/directoryObjects/getByIds", token, { method: "POST", body: { ids, types: ["user"] } });
  assert.deepEqual((onlyUsers.body.value as Json[]).map((o) => o.id), [lab.admin.userObjectId]);
  const bad = await graph("/v1.0/directoryObjects/getByIds", token, { method: "POST", body: { ids: ["not-a-guid"] } });
  assert.equal(bad.status, 400);
});

test("/me with the admin user's token (password grant); an app token gets Graph's 400 for /me", async () => {
  const res = await fetch(`${lab.authorityHost}/${lab.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "password", client_id: AZURE_CLI, username: lab.admin.userPrincipalName, password: lab.admin.password, scope: "https://graph.microsoft.com/.default" }).toString(),
  });
  const { access_token } = (await res.json()) as { access_token: string };
  const me = await graph("/v1.0/me", access_token);
  assert.equal(me.status, 200, JSON.stringify(me.body));
  assert.equal(me.body.id, lab.admin.userObjectId);
  assert.equal(me.body.userPrincipalName, lab.admin.userPrincipalName);
  assert.match(String(me.body["@odata.context"]), /\$metadata#users\/\$entity$/);

  // Graph's application id is an audience too.
  const byGuid = await graph(`/v1.0/servicePrincipals/${lab.admin.objectId}`, await adminToken("00000003-0000-0000-c000-000000000000/.default"));
  assert.equal(byGuid.status, 200, JSON.stringify(byGuid.body));
  const app = await graph("/v1.0/me", await adminToken("https://graph.microsoft.com/.default"));
  assert.equal(app.status, 400);
  assert.deepEqual([(app.body.error as Json).code, (app.body.error as Json).message], ["BadRequest", "/me request is only valid with delegated authentication flow."]);

  const user = await signIns(`$filter=appId eq '${AZURE_CLI}'`);
  assert.equal(user.value[0]!.userPrincipalName, lab.admin.userPrincipalName);
  assert.equal(user.value[0]!.clientCredentialType, "none");
  assert.equal(user.value[0]!.resourceId, "00000003-0000-0000-c000-000000000000");
  assert.equal(user.value[0]!.status.errorCode, 0);
});

test("a managed identity's Graph token gets 403 Authorization_RequestDenied; no token or an ARM token gets 401", async () => {
  const t = await (await workload(mi.clientId, SUBJECT)).getToken("https://graph.microsoft.com/.default");
  for (const path of ["/v1.0/users", "/v1.0/servicePrincipals", "/beta/auditLogs/signIns"]) {
    const r = await graph(path, t!.token, { headers: { "client-request-id": "c0ffee00-0000-4000-8000-000000000001" } });
    assert.equal(r.status, 403, path);
    assert.deepEqual([(r.body.error as Json).code, (r.body.error as Json).message], ["Authorization_RequestDenied", "Insufficient privileges to complete the operation."]);
    assert.equal(((r.body.error as Json).innerError as Json)["client-request-id"], "c0ffee00-0000-4000-8000-000000000001");
  }
  const logged = lines.find((l) => l.face === "graph" && l.status === 403);
  assert.ok(logged);
  assert.equal(logged.code, "Authorization_RequestDenied");
  assert.equal(logged.caller?.objectId, mi.principalId);

  const none = await graph("/v1.0/users", undefined);
  assert.equal(none.status, 401);
  assert.deepEqual([(none.body.error as Json).code, (none.body.error as Json).message], ["InvalidAuthenticationToken", "Access token is empty."]);
  assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer /);
  const arm = await graph("/v1.0/users", await adminToken("https://management.azure.com/.default"));
  assert.equal(arm.status, 401);
  assert.equal((arm.body.error as Json).message, "Access token validation failure. Invalid audience.");
});

interface AuditEvent {
  operationName: string;
  resultType: string;
  resultSignature: string;
  httpStatusCode?: number;
  correlationId: string;
  callerIpAddress: string;
  durationMs: number;
  identity: { claim: { oid?: string; appid?: string } };
  properties: { httpStatusCode: number; requestUri: string; isRbacAuthorized?: boolean };
  authorization?: { model: string; roleAssignmentId?: string; roleDefinitionName?: string; deniedReason?: string };
}

test("Key Vault audit events: the granting assignment on success, none on 403, and the 401 challenge; lab log lines for failures", async () => {
  const reader = new SecretClient(lab.vaultUrl(VAULT), await workload(mi.clientId, SUBJECT));
  assert.equal((await reader.getSecret("db-password")).value, "s3cret!");
  const stranger = new SecretClient(lab.vaultUrl(VAULT), await workload(other.clientId, SUBJECT));
  await assert.rejects(stranger.getSecret("db-password"), (e: { statusCode?: number }) => e.statusCode === 403);

  const armToken = await adminToken("https://management.azure.com/.default");
  const unauth = await fetch(`${lab.url}/_wilab/auditEvents?vault=${VAULT}`);
  assert.equal(unauth.status, 401);
  const res = await fetch(`${lab.url}/_wilab/auditEvents?vault=${VAULT}&top=1000`, { headers: { authorization: `Bearer ${armToken}` } });
  assert.equal(res.status, 200);
  const events = ((await res.json()) as { value: AuditEvent[] }).value;

  const allowed = events.find((e) => e.operationName === "SecretGet" && e.identity.claim.oid === mi.principalId && e.resultSignature === "OK");
  assert.ok(allowed, JSON.stringify(events, null, 1));
  assert.equal(allowed.resultType, "Success");
  assert.equal(allowed.identity.claim.appid, mi.clientId);
  assert.equal(allowed.properties.httpStatusCode, 200);
  assert.equal(allowed.properties.isRbacAuthorized, true);
  assert.equal(allowed.authorization?.roleAssignmentId?.toLowerCase(), grantId.toLowerCase());
  assert.equal(allowed.authorization?.roleDefinitionName, "Key Vault Secrets User");
  assert.ok(allowed.properties.requestUri.startsWith(`${lab.vaultUrl(VAULT)}secrets/db-password`), allowed.properties.requestUri);
  assert.ok(allowed.correlationId, "the SDK's x-ms-client-request-id");
  assert.ok(allowed.durationMs >= 0);
  assert.ok(allowed.callerIpAddress);

  const denied = events.find((e) => e.operationName === "SecretGet" && e.identity.claim.oid === other.principalId);
  assert.ok(denied);
  assert.equal(denied.resultType, "Failure");
  assert.equal(denied.resultSignature, "Forbidden");
  assert.equal(denied.properties.httpStatusCode, 403);
  assert.equal(denied.properties.isRbacAuthorized, false);
  assert.equal(denied.authorization?.roleAssignmentId, undefined);
  assert.match(denied.authorization?.deniedReason ?? "", /no role assigned/);

  // The SDK's first request carries no token: Key Vault's 401 challenge is audited too.
  const challenge = events.find((e) => e.resultSignature === "Unauthorized");
  assert.ok(challenge);
  assert.equal(challenge.properties.httpStatusCode, 401);
  assert.deepEqual(challenge.identity.claim, {});

  const set = events.find((e) => e.operationName === "SecretSet" && e.identity.claim.oid === lab.admin.objectId);
  assert.equal(set?.authorization?.roleDefinitionName, "Key Vault Secrets Officer");

  const line = lines.find((l) => l.face === "keyvault" && l.status === 403);
  assert.ok(line);
  assert.equal(line.level, "warn");
  assert.equal(line.op, "SecretGet");
  assert.equal(line.code, "ForbiddenByRbac");
  assert.equal(line.caller?.objectId, other.principalId);
  assert.equal(line.caller?.clientId, other.clientId);
  assert.match(line.hint ?? "", /Key Vault Secrets User/);
  // The SDKs' challenge request (no token) is no failure: no warning for it.
  assert.ok(!lines.some((l) => l.face === "keyvault" && l.status === 401), JSON.stringify(lines.filter((l) => l.face === "keyvault")));
  const expired = await fetch(`${lab.vaultUrl(VAULT)}secrets/db-password?api-version=7.5`, { headers: { authorization: "Bearer not-a-token" } });
  assert.equal(expired.status, 401);
  assert.ok(lines.some((l) => l.face === "keyvault" && l.status === 401 && l.op === "SecretGet" && l.level === "warn"));
});

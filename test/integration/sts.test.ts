import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ClientAssertionCredential } from "@azure/identity";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { generateKeyPairSync } from "node:crypto";
import { startTestLab, adminCredential, armClientOptions } from "../helpers/lab.js";
import { startTestIssuer, type TestIssuer } from "../helpers/testIssuer.js";
import type { Lab } from "../../src/index.js";

const SUBJECT = "system:serviceaccount:default:workload-identity-sa";
let lab: Lab;
let issuer: TestIssuer;
let clientId: string;
let principalId: string;
let msi: ManagedServiceIdentityClient;

before(async () => {
  lab = await startTestLab();
  issuer = await startTestIssuer(lab);
  const cred = adminCredential(lab);
  const resources = new ResourceManagementClient(cred, lab.subscriptionId, armClientOptions(lab));
  msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId, armClientOptions(lab));
  await resources.resourceGroups.createOrUpdate("rg-sts", { location: "westeurope" });
  const id = await msi.userAssignedIdentities.createOrUpdate("rg-sts", "sts-id", { location: "westeurope" });
  clientId = id.clientId!;
  principalId = id.principalId!;
  await msi.federatedIdentityCredentials.createOrUpdate("rg-sts", "sts-id", "fic", { issuer: issuer.issuer, subject: SUBJECT, audiences: ["api://AzureADTokenExchange"] });
});
after(async () => {
  await issuer.stop();
  await lab.stop();
});

interface TokenError {
  error: string;
  error_description: string;
  error_codes: number[];
  correlation_id: string;
  wilab_hint?: string;
}

async function exchange(fields: Record<string, string>, tenant = lab.tenantId): Promise<{ status: number; body: TokenError & { access_token?: string; expires_in?: number } }> {
  const res = await fetch(`${lab.authorityHost}/${tenant}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "client-request-id": "c0ffee00-0000-4000-8000-000000000000" },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, body: (await res.json()) as TokenError & { access_token?: string } };
}

function form(assertion: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    grant_type: "client_credentials",
    client_id: clientId,
    scope: "https://management.azure.com/.default",
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: assertion,
    ...extra,
  };
}

async function expectCode(fields: Record<string, string>, status: number, code: number, error?: string): Promise<TokenError> {
  const r = await exchange(fields);
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.deepEqual(r.body.error_codes, [code]);
  assert.ok(r.body.error_description.startsWith(`AADSTS${code}: `), r.body.error_description);
  assert.match(r.body.error_description, /Trace ID: [0-9a-f-]{36} Correlation ID: c0ffee00-0000-4000-8000-000000000000 Timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  if (error) assert.equal(r.body.error, error);
  return r.body;
}

test("happy path: a federated assertion gives a v1 access token for ARM; the trailing newline is trimmed", async () => {
  const assertion = await issuer.sign({ sub: SUBJECT });
  const r = await exchange(form(assertion + "\n"));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.expires_in, 86399);
  const [, payload] = r.body.access_token!.split(".");
  const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>;
  assert.equal(claims.aud, "https://management.azure.com");
  assert.equal(claims.iss, `https://sts.windows.net/${lab.tenantId}/`);
  assert.equal(claims.appid, clientId);
  assert.equal(claims.oid, principalId);
  assert.equal(claims.appidacr, "2");
  assert.equal(claims.ver, "1.0");
  assert.equal(claims.idtyp, "app");
  assert.match(String(claims.xms_mirid), /\/resourcegroups\/rg-sts\/providers\/Microsoft.ManagedIdentity\/userAssignedIdentities\/sts-id$/);
});

test("the real ClientAssertionCredential gets a token; ARM then authorizes the identity by RBAC (403, then Reader → 200)", async () => {
  const cred = new ClientAssertionCredential(lab.tenantId, clientId, () => issuer.sign({ sub: SUBJECT }), {
    authorityHost: lab.authorityHost,
    disableInstanceDiscovery: true,
  });
  const asIdentity = new ResourceManagementClient(cred, lab.subscriptionId, armClientOptions(lab));
  await assert.rejects(asIdentity.resourceGroups.get("rg-sts"), (e) => {
    const s = e as { statusCode: number; code: string; message: string };
    assert.equal(s.statusCode, 403);
    assert.equal(s.code, "AuthorizationFailed");
    assert.match(s.message, new RegExp(`The client '${principalId}' with object id '${principalId}' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourceGroups/read'`));
    return true;
  });
  const authz = new AuthorizationManagementClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab));
  await authz.roleAssignments.create(`/subscriptions/${lab.subscriptionId}/resourceGroups/rg-sts`, "a1111111-2222-4333-8444-555555555555", {
    roleDefinitionId: `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`,
    principalId,
    principalType: "ServicePrincipal",
  });
  const rg = await asIdentity.resourceGroups.get("rg-sts");
  assert.equal(rg.name, "rg-sts");
});

test("each federated failure gives Entra's status and AADSTS code, with a hint naming the field", async () => {
  const good = { sub: SUBJECT };
  await expectCode({ ...form(await issuer.sign(good)), client_id: "00000000-1111-2222-3333-444444444444" }, 400, 700016, "unauthorized_client");
  let b = await expectCode(form(await issuer.sign({ ...good, iss: "https://elsewhere.example" })), 401, 700211, "invalid_client");
  assert.match(b.wilab_hint!, /issuer/);
  b = await expectCode(form(await issuer.sign({ ...good, aud: "api://Other" })), 401, 700212);
  assert.match(b.wilab_hint!, /expects 'api:\/\/AzureADTokenExchange'/);
  b = await expectCode(form(await issuer.sign({ sub: "system:serviceaccount:default:other" })), 401, 700213);
  assert.match(b.wilab_hint!, /subject/);
  assert.match(b.error_description, /Check your federated identity credential/);
  b = await expectCode(form(await issuer.sign({ sub: SUBJECT.toUpperCase() })), 401, 7002138);
  // Issue 12 #8, quoting Azure/login issue #515 (2025-02-22): the case-only mismatch names both documents.
  assert.ok(
    b.error_description.startsWith(
      `AADSTS7002138: No matching federated identity record found for presented assertion subject '${SUBJECT.toUpperCase()}'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. See documentation at: https://learn.microsoft.com/entra/workload-id/workload-identity-federation. See breaking change notification and remediation at: https://learn.microsoft.com/en-us/entra/identity-platform/reference-breaking-changes#august-2024. Trace ID: `,
    ),
    b.error_description,
  );
  const stray = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  await expectCode(form(await issuer.sign(good, { kid: "no-such-kid", key: stray })), 401, 7000272);
  await expectCode(form(await issuer.sign(good, { key: stray })), 401, 7000274);
  await expectCode(form(await issuer.sign(good, { lifetimeS: 26 * 3600 })), 401, 70023);
  const old = Math.floor(lab.ctx.clock.now() / 1000) - 7200;
  b = await expectCode(form(await issuer.sign(good, { iat: old, lifetimeS: 3600 })), 401, 700024);
  assert.match(b.error_description, /Current time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z, assertion valid from/);
  await expectCode(form(await issuer.sign(good), { scope: "https://management.azure.com/user_impersonation" }), 400, 1002012, "invalid_scope");
  await expectCode(form(await issuer.sign(good), { scope: "https://a/.default https://b/.default" }), 400, 70011, "invalid_scope");
  await expectCode(form(await issuer.sign(good), { scope: "https://unknown.example/.default" }), 400, 500011, "invalid_resource");
  await expectCode({ grant_type: "client_credentials", client_id: clientId, scope: "https://vault.azure.net/.default" }, 400, 7000218);
  await expectCode({ client_id: clientId }, 400, 900144);
  const r = await exchange(form(await issuer.sign(good)), "11111111-1111-1111-1111-111111111111");
  assert.equal(r.status, 400);
  assert.deepEqual(r.body.error_codes, [90002]);
});

test("an unreachable issuer gives AADSTS50166; a key published after caching is found by one refetch", async () => {
  // Prime the STS's JWKS cache, then publish a new key and sign with it.
  assert.equal((await exchange(form(await issuer.sign({ sub: SUBJECT })))).status, 200);
  const { kid, key } = issuer.rotate();
  assert.equal((await exchange(form(await issuer.sign({ sub: SUBJECT }, { kid, key })))).status, 200);
  // A credential trusting an issuer nobody serves.
  await msi.federatedIdentityCredentials.createOrUpdate("rg-sts", "sts-id", "dead", { issuer: "https://localhost:1", subject: SUBJECT, audiences: ["api://AzureADTokenExchange"] });
  await expectCode(form(await issuer.sign({ sub: SUBJECT, iss: "https://localhost:1" })), 400, 50166, "invalid_request");
});

test("expiry follows the lab clock", async () => {
  const assertion = await issuer.sign({ sub: SUBJECT }, { lifetimeS: 600 });
  assert.equal((await exchange(form(assertion))).status, 200);
  lab.ctx.clock.advance(3600_000);
  try {
    await expectCode(form(assertion), 401, 700024);
  } finally {
    lab.ctx.clock.set(0);
  }
});

test("bad input never gets a 500: garbage, alg none, HS256 with the public key, a path kid, a huge JWT, malformed form", async () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(lab.ctx.clock.now() / 1000);
  const claims = b64({ iss: issuer.issuer, sub: SUBJECT, aud: "api://AzureADTokenExchange", iat: now, exp: now + 600 });
  const cases: string[] = [
    "garbage",
    "a.b.c",
    `${b64({ alg: "none" })}.${claims}.`,
    `${b64({ alg: "HS256", kid: issuer.kid })}.${claims}.${Buffer.from("sig").toString("base64url")}`,
    `${b64({ alg: "RS256", kid: "../../etc/passwd" })}.${claims}.${Buffer.from("sig").toString("base64url")}`,
    `${b64({ alg: "RS256", kid: issuer.kid })}.${b64({ pad: "x".repeat(200_000) })}.c2ln`,
  ];
  for (const a of cases) {
    const r = await exchange(form(a));
    assert.ok(r.status >= 400 && r.status < 500, `${a.slice(0, 40)} → ${r.status}`);
    assert.ok(r.body.error_codes.length === 1);
  }
  const res = await fetch(`${lab.authorityHost}/${lab.tenantId}/oauth2/v2.0/token`, { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" });
  assert.ok(res.status >= 400 && res.status < 500);
  const big = await fetch(`${lab.authorityHost}/${lab.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "client_assertion=" + "x".repeat(5 * 1024 * 1024),
  });
  assert.equal(big.status, 413);
  // The lab still answers.
  assert.equal((await exchange(form(await issuer.sign({ sub: SUBJECT })))).status, 200);
});

test("OIDC metadata: issuer from the Host used; JWKS has the signing key; instance discovery answers", async () => {
  const meta = (await (await fetch(`${lab.authorityHost}/${lab.tenantId}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
  assert.equal(meta.issuer, `${lab.authorityHost}/${lab.tenantId}/v2.0`);
  for (const k of ["authorization_endpoint", "token_endpoint", "end_session_endpoint", "jwks_uri"]) assert.ok(meta[k]?.startsWith(lab.authorityHost), k);
  const viaIp = (await (await fetch(`https://127.0.0.1:${lab.port}/${lab.tenantId}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
  assert.equal(viaIp.issuer, `https://127.0.0.1:${lab.port}/${lab.tenantId}/v2.0`);
  const jwks = (await (await fetch(meta.jwks_uri!)).json()) as { keys: { kid: string; x5t: string; x5c: string[] }[] };
  assert.equal(jwks.keys[0]!.kid, jwks.keys[0]!.x5t);
  assert.equal(jwks.keys[0]!.x5c.length, 1);
  const adfs = (await (await fetch(`${lab.authorityHost}/adfs/.well-known/openid-configuration`)).json()) as Record<string, string>;
  assert.equal(adfs.token_endpoint, `${lab.authorityHost}/adfs/oauth2/token`);
});

test("propagation delay: a new credential answers AADSTS70021 until the delay has passed (lab clock)", async () => {
  const lab2 = await startTestLab({ ficPropagationMs: 30_000 });
  const iss2 = await startTestIssuer(lab2);
  try {
    const msi2 = new ManagedServiceIdentityClient(adminCredential(lab2), lab2.subscriptionId, armClientOptions(lab2));
    const res2 = new ResourceManagementClient(adminCredential(lab2), lab2.subscriptionId, armClientOptions(lab2));
    await res2.resourceGroups.createOrUpdate("rg", { location: "westeurope" });
    const id = await msi2.userAssignedIdentities.createOrUpdate("rg", "id-two", { location: "westeurope" });
    await msi2.federatedIdentityCredentials.createOrUpdate("rg", "id-two", "fic", { issuer: iss2.issuer, subject: SUBJECT, audiences: ["api://AzureADTokenExchange"] });
    const post = async () =>
      fetch(`${lab2.authorityHost}/${lab2.tenantId}/oauth2/v2.0/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ ...form(await iss2.sign({ sub: SUBJECT })), client_id: id.clientId! }).toString(),
      });
    const first = await post();
    assert.equal(first.status, 400);
    assert.deepEqual(((await first.json()) as TokenError).error_codes, [70021]);
    lab2.ctx.clock.advance(31_000);
    assert.equal((await post()).status, 200);
  } finally {
    await iss2.stop();
    await lab2.stop();
  }
});

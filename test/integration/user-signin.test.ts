// Issue 11, user sign-in as az does it: MSAL for Python (Debian's python3-msal, what az 2.45 signs in with)
// with the Azure CLI's client id on the /adfs authority (MSAL skips instance and user-realm discovery there,
// which would go to port 443 since MSAL drops the authority's port), the password grant (az login -u/-p),
// then a forced silent refresh (the refresh_token grant). The lab's answer carries what MSAL builds its
// account from: an ID token, client_info and a refresh token; over plain HTTP the same is checked claim by claim.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import type { Lab } from "../../src/index.js";
import { startTestLab } from "../helpers/lab.js";

const AZ_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
let lab: Lab;
before(async () => {
  lab = await startTestLab();
});
after(async () => lab?.stop());

const PY = `
import json, sys, msal
authority, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
app = msal.PublicClientApplication("${AZ_CLI}", authority=authority, validate_authority=False, instance_discovery=False)
scopes = ["https://management.core.windows.net//.default"]
r = app.acquire_token_by_username_password(user, password, scopes=scopes)
if "access_token" not in r:
    print(json.dumps(r)); sys.exit(2)
accounts = app.get_accounts()
s = app.acquire_token_silent(scopes, account=accounts[0], force_refresh=True)
print(json.dumps({"account": accounts[0], "first": r["access_token"][:16], "refreshed": (s or {}).get("access_token", "")[:16], "idclaims": r.get("id_token_claims", {})}))
`;

function python(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile("/usr/bin/python3", ["-c", PY, ...args], { env: { ...process.env, REQUESTS_CA_BUNDLE: process.env.NODE_EXTRA_CA_CERTS ?? "" }, timeout: 60_000 }, (e, out, err) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: String(out), err: String(err) }),
    );
  });
}

test("MSAL for Python (as az login -u/-p in local mode, on the /adfs authority az is registered with): the password grant, the account, a forced refresh", async () => {
  const r = await python([`${lab.url}/adfs`, lab.admin.userPrincipalName, lab.admin.password]);
  assert.equal(r.code, 0, `${r.out}\n${r.err}`);
  const o = JSON.parse(r.out) as { account: { home_account_id: string; username: string; realm: string }; first: string; refreshed: string; idclaims: Record<string, unknown> };
  assert.equal(o.account.home_account_id, `${lab.admin.userObjectId}.${lab.tenantId}`);
  assert.equal(o.account.username, lab.admin.userPrincipalName);
  assert.equal(o.account.realm, "adfs"); // MSAL names an ADFS authority's realm "adfs"
  assert.equal(o.idclaims.aud, AZ_CLI);
  assert.ok(o.refreshed.length > 0, "the silent refresh returned no token");
});

test("the password grant over HTTP: ID token claims, client_info, refresh token and scope; without offline_access no refresh token", async () => {
  const form = { grant_type: "password", client_id: AZ_CLI, username: lab.admin.userPrincipalName, password: lab.admin.password, scope: "https://management.core.windows.net//.default offline_access openid profile", client_info: "1" };
  const res = await fetch(`${lab.url}/common/oauth2/v2.0/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form).toString() });
  assert.equal(res.status, 200);
  const body = (await res.json()) as Record<string, string>;
  assert.equal(body.scope, form.scope);
  assert.equal(typeof body.refresh_token, "string");
  assert.deepEqual(JSON.parse(Buffer.from(body.client_info!, "base64url").toString()), { uid: lab.admin.userObjectId, utid: lab.tenantId });
  const jwks = (await (await fetch(`${lab.url}/${lab.tenantId}/discovery/v2.0/keys`)).json()) as JSONWebKeySet;
  const { payload } = await jwtVerify(body.id_token!, createLocalJWKSet(jwks), { audience: AZ_CLI, issuer: `${lab.url}/${lab.tenantId}/v2.0`, currentDate: lab.ctx.clock.date() });
  assert.equal(payload.tid, lab.tenantId);
  assert.equal(payload.oid, lab.admin.userObjectId);
  assert.equal(payload.preferred_username, lab.admin.userPrincipalName);
  assert.equal(typeof payload.sub, "string");
  const bare = await fetch(`${lab.url}/organizations/oauth2/v2.0/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ ...form, scope: "https://management.core.windows.net//.default" }).toString() });
  const b = (await bare.json()) as Record<string, string>;
  assert.equal(bare.status, 200);
  assert.equal(b.refresh_token, undefined);
  assert.equal(b.id_token, undefined);
  const wrong = await fetch(`${lab.url}/organizations/oauth2/v2.0/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ ...form, password: "nope" }).toString() });
  assert.equal(wrong.status, 400);
  assert.match(((await wrong.json()) as { error_description: string }).error_description, /^AADSTS50126: Error validating credentials due to invalid username or password\./);
});

// The lab's authorization code flow with PKCE over HTTPS, as a browser and a client see it: the authorize
// page, the sign-in form (Entra's field names), the code at the redirect URI, the token endpoint's
// `authorization_code` and `refresh_token` grants with Entra's AADSTS answers for each misuse, an ID token
// that verifies against the tenant's JWKS, and an access token ARM accepts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import type { Lab } from "../../src/index.js";
import { PORTAL_CLIENT_ID } from "../../src/portal/index.js";
import { startTestLab } from "../helpers/lab.js";
import { CryptoProvider, PublicClientApplication } from "@azure/msal-node";

let lab: Lab;
let redirectUri: string;
const SCOPE = "https://management.azure.com/.default openid profile offline_access";

before(async () => {
  lab = await startTestLab();
  redirectUri = `${lab.url}/portal/auth/callback`;
});
after(async () => lab?.stop());

const verifierPair = () => {
  const verifier = randomBytes(48).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
};

function authorizeUrl(o: { challenge: string; nonce?: string; redirect?: string; client?: string; extra?: Record<string, string> }): string {
  const u = new URL(`${lab.url}/${lab.tenantId}/oauth2/v2.0/authorize`);
  const p = { client_id: o.client ?? PORTAL_CLIENT_ID, response_type: "code", redirect_uri: o.redirect ?? redirectUri, scope: SCOPE, state: "st-1", nonce: o.nonce ?? "n-1", code_challenge: o.challenge, code_challenge_method: "S256", ...o.extra };
  for (const [k, v] of Object.entries(p)) u.searchParams.set(k, v);
  return u.toString();
}

/** The sign-in page, then its form posted back: the redirect's Location. */
async function signIn(url: string, password = lab.admin.password): Promise<{ status: number; location?: string; html: string }> {
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
  const html = await page.text();
  const flowToken = /name="flowToken" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(flowToken, html);
  const r = await fetch(url, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ login: lab.admin.userPrincipalName, passwd: password, flowToken }).toString() });
  return { status: r.status, location: r.headers.get("location") ?? undefined, html: await r.text() };
}

async function token(form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${lab.url}/${lab.tenantId}/oauth2/v2.0/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form).toString() });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function codeFor(challenge: string, nonce = "n-1"): Promise<string> {
  const s = await signIn(authorizeUrl({ challenge, nonce }));
  assert.equal(s.status, 302, s.html);
  const loc = new URL(s.location!);
  assert.equal(`${loc.origin}${loc.pathname}`, redirectUri);
  assert.equal(loc.searchParams.get("state"), "st-1");
  return loc.searchParams.get("code")!;
}

const codeForm = (code: string, verifier: string) => ({ grant_type: "authorization_code", client_id: PORTAL_CLIENT_ID, code, redirect_uri: redirectUri, code_verifier: verifier, scope: SCOPE });
const aadsts = (body: Record<string, unknown>) => String(body.error_description).split(":")[0];

test("a wrong password stays on the sign-in page with AADSTS50126; an unknown user gets AADSTS50034", async () => {
  const { challenge } = verifierPair();
  const s = await signIn(authorizeUrl({ challenge }), "wrong");
  assert.equal(s.status, 200);
  assert.match(s.html, /AADSTS50126: Error validating credentials due to invalid username or password\./);
  const page = await (await fetch(authorizeUrl({ challenge }))).text();
  const flowToken = /name="flowToken" value="([^"]+)"/.exec(page)![1]!;
  const r = await fetch(authorizeUrl({ challenge }), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ login: "nobody@wilab.onmicrosoft.com", passwd: "x", flowToken }).toString() });
  assert.match(await r.text(), /AADSTS50034: The user account nobody@wilab.onmicrosoft.com does not exist in the wilab.onmicrosoft.com directory/);
  const forged = await fetch(authorizeUrl({ challenge }), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "login=a&passwd=b&flowToken=forged" });
  assert.equal(forged.status, 400);
  assert.match(await forged.text(), /AADSTS90100/);
});

test("bad authorize requests: an unknown client or a foreign redirect URI stay on Entra's page; the rest go back with the error", async () => {
  const { challenge } = verifierPair();
  const foreign = await fetch(authorizeUrl({ challenge, redirect: "https://evil.example/portal/auth/callback" }), { redirect: "manual" });
  assert.equal(foreign.status, 400);
  assert.match(await foreign.text(), /AADSTS50011: The redirect URI &#39;https:\/\/evil.example\/portal\/auth\/callback&#39; specified in the request does not match/);
  const unknown = await fetch(authorizeUrl({ challenge, client: "11111111-1111-1111-1111-111111111111" }), { redirect: "manual" });
  assert.equal(unknown.status, 400);
  assert.match(await unknown.text(), /AADSTS700016/);
  const noPkce = await fetch(authorizeUrl({ challenge: "" }).replace(/&code_challenge=[^&]*/, ""), { redirect: "manual" });
  assert.equal(noPkce.status, 302);
  const back = new URL(noPkce.headers.get("location")!);
  assert.equal(back.searchParams.get("error"), "invalid_request");
  assert.match(back.searchParams.get("error_description")!, /^AADSTS9002325: Proof Key for Code Exchange is required/);
  assert.equal(back.searchParams.get("state"), "st-1");
});

test("the code: redeemed once with the right verifier; an ID token that verifies; an ARM token; the code cannot be replayed", async () => {
  const { verifier, challenge } = verifierPair();
  const code = await codeFor(challenge, "nonce-42");
  const wrong = await token(codeForm(code, verifierPair().verifier));
  assert.equal(wrong.status, 400);
  assert.equal(aadsts(wrong.body), "AADSTS501481");
  const ok = await token(codeForm(code, verifier));
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.token_type, "Bearer");
  assert.equal(typeof ok.body.refresh_token, "string");
  const jwks = (await (await fetch(`${lab.url}/${lab.tenantId}/discovery/v2.0/keys`)).json()) as JSONWebKeySet;
  const { payload } = await jwtVerify(String(ok.body.id_token), createLocalJWKSet(jwks), { issuer: `${lab.url}/${lab.tenantId}/v2.0`, audience: PORTAL_CLIENT_ID, currentDate: lab.ctx.clock.date() });
  assert.equal(payload.nonce, "nonce-42");
  assert.equal(payload.preferred_username, lab.admin.userPrincipalName);
  assert.equal(payload.oid, lab.admin.userObjectId);
  const subs = await fetch(`${lab.url}/subscriptions?api-version=2022-12-01`, { headers: { authorization: `Bearer ${String(ok.body.access_token)}` } });
  assert.equal(subs.status, 200);
  const replay = await token(codeForm(code, verifier));
  assert.equal(replay.status, 400);
  assert.equal(aadsts(replay.body), "AADSTS54005");
  const other = await token({ ...codeForm(await codeFor(challenge), verifier), redirect_uri: `${lab.url}/portal/auth/other` });
  assert.equal(aadsts(other.body), "AADSTS70000");
});

test("a code expires after 10 minutes on the lab clock (AADSTS70008)", async () => {
  const { verifier, challenge } = verifierPair();
  const code = await codeFor(challenge);
  lab.ctx.clock.advance(11 * 60_000);
  try {
    const r = await token(codeForm(code, verifier));
    assert.equal(r.status, 400);
    assert.equal(aadsts(r.body), "AADSTS70008");
  } finally {
    lab.ctx.clock.reset();
  }
});

test("refresh tokens rotate: the new one works, the spent one is revoked, a made-up one is malformed, 24 h idle expires", async () => {
  const { verifier, challenge } = verifierPair();
  const first = await token(codeForm(await codeFor(challenge), verifier));
  const rt = String(first.body.refresh_token);
  const second = await token({ grant_type: "refresh_token", client_id: PORTAL_CLIENT_ID, refresh_token: rt, scope: SCOPE });
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.notEqual(second.body.refresh_token, rt);
  assert.equal(aadsts((await token({ grant_type: "refresh_token", client_id: PORTAL_CLIENT_ID, refresh_token: rt, scope: SCOPE })).body), "AADSTS70000");
  assert.equal(aadsts((await token({ grant_type: "refresh_token", client_id: PORTAL_CLIENT_ID, refresh_token: "1.made-up", scope: SCOPE })).body), "AADSTS9002313");
  lab.ctx.clock.advance(25 * 3_600_000);
  try {
    const idle = await token({ grant_type: "refresh_token", client_id: PORTAL_CLIENT_ID, refresh_token: String(second.body.refresh_token), scope: SCOPE });
    assert.equal(aadsts(idle.body), "AADSTS700082");
    assert.match(String(idle.body.error_description), /The refresh token has expired due to inactivity\. The token was issued on .* and was inactive for \d+ minutes\./);
  } finally {
    lab.ctx.clock.reset();
  }
});

test("the real MSAL for Node: authorization code with PKCE, the account from client_info and the ID token, then a silent refresh", async () => {
  const host = new URL(lab.url).host;
  const pca = new PublicClientApplication({ auth: { clientId: PORTAL_CLIENT_ID, authority: `${lab.url}/${lab.tenantId}`, knownAuthorities: [host] } });
  const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
  const scopes = ["https://management.azure.com/.default"];
  const url = await pca.getAuthCodeUrl({ scopes, redirectUri, codeChallenge: challenge, codeChallengeMethod: "S256", state: "st-1" });
  const s = await signIn(url);
  assert.equal(s.status, 302, s.html);
  const code = new URL(s.location!).searchParams.get("code")!;
  const r = await pca.acquireTokenByCode({ code, redirectUri, codeVerifier: verifier, scopes });
  assert.equal(r.account?.username, lab.admin.userPrincipalName);
  assert.equal(r.account?.homeAccountId, `${lab.admin.userObjectId}.${lab.tenantId}`);
  assert.equal(r.account?.tenantId, lab.tenantId);
  const silent = await pca.acquireTokenSilent({ account: r.account!, scopes, forceRefresh: true });
  assert.equal(silent.fromCache, false);
  assert.notEqual(silent.accessToken, r.accessToken);
  const subs = await fetch(`${lab.url}/subscriptions?api-version=2022-12-01`, { headers: { authorization: `Bearer ${silent.accessToken}` } });
  assert.equal(subs.status, 200);
});

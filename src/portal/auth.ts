/**
 * The portal's sign-in, as a confidential web front (backend for frontend) of a public client: the server
 * makes the PKCE verifier, sends the browser to the lab's Entra authorize endpoint, redeems the code at the
 * token endpoint over HTTPS, verifies the ID token (signature against the tenant's JWKS, issuer, audience,
 * nonce), and keeps the tokens server-side. The browser gets a session cookie and nothing else; access
 * tokens are refreshed with the refresh token when they near expiry.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { hostOf, loadJose, type LabContext } from "../platform/index.js";
import { PORTAL_CALLBACK_PATH, PORTAL_CLIENT_ID } from "../entra/codeFlow.js";
import { callLab, challengeOf, upstreamError, type LabClient } from "./labClient.js";
import { PortalErrors } from "./PortalError.js";
import { LOGIN_LIFETIME_MS, PendingLogins, PortalSessions, SESSION_IDLE_MS, sessionCookie, sessionIdOf, type PortalSession, type PortalUser } from "./session.js";

export const PORTAL_SCOPE = "https://management.azure.com/.default openid profile offline_access";
/** Refresh an access token this long before it expires. */
const REFRESH_MARGIN_MS = 5 * 60_000;

export function requestOrigin(req: FastifyRequest): string {
  return `https://${hostOf(req).replace(/:443$/, "")}`;
}

export function loginClient(ctx: LabContext): LabClient {
  return { origin: ctx.hosts.loginOrigin, ca: ctx.ca.certPem };
}

/** Starts a sign-in: a pending login under a fresh state, and the authorize URL to send the browser to. */
export async function beginSignIn(ctx: LabContext, req: FastifyRequest, returnTo: string): Promise<string> {
  const verifier = ctx.random.base64url(48);
  const state = ctx.random.base64url(24);
  const nonce = ctx.random.base64url(24);
  const redirectUri = `${requestOrigin(req)}${PORTAL_CALLBACK_PATH}`;
  await ctx.store.write((tx) => PendingLogins.put(tx, state, { verifier, nonce, redirectUri, returnTo, expiresAt: ctx.clock.now() + LOGIN_LIFETIME_MS }));
  const u = new URL(`${ctx.hosts.loginOrigin}/${ctx.config.tenantId}/oauth2/v2.0/authorize`);
  const params = { client_id: PORTAL_CLIENT_ID, response_type: "code", redirect_uri: redirectUri, scope: PORTAL_SCOPE, state, nonce, code_challenge: challengeOf(verifier), code_challenge_method: "S256", response_mode: "query" };
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  id_token?: string;
  expires_in: number;
}

function tokenAnswer(j: unknown): TokenAnswer {
  const t = j as Partial<TokenAnswer> | undefined;
  if (!t || typeof t.access_token !== "string" || typeof t.refresh_token !== "string" || typeof t.expires_in !== "number") {
    throw PortalErrors.signInFailed("the token endpoint's answer lacks access_token, refresh_token or expires_in");
  }
  return t as TokenAnswer;
}

/** Verifies the ID token as an OpenID Connect client must; returns the user it names. */
async function verifyIdToken(ctx: LabContext, idToken: string | undefined, nonce: string): Promise<PortalUser> {
  if (!idToken) throw PortalErrors.signInFailed("no id_token in the token endpoint's answer");
  const tid = ctx.config.tenantId;
  const keys = await callLab(loginClient(ctx), "GET", `/${tid}/discovery/v2.0/keys`);
  if (keys.status !== 200) throw upstreamError(keys);
  const { createLocalJWKSet, jwtVerify } = await loadJose();
  const { payload } = await jwtVerify(idToken, createLocalJWKSet(keys.json as never), {
    issuer: `${ctx.hosts.loginOrigin}/${tid}/v2.0`,
    audience: PORTAL_CLIENT_ID,
    algorithms: ["RS256"],
    currentDate: ctx.clock.date(),
    clockTolerance: 300,
  }).catch((err: Error) => {
    throw PortalErrors.signInFailed(`the ID token does not verify: ${err.message}`);
  });
  if (payload.nonce !== nonce) throw PortalErrors.signInFailed("the ID token's nonce is not the one this sign-in sent");
  if (typeof payload.oid !== "string" || typeof payload.preferred_username !== "string") throw PortalErrors.signInFailed("the ID token lacks oid or preferred_username");
  return { objectId: payload.oid, userPrincipalName: payload.preferred_username, name: typeof payload.name === "string" ? payload.name : payload.preferred_username };
}

/** The redirect URI's handler: redeems the code, verifies the ID token, opens a session. Returns where to go. */
export async function finishSignIn(ctx: LabContext, q: Record<string, string>, reply: FastifyReply): Promise<string> {
  if (q.error) throw PortalErrors.signInFailed(q.error_description ?? q.error);
  if (!q.state || !q.code) throw PortalErrors.signInFailed("the redirect carries no code or state");
  const pending = await ctx.store.write((tx) => PendingLogins.take(tx, q.state!));
  if (!pending || pending.expiresAt <= ctx.clock.now()) throw PortalErrors.signInFailed("this sign-in was not started here or has expired; open /portal again");
  const r = await callLab(loginClient(ctx), "POST", `/${ctx.config.tenantId}/oauth2/v2.0/token`, {
    form: { grant_type: "authorization_code", client_id: PORTAL_CLIENT_ID, code: q.code, redirect_uri: pending.redirectUri, code_verifier: pending.verifier, scope: PORTAL_SCOPE },
  });
  if (r.status !== 200) throw upstreamError(r);
  const t = tokenAnswer(r.json);
  const user = await verifyIdToken(ctx, t.id_token, pending.nonce);
  const id = ctx.random.base64url(32);
  const now = ctx.clock.now();
  const session: PortalSession = { user, accessToken: t.access_token, accessExpiresAt: now + t.expires_in * 1000, refreshToken: t.refresh_token, csrf: ctx.random.base64url(24), createdAt: now, lastSeenAt: now };
  await ctx.store.write((tx) => PortalSessions.put(tx, id, session));
  reply.header("set-cookie", sessionCookie(id, Math.floor(SESSION_IDLE_MS / 1000)));
  ctx.labLog.log({ level: "info", face: "portal", op: "signIn", status: 302, caller: { clientId: PORTAL_CLIENT_ID, objectId: user.objectId, upn: user.userPrincipalName } });
  return pending.returnTo;
}

/** The request's session, its access token refreshed when near expiry; undefined when there is none or it has lapsed. */
export async function sessionOf(ctx: LabContext, req: FastifyRequest): Promise<{ id: string; session: PortalSession } | undefined> {
  const id = sessionIdOf(req.headers.cookie);
  if (!id) return undefined;
  const s = await ctx.store.read((tx) => PortalSessions.get(tx, id));
  const now = ctx.clock.now();
  if (!s) return undefined;
  if (s.lastSeenAt + SESSION_IDLE_MS <= now) {
    await ctx.store.write((tx) => PortalSessions.delete(tx, id));
    return undefined;
  }
  let session: PortalSession = { ...s, lastSeenAt: now };
  if (s.accessExpiresAt - REFRESH_MARGIN_MS <= now) {
    const r = await callLab(loginClient(ctx), "POST", `/${ctx.config.tenantId}/oauth2/v2.0/token`, {
      form: { grant_type: "refresh_token", client_id: PORTAL_CLIENT_ID, refresh_token: s.refreshToken, scope: PORTAL_SCOPE },
    });
    if (r.status !== 200) {
      await ctx.store.write((tx) => PortalSessions.delete(tx, id));
      return undefined;
    }
    const t = tokenAnswer(r.json);
    session = { ...session, accessToken: t.access_token, refreshToken: t.refresh_token, accessExpiresAt: now + t.expires_in * 1000 };
  }
  if (now - s.lastSeenAt > 60_000 || session.accessToken !== s.accessToken) await ctx.store.write((tx) => PortalSessions.put(tx, id, session));
  return { id, session };
}

export async function signOut(ctx: LabContext, id: string, reply: FastifyReply): Promise<void> {
  await ctx.store.write((tx) => PortalSessions.delete(tx, id));
  reply.header("set-cookie", sessionCookie("", 0));
}

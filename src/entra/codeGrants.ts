/**
 * The token endpoint's user grants for the lab's first-party public clients: `authorization_code` (with the
 * PKCE verifier) and `refresh_token`. Each answers an access token for the requested resource, an ID token
 * when `openid` was asked for, and a new refresh token (the one presented is spent: rotation).
 */
import type { LabContext } from "../platform/index.js";
import { Directory, type UserRecord } from "./Directory.js";
import { EntraErrors } from "./EntraError.js";
import { AuthCodes, FIRST_PARTY_CLIENTS, pkceMatches, REFRESH_INACTIVITY_MS, RefreshTokens, validVerifier, type RefreshTokenRecord } from "./codeFlow.js";
import type { SignInAttempt } from "./SignInLog.js";
import type { TokenService } from "./Sts.js";

export const USER_TOKEN_LIFETIME_S = 4199;

export interface UserTokenResponse {
  token_type: "Bearer";
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  /** Only when the scope asked for `offline_access`. */
  refresh_token?: string;
  id_token?: string;
  /** MSAL asks for it (`client_info=1`): base64url JSON of the user's object id and tenant id (its account key). */
  client_info?: string;
}

export interface CodeGrantDeps {
  ctx: LabContext;
  tokens: TokenService;
  /** `scope` → resource (throws Entra's scope errors); the resource must be one the lab serves. */
  resourceOf: (scope: string) => string;
}

type Form = Record<string, string | undefined>;

function requireParams(form: Form, names: string[]): void {
  for (const n of names) if (!form[n]) throw EntraErrors.missingParameter(n);
}

function publicClient(clientId: string): void {
  if (!FIRST_PARTY_CLIENTS[clientId.toLowerCase()]) throw EntraErrors.unsupportedGrantType("authorization_code");
}

/** Redeems an authorization code: the client, redirect URI and PKCE verifier must be the ones it was issued for. */
export async function redeemCode(d: CodeGrantDeps, form: Form, attempt: SignInAttempt, issuerOrigin: string): Promise<UserTokenResponse> {
  requireParams(form, ["client_id", "code", "redirect_uri"]);
  const clientId = form.client_id!.trim();
  publicClient(clientId);
  attempt.credentialType = "none";
  const now = d.ctx.clock.now();
  const user = await d.ctx.store.write(async (tx) => {
    const rec = await AuthCodes.get(tx, form.code!);
    if (!rec) throw EntraErrors.invalidCode();
    if (rec.redeemedAt !== undefined) throw EntraErrors.codeRedeemed();
    if (rec.expiresAt <= now) throw EntraErrors.codeExpired();
    if (rec.request.clientId.toLowerCase() !== clientId.toLowerCase()) throw EntraErrors.codeClientMismatch();
    if (rec.request.redirectUri !== form.redirect_uri) throw EntraErrors.codeRedirectMismatch();
    const verifier = form.code_verifier;
    if (!verifier) throw EntraErrors.missingParameter("code_verifier");
    if (!validVerifier(verifier) || !pkceMatches(verifier, rec.request.codeChallenge, rec.request.codeChallengeMethod)) throw EntraErrors.pkceMismatch();
    await AuthCodes.markRedeemed(tx, form.code!, rec, now);
    return { oid: rec.userObjectId, upn: rec.userPrincipalName, nonce: rec.request.nonce, scope: form.scope ?? rec.request.scope };
  });
  const record = await d.ctx.store.read((tx) => Directory.userByUpn(tx, user.upn));
  if (!record) throw EntraErrors.userNotFound(user.upn, d.ctx.config.tenantId);
  attempt.user = record;
  return issueUserTokens(d, { clientId, user: record, scope: user.scope, nonce: user.nonce, issuerOrigin, attempt, clientInfo: form.client_info === "1" });
}

/** Redeems a refresh token (spent on use); refused after 24 hours of inactivity or for another client. */
export async function redeemRefreshToken(d: CodeGrantDeps, form: Form, attempt: SignInAttempt, issuerOrigin: string): Promise<UserTokenResponse> {
  requireParams(form, ["client_id", "refresh_token"]);
  const clientId = form.client_id!.trim();
  attempt.credentialType = "none";
  const now = d.ctx.clock.now();
  const rec: RefreshTokenRecord = await d.ctx.store.write(async (tx) => {
    const r = await RefreshTokens.get(tx, form.refresh_token!);
    if (!r || r.clientId.toLowerCase() !== clientId.toLowerCase()) throw EntraErrors.invalidRefreshToken();
    if (r.redeemedAt !== undefined) throw EntraErrors.refreshRevoked();
    if (r.lastUsedAt + REFRESH_INACTIVITY_MS <= now) {
      throw EntraErrors.refreshExpired(new Date(r.issuedAt).toISOString(), `${Math.floor((now - r.lastUsedAt) / 60_000)} minutes`);
    }
    await RefreshTokens.markRedeemed(tx, form.refresh_token!, r, now);
    return r;
  });
  const user = await d.ctx.store.read((tx) => Directory.userByUpn(tx, rec.userPrincipalName));
  if (!user || user.objectId !== rec.userObjectId) throw EntraErrors.refreshRevoked();
  attempt.user = user;
  return issueUserTokens(d, { clientId, user, scope: form.scope ?? rec.scope, issuerOrigin, attempt, issuedAt: rec.issuedAt, clientInfo: form.client_info === "1" });
}

/** Tokens for a signed-in user: the access token, and an ID token, refresh token and client_info as the scopes and MSAL ask. */
export async function issueUserTokens(
  d: CodeGrantDeps,
  o: { clientId: string; user: UserRecord; scope: string; nonce?: string; issuerOrigin: string; attempt: SignInAttempt; issuedAt?: number; clientInfo?: boolean },
): Promise<UserTokenResponse> {
  const resource = d.resourceOf(o.scope);
  o.attempt.resource = resource;
  const { token, expiresIn } = await d.tokens.issue(resource, {
    oid: o.user.objectId,
    appid: o.clientId,
    appidacr: "0",
    idtyp: "user",
    upn: o.user.userPrincipalName,
    name: o.user.displayName,
    lifetimeS: USER_TOKEN_LIFETIME_S,
  });
  const scopes = o.scope.split(/\s+/).filter(Boolean);
  const refresh = scopes.includes("offline_access") ? `1.${d.ctx.random.base64url(64)}` : undefined;
  const now = d.ctx.clock.now();
  if (refresh) {
    await d.ctx.store.write((tx) =>
      RefreshTokens.put(tx, refresh, { clientId: o.clientId, scope: o.scope, userObjectId: o.user.objectId, userPrincipalName: o.user.userPrincipalName, issuedAt: o.issuedAt ?? now, lastUsedAt: now }),
    );
  }
  const idToken = scopes.includes("openid")
    ? await d.tokens.issueIdToken({ issuerOrigin: o.issuerOrigin, clientId: o.clientId, oid: o.user.objectId, upn: o.user.userPrincipalName, name: o.user.displayName, nonce: o.nonce })
    : undefined;
  return {
    token_type: "Bearer",
    scope: scopes.join(" "),
    expires_in: expiresIn,
    ext_expires_in: expiresIn,
    access_token: token,
    ...(refresh ? { refresh_token: refresh } : {}),
    ...(idToken ? { id_token: idToken } : {}),
    ...(o.clientInfo ? { client_info: Buffer.from(JSON.stringify({ uid: o.user.objectId, utid: d.ctx.config.tenantId })).toString("base64url") } : {}),
  };
}

/**
 * Portal sessions, kept in the store under a hash of the session id (so that a restart or another replica
 * keeps the user signed in): the user, the ARM access token and the refresh token from the lab's Entra, and
 * the session's CSRF token. The browser holds only the session id, in a `Secure; HttpOnly; SameSite=Strict`
 * cookie. Pending sign-ins (PKCE verifier, state, nonce) live 10 minutes, keyed by the state.
 */
import { createHash } from "node:crypto";
import type { Tx } from "../store/index.js";

export const SESSION_COOKIE = "__Host-wilab-portal";
export const SESSION_IDLE_MS = 8 * 3_600_000;
export const LOGIN_LIFETIME_MS = 10 * 60_000;

export interface PortalUser {
  objectId: string;
  userPrincipalName: string;
  name: string;
}

export interface PortalSession {
  user: PortalUser;
  accessToken: string;
  /** Lab-clock ms when the access token expires. */
  accessExpiresAt: number;
  refreshToken: string;
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface PendingLogin {
  verifier: string;
  nonce: string;
  redirectUri: string;
  returnTo: string;
  expiresAt: number;
}

const SESSION = "portal:session";
const LOGIN = "portal:login";
const hash = (s: string) => createHash("sha256").update(s).digest("hex");

export const PortalSessions = {
  get: (tx: Tx, id: string) => tx.get<PortalSession>(SESSION, hash(id)),
  put: (tx: Tx, id: string, s: PortalSession) => tx.put(SESSION, hash(id), s),
  delete: (tx: Tx, id: string) => tx.delete(SESSION, hash(id)),
};

export const PendingLogins = {
  put: (tx: Tx, state: string, p: PendingLogin) => tx.put(LOGIN, hash(state), p),
  /** The pending sign-in for a state, once. */
  async take(tx: Tx, state: string): Promise<PendingLogin | undefined> {
    const p = await tx.get<PendingLogin>(LOGIN, hash(state));
    if (p) await tx.delete(LOGIN, hash(state));
    return p;
  },
};

/** The session id from a Cookie header. */
export function sessionIdOf(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === SESSION_COOKIE) return v.join("=") || undefined;
  }
  return undefined;
}

export function sessionCookie(id: string, maxAgeS: number): string {
  return `${SESSION_COOKIE}=${id}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}`;
}

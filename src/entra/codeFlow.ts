/**
 * The authorization code flow's state, kept in the store (so that it survives a restart and any replica can
 * finish what another began): the sign-in flows between the authorize page and its form post, the codes
 * (single use, 10 minutes), and refresh tokens (rotated on use, 24 hours of inactivity for a browser client,
 * as Entra gives single-page apps). Only SHA-256 hashes of codes and refresh tokens are stored.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Tx } from "../store/index.js";

/** The lab portal: a first-party public client, as the Azure portal (this id) is in every tenant. */
export const PORTAL_CLIENT_ID = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c";
export const PORTAL_CALLBACK_PATH = "/portal/auth/callback";

/** First-party public clients the lab's tenant knows, with the paths their redirect URIs may take on a lab origin. */
export const FIRST_PARTY_CLIENTS: Record<string, { displayName: string; redirectPaths: string[] }> = {
  [PORTAL_CLIENT_ID]: { displayName: "wilab portal", redirectPaths: [PORTAL_CALLBACK_PATH] },
};

export const FLOW_LIFETIME_MS = 15 * 60_000;
export const CODE_LIFETIME_MS = 10 * 60_000;
export const REFRESH_INACTIVITY_MS = 24 * 3_600_000;

/** What an authorize request asked for, kept from the sign-in page to the code. */
export interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  codeChallenge: string;
  codeChallengeMethod: "S256" | "plain";
  responseMode: "query" | "form_post";
}

export interface AuthFlowRecord {
  request: AuthorizeRequest;
  expiresAt: number;
}

export interface AuthCodeRecord {
  request: AuthorizeRequest;
  userObjectId: string;
  userPrincipalName: string;
  issuedAt: number;
  expiresAt: number;
  redeemedAt?: number;
}

export interface RefreshTokenRecord {
  clientId: string;
  scope: string;
  userObjectId: string;
  userPrincipalName: string;
  issuedAt: number;
  lastUsedAt: number;
  redeemedAt?: number;
}

const FLOW = "entra:authFlow";
const CODE = "entra:authCode";
const REFRESH = "entra:refreshToken";

export function hashOf(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export const AuthFlows = {
  put: (tx: Tx, id: string, r: AuthFlowRecord) => tx.put(FLOW, hashOf(id), r),
  /** The flow, once: a sign-in form can be posted successfully only once. */
  async take(tx: Tx, id: string, now: number): Promise<AuthFlowRecord | undefined> {
    const r = await tx.get<AuthFlowRecord>(FLOW, hashOf(id));
    if (!r) return undefined;
    if (r.expiresAt <= now) {
      await tx.delete(FLOW, hashOf(id));
      return undefined;
    }
    return r;
  },
  drop: (tx: Tx, id: string) => tx.delete(FLOW, hashOf(id)),
};

export const AuthCodes = {
  put: (tx: Tx, code: string, r: AuthCodeRecord) => tx.put(CODE, hashOf(code), r),
  get: (tx: Tx, code: string) => tx.get<AuthCodeRecord>(CODE, hashOf(code)),
  markRedeemed: (tx: Tx, code: string, r: AuthCodeRecord, now: number) => tx.put(CODE, hashOf(code), { ...r, redeemedAt: now }),
};

export const RefreshTokens = {
  put: (tx: Tx, token: string, r: RefreshTokenRecord) => tx.put(REFRESH, hashOf(token), r),
  get: (tx: Tx, token: string) => tx.get<RefreshTokenRecord>(REFRESH, hashOf(token)),
  markRedeemed: (tx: Tx, token: string, r: RefreshTokenRecord, now: number) => tx.put(REFRESH, hashOf(token), { ...r, redeemedAt: now }),
};

/** RFC 7636: whether a code_verifier answers the challenge (S256 or plain). */
export function pkceMatches(verifier: string, challenge: string, method: "S256" | "plain"): boolean {
  const computed = method === "S256" ? createHash("sha256").update(verifier, "ascii").digest("base64url") : verifier;
  const a = Buffer.from(computed);
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** RFC 7636 §4.1: 43–128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~". */
export function validVerifier(v: string): boolean {
  return /^[A-Za-z0-9\-._~]{43,128}$/.test(v);
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Whether a redirect URI is one of the client's: an https URI on one of the lab's origins with a registered
 * path. As Entra does for loopback redirect URIs, the port of localhost / 127.0.0.1 is not compared.
 */
export function redirectUriAllowed(redirectUri: string, clientId: string, labOrigins: readonly string[]): boolean {
  const client = FIRST_PARTY_CLIENTS[clientId.toLowerCase()];
  if (!client) return false;
  let u: URL;
  try {
    u = new URL(redirectUri);
  } catch {
    return false;
  }
  if (u.protocol !== "https:" || u.search || u.hash || !client.redirectPaths.includes(u.pathname)) return false;
  return labOrigins.some((o) => {
    const l = new URL(o);
    if (l.hostname !== u.hostname) return false;
    return LOOPBACK.has(u.hostname) || l.port === u.port;
  });
}

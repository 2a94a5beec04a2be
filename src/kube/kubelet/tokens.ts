/** Projected service-account tokens: the kubelet token manager's rules (pkg/kubelet/token/token_manager.go). */

/** A token is never kept longer than this, whatever its lifetime (the 24 h rule). */
export const MAX_TOKEN_AGE_MS = 24 * 3_600_000;
export const DEFAULT_EXPIRATION_SECONDS = 3600;
export const MIN_EXPIRATION_SECONDS = 600;

/**
 * Whether a token must be replaced now: past 80 % of its life (`now > exp − 20 % TTL`), older than 24 h,
 * or issued in the future (the lab clock was moved back). Times in lab-clock ms.
 */
export function shouldRefresh(issuedAt: number, expiresAt: number, now: number): boolean {
  if (issuedAt > now) return true;
  if (now - issuedAt > MAX_TOKEN_AGE_MS) return true;
  const ttl = expiresAt - issuedAt;
  return now > expiresAt - ttl / 5;
}

/** The lifetime a projected token source asks for: default 3600 s, at least 600 s (API validation refuses less). */
export function expirationSecondsOf(requested: number | undefined): number {
  if (requested === undefined || !Number.isFinite(requested)) return DEFAULT_EXPIRATION_SECONDS;
  return Math.max(MIN_EXPIRATION_SECONDS, Math.floor(requested));
}

/** When the token manager should look again: at the refresh point, or at the 24 h mark if that comes first. */
export function refreshAt(issuedAt: number, expiresAt: number): number {
  return Math.min(expiresAt - (expiresAt - issuedAt) / 5, issuedAt + MAX_TOKEN_AGE_MS);
}

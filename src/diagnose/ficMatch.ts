/**
 * Which federated identity credential trusts a token, and when none does, which came nearest and what differed.
 * Pure: Entra's exact comparison rules (issuer and subject are case-sensitive, exact strings; the audience must be
 * one of the credential's audiences), shared by the sign-in log, the doctor and the kubelet's warnings.
 */
export interface FicLike {
  name: string;
  /** The credential's ARM id, when known (names the identity it belongs to). */
  id?: string;
  issuer: string;
  subject: string;
  audiences: string[];
}

export interface PresentedClaims {
  issuer: string;
  subject: string;
  audiences: string[];
}

export type FicField = "issuer" | "subject" | "audience";

export interface FicDifference {
  field: FicField;
  expected: string;
  presented: string;
  /** What kind of near miss: only case, only a trailing '/', or simply different. */
  nearMiss: "case" | "trailingSlash" | "different";
}

export type FicVerdict<T extends FicLike> =
  | { matched: true; credential: T }
  | { matched: false; nearest?: T; differences: FicDifference[] };

function nearMiss(expected: string, presented: string): FicDifference["nearMiss"] {
  if (expected.toLowerCase() === presented.toLowerCase()) return "case";
  if (expected.replace(/\/+$/, "") === presented.replace(/\/+$/, "")) return "trailingSlash";
  if (expected.toLowerCase().replace(/\/+$/, "") === presented.toLowerCase().replace(/\/+$/, "")) return "case";
  return "different";
}

/** The differences between one credential and the presented claims (empty: it matches). */
export function ficDifferences(c: FicLike, p: PresentedClaims): FicDifference[] {
  const out: FicDifference[] = [];
  if (c.issuer !== p.issuer) out.push({ field: "issuer", expected: c.issuer, presented: p.issuer, nearMiss: nearMiss(c.issuer, p.issuer) });
  if (c.subject !== p.subject) out.push({ field: "subject", expected: c.subject, presented: p.subject, nearMiss: nearMiss(c.subject, p.subject) });
  if (!c.audiences.some((a) => p.audiences.includes(a))) {
    const expected = c.audiences[0] ?? "";
    const presented = p.audiences.join(",");
    out.push({ field: "audience", expected, presented, nearMiss: nearMiss(expected, presented) });
  }
  return out;
}

/** How far a credential is from matching: fewer differing fields first; near misses (case, '/') count less. */
function distance(d: FicDifference[]): number {
  return d.reduce((n, x) => n + (x.nearMiss === "different" ? 3 : 1) + (x.field === "issuer" ? 0.5 : 0), 0);
}

/** The credential that matches, or the nearest miss with every differing field named. */
export function matchFederatedCredential<T extends FicLike>(credentials: readonly T[], p: PresentedClaims): FicVerdict<T> {
  let best: { c: T; d: FicDifference[]; n: number } | undefined;
  for (const c of credentials) {
    const d = ficDifferences(c, p);
    if (d.length === 0) return { matched: true, credential: c };
    const n = distance(d);
    if (!best || n < best.n) best = { c, d, n };
  }
  return best ? { matched: false, nearest: best.c, differences: best.d } : { matched: false, differences: [] };
}

/** One line per difference: `subject: expected 'a', presented 'b' (case differs)`. */
export function describeDifferences(d: readonly FicDifference[]): string {
  return d
    .map((x) => `${x.field}: expected '${x.expected}', presented '${x.presented}'${x.nearMiss === "case" ? " (differs only in case)" : x.nearMiss === "trailingSlash" ? " (differs only in a trailing '/')" : ""}`)
    .join("; ");
}

/**
 * The AADSTS code Entra's token endpoint answers when none of an identity's credentials trusts the token, in the
 * order it checks: no credential with the token's issuer (700211), none of those with its subject (7002138 when
 * only the case differs, else 700213), none of those with one of its audiences (700212).
 */
export function refusalCode(credentials: readonly FicLike[], p: PresentedClaims): string {
  const byIssuer = credentials.filter((c) => c.issuer === p.issuer);
  if (byIssuer.length === 0) return "AADSTS700211";
  if (!byIssuer.some((c) => c.subject === p.subject)) {
    return byIssuer.some((c) => c.subject.toLowerCase() === p.subject.toLowerCase()) ? "AADSTS7002138" : "AADSTS700213";
  }
  return "AADSTS700212";
}

/** What the tenant's directory says about claims a client id will present (Entra's `federatedTrust`, the kubelet's warnings). */
export interface FederatedTrustAnswer {
  /** The client id names an identity (a managed identity or an application) of the tenant. */
  clientIdKnown: boolean;
  /** The client id is in fact the object (principal) id of this service principal: its appId is the client id. */
  objectIdOf?: { appId: string; displayName: string };
  /** The ARM id of the managed identity behind the client id, when it is one. */
  identityId?: string;
  /** How many federated credentials that identity has. */
  identityCredentials: number;
  /** The credential that trusts the claims, or the nearest miss (over that identity's credentials; when it has none, over the tenant's). */
  verdict: FicVerdict<FicLike>;
  /** The AADSTS code Entra would answer (computed in Entra's order over the identity's credentials), when not matched. */
  refusal?: string;
}

import type { JWTPayload, ProtectedHeaderParameters } from "jose";
import { loadJose } from "../platform/jose.js";
import { dotnetRoundTrip } from "../platform/index.js";
import { EntraErrors } from "./EntraError.js";
import type { FederatedIdentityCredentialRecord } from "./FederatedIdentityCredential.js";
import { OidcFetchError, type OidcKeySource } from "./OidcKeySource.js";

export const MAX_ASSERTION_LIFETIME_S = 25 * 3600; // 1.01:00:00
export const CLOCK_SKEW_S = 300;
const MAX_ASSERTION_LENGTH = 64 * 1024;
const AAD_ISSUERS = [/^https:\/\/sts\.windows\.net\//i, /^https:\/\/login\.microsoftonline\.com\//i, /^https:\/\/login\.windows\.net\//i];

/** Imported issuer keys, by the JWK object the key source returned (a refetch yields new objects). */
const importedKeys = new WeakMap<object, Promise<unknown>>();

export interface AssertionCheckOptions {
  now: number;
  propagationMs: number;
  keys: OidcKeySource;
}

function audiencesOf(payload: JWTPayload): string[] {
  if (typeof payload.aud === "string") return [payload.aud];
  if (Array.isArray(payload.aud)) return payload.aud.filter((a): a is string => typeof a === "string");
  return [];
}

function quote(v: unknown): string {
  return typeof v === "string" ? `'${v}'` : JSON.stringify(v);
}

/** A client assertion split into its header and claims (not yet verified). */
export interface DecodedAssertion {
  raw: string;
  header: ProtectedHeaderParameters;
  payload: JWTPayload;
}

/** What an assertion presented, for the sign-in log and the doctor: issuer, subject, audiences and its jti. */
export interface PresentedAssertion {
  issuer?: string;
  subject?: string;
  audiences: string[];
  jti?: string;
}

export function presentedClaims(d: DecodedAssertion): PresentedAssertion {
  const p = d.payload;
  return {
    issuer: typeof p.iss === "string" ? p.iss : undefined,
    subject: typeof p.sub === "string" ? p.sub : undefined,
    audiences: audiencesOf(p),
    jti: typeof p.jti === "string" ? p.jti : undefined,
  };
}

/** The first step of validation: the assertion must be a JWS compact serialization (Entra's AADSTS50027 otherwise). */
/** A JWS in compact serialization: three base64url parts (no padding), the signature possibly empty. */
export const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export async function decodeFederatedAssertion(assertion: string): Promise<DecodedAssertion> {
  if (assertion.length > MAX_ASSERTION_LENGTH) {
    throw EntraErrors.invalidJwt("").withHint(`client_assertion is ${assertion.length} characters; the lab accepts at most ${MAX_ASSERTION_LENGTH}.`);
  }
  const { decodeJwt, decodeProtectedHeader } = await loadJose();
  try {
    if (assertion.split(".").length !== 3) throw new Error("a JWS compact serialization has three parts");
    // Microsoft's token handler takes only the compact serialization's alphabet: base64url without padding.
    if (!COMPACT_JWS.test(assertion)) throw new Error("its parts must be base64url without padding ('=', '+', '/' and spaces are refused)");
    return { raw: assertion, header: decodeProtectedHeader(assertion), payload: decodeJwt(assertion) };
  } catch (err) {
    throw EntraErrors.invalidJwt("").withHint(`client_assertion is not a JWT: ${(err as Error).message}`);
  }
}

/**
 * Validates a federated client assertion against a managed identity's credentials, in the order Entra's
 * responses show (reference §1.2). Throws an EntraError with a hint naming the field that differed.
 * Returns the credential that matched.
 */
export async function validateFederatedAssertion(
  assertion: string,
  credentials: FederatedIdentityCredentialRecord[],
  o: AssertionCheckOptions,
): Promise<FederatedIdentityCredentialRecord> {
  return checkFederatedAssertion(await decodeFederatedAssertion(assertion), credentials, o);
}

/** The issuer's key (by kid, from its published JWKS) and the RS256 signature over the assertion. */
async function verifySignature(decoded: DecodedAssertion, iss: string, keys: OidcKeySource): Promise<void> {
  const { header, raw: assertion } = decoded;
  const kid = header.kid;
  if (typeof kid !== "string" || kid === "") {
    throw EntraErrors.keyNotFound(String(kid ?? ""), iss).withHint("the assertion header has no 'kid'");
  }
  const { compactVerify, importJWK } = await loadJose();
  let jwk;
  try {
    jwk = await keys.key(iss, kid);
  } catch (err) {
    if (err instanceof OidcFetchError) throw EntraErrors.externalOidcFailed().withHint(err.message);
    throw err;
  }
  if (!jwk) throw EntraErrors.keyNotFound(kid, iss).withHint(`kid '${kid}' is not in the JWKS published by ${iss}, even after a refetch`);
  try {
    let imported = importedKeys.get(jwk);
    if (!imported) {
      imported = importJWK({ ...jwk, alg: "RS256" }, "RS256");
      importedKeys.set(jwk, imported);
    }
    const key = (await imported) as Parameters<typeof compactVerify>[1];
    await compactVerify(assertion, key, { algorithms: ["RS256"] });
  } catch {
    throw EntraErrors.invalidSignature().withHint(`the signature does not verify with key '${kid}' from ${iss}`);
  }
}

/** The checks after decoding (header, issuer, key, signature, lifetime, subject, audience, propagation). */
export async function checkFederatedAssertion(
  decoded: DecodedAssertion,
  credentials: FederatedIdentityCredentialRecord[],
  o: AssertionCheckOptions,
): Promise<FederatedIdentityCredentialRecord> {
  const { header, payload } = decoded;
  if (header.typ !== undefined && header.typ !== "JWT" && header.typ !== "http://openid.net/specs/jwt/1.0") {
    throw EntraErrors.invalidJwtType().withHint(`the assertion header has typ ${quote(header.typ)}`);
  }
  if (header.alg !== "RS256") {
    throw EntraErrors.invalidJwt(`'${String(header.alg)}' is not a supported signature algorithm.`).withHint(
      `federated assertions must be signed with RS256; this one has alg ${quote(header.alg)}`,
    );
  }
  const iss = payload.iss;
  if (typeof iss !== "string" || iss === "") {
    throw EntraErrors.invalidJwt("").withHint("the assertion has no 'iss' claim");
  }
  if (AAD_ISSUERS.some((re) => re.test(iss))) throw EntraErrors.aadIssuedAssertion().withHint(`the assertion was issued by Entra (${iss})`);

  const byIssuer = credentials.filter((c) => c.issuer === iss);
  if (byIssuer.length === 0) {
    const near = credentials.find((c) => c.issuer.toLowerCase().replace(/\/$/, "") === iss.toLowerCase().replace(/\/$/, ""));
    const hint = near
      ? `issuer differs only in case or trailing '/': credential '${near.name}' expects '${near.issuer}', the assertion presents '${iss}' (the comparison is exact)`
      : credentials.length
        ? `issuer: the identity's credentials expect ${credentials.map((c) => `'${c.issuer}' (${c.name})`).join(", ")}; the assertion presents '${iss}'`
        : `the identity has no federated identity credentials; the assertion presents issuer '${iss}'`;
    throw EntraErrors.noMatchingIssuer(iss).withHint(hint);
  }

  await verifySignature(decoded, iss, o.keys);

  const iat = typeof payload.iat === "number" ? payload.iat : 0;
  const exp = typeof payload.exp === "number" ? payload.exp : 0;
  const nbf = typeof payload.nbf === "number" ? payload.nbf : 0;
  if (typeof payload.iat !== "number" || exp - iat > MAX_ASSERTION_LIFETIME_S) {
    // Unix seconds, as Entra prints them [V]: azure-sdk-for-python#32124 ("Token issued at 1695056139. Token
    // expires on 1726592139.") and azure-docs#86916.
    throw EntraErrors.lifetimeTooLong(String(iat), String(exp)).withHint(
      typeof payload.iat !== "number" ? "the assertion has no 'iat' claim" : `exp - iat = ${exp - iat} s; the maximum is ${MAX_ASSERTION_LIFETIME_S} s (25 h)`,
    );
  }
  const nowS = o.now / 1000;
  if (nowS + CLOCK_SKEW_S < nbf || nowS - CLOCK_SKEW_S >= exp) {
    throw EntraErrors.notInValidRange(dotnetRoundTrip(o.now), dotnetRoundTrip(nbf * 1000), dotnetRoundTrip(exp * 1000)).withHint(
      nowS >= exp ? `the assertion expired at ${new Date(exp * 1000).toISOString()} (lab clock now ${new Date(o.now).toISOString()})` : `the assertion is not valid before ${new Date(nbf * 1000).toISOString()}`,
    );
  }

  const sub = typeof payload.sub === "string" ? payload.sub : "";
  const bySubject = byIssuer.filter((c) => c.subject === sub);
  if (bySubject.length === 0) {
    const caseOnly = byIssuer.find((c) => c.subject.toLowerCase() === sub.toLowerCase());
    if (caseOnly) {
      throw EntraErrors.subjectCaseMismatch(sub).withHint(`subject: credential '${caseOnly.name}' expects '${caseOnly.subject}', the assertion presents '${sub}' (case differs)`);
    }
    throw EntraErrors.noMatchingSubject(sub).withHint(
      `subject: for issuer '${iss}' the credentials expect ${byIssuer.map((c) => `'${c.subject}' (${c.name})`).join(", ")}; the assertion presents '${sub}'`,
    );
  }
  const auds = audiencesOf(payload);
  const match = bySubject.find((c) => c.audiences.some((a) => auds.includes(a)));
  if (!match) {
    throw EntraErrors.noMatchingAudience(auds.join(",")).withHint(
      `audience: credential '${bySubject[0]!.name}' expects '${bySubject[0]!.audiences[0]}', the assertion presents ${JSON.stringify(payload.aud ?? null)}`,
    );
  }
  if (o.propagationMs > 0 && o.now < match.updatedAt + o.propagationMs) {
    throw EntraErrors.notYetPropagated(iss, sub, auds.join(",")).withHint(
      `credential '${match.name}' was written ${Math.round((o.now - match.updatedAt) / 1000)} s ago; the lab's propagation delay is ${Math.round(o.propagationMs / 1000)} s`,
    );
  }
  return match;
}

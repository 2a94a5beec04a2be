/**
 * Keys of a self-managed cluster's service-account issuer, as kube-apiserver publishes them: RSA public keys
 * as JWKs with `use: sig`, `alg: RS256`, and the kid kube-apiserver computes (base64url of the SHA-256 of the
 * key's DER SubjectPublicKeyInfo), so that tokens the cluster signs name a kid the JWKS has. Pure.
 */
import { createHash, createPublicKey } from "node:crypto";

export interface IssuerJwk {
  kty: "RSA";
  use: "sig";
  alg: "RS256";
  kid: string;
  n: string;
  e: string;
}

export class IssuerKeyError extends Error {}

/** A PEM public key (SPKI or PKCS#1) or certificate as the issuer's JWK. */
export function jwkFromPem(pem: string): IssuerJwk {
  let key;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new IssuerKeyError(`not a PEM public key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== "rsa") throw new IssuerKeyError(`the key is ${key.asymmetricKeyType ?? "unknown"}; service-account issuers here sign with RS256 (RSA)`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) throw new IssuerKeyError(`the RSA key has ${bits} bits; Entra needs at least 2048`);
  const jwk = key.export({ format: "jwk" }) as { n: string; e: string };
  const kid = createHash("sha256").update(key.export({ type: "spki", format: "der" })).digest("base64url");
  return { kty: "RSA", use: "sig", alg: "RS256", kid, n: jwk.n, e: jwk.e };
}

/** A JWKS document's RSA signing keys, each with a kid; an IssuerKeyError names what is wrong. */
export function jwksKeys(doc: unknown): IssuerJwk[] {
  const keys = (doc as { keys?: unknown } | undefined)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new IssuerKeyError('a JWKS is {"keys":[…]} with at least one key');
  return keys.map((k: unknown, i) => {
    const o = (k ?? {}) as Record<string, unknown>;
    if (o.kty !== "RSA" || typeof o.n !== "string" || typeof o.e !== "string") throw new IssuerKeyError(`keys[${i}] is not an RSA public key (kty RSA with n and e)`);
    if (typeof o.kid !== "string" || !o.kid) throw new IssuerKeyError(`keys[${i}] has no kid`);
    if ("d" in o) throw new IssuerKeyError(`keys[${i}] is a private key: publish only public keys`);
    try {
      createPublicKey({ key: { kty: "RSA", n: o.n, e: o.e }, format: "jwk" });
    } catch (err) {
      throw new IssuerKeyError(`keys[${i}] does not parse: ${(err as Error).message}`);
    }
    return { kty: "RSA", use: "sig", alg: "RS256", kid: o.kid, n: o.n, e: o.e };
  });
}

/** Storage-container-like names: 3–63 lower-case letters, digits and hyphens, starting and ending with a letter or digit. */
export const ISSUER_NAME = /^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/;

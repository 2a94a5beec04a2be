import { createHash, createPrivateKey, createPublicKey, webcrypto, type KeyObject } from "node:crypto";
import type { JWK } from "jose";
import { loadX509 } from "./tls.js";

/** A persisted RSA signing key. */
export interface SigningKeyRecord {
  kid: string;
  /** Lab-clock ms when it was made (and became the signing key). */
  createdAt: number;
  /** Lab-clock ms after which it leaves the JWKS; absent = forever. */
  retireAt?: number;
  privatePem: string;
  /** Base64 DER of a self-signed certificate for the key (Entra publishes `x5c`). */
  x5c?: string;
  x5t?: string;
}

export interface SigningKey {
  record: SigningKeyRecord;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: JWK;
}

const RSA_ALG = { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" } as const;

function toPem(der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

/** kube-apiserver's key id: base64url(SHA-256(DER-encoded SPKI public key)). */
export function kubeKeyId(publicKey: KeyObject): string {
  return createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("base64url");
}

/** Makes a new RSA-2048 key. With `withCertificate`, also a self-signed cert; kid = x5t = SHA-1 thumbprint, as Entra does. */
export async function makeSigningKey(createdAt: number, withCertificate: boolean, subject = "CN=wilab signing key"): Promise<SigningKeyRecord> {
  const keys = (await webcrypto.subtle.generateKey(RSA_ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const privatePem = toPem(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  if (!withCertificate) {
    return { kid: kubeKeyId(createPublicKey(createPrivateKey(privatePem))), createdAt, privatePem };
  }
  const x509 = await loadX509();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString("hex").replace(/^./, "1"),
    name: subject,
    notBefore: new Date(createdAt - 86_400_000),
    notAfter: new Date(createdAt + 5 * 365 * 86_400_000),
    signingAlgorithm: RSA_ALG,
    keys,
  });
  const der = Buffer.from(cert.rawData);
  const x5t = createHash("sha1").update(der).digest("base64url");
  return { kid: x5t, createdAt, privatePem, x5c: der.toString("base64"), x5t };
}

export function loadSigningKey(record: SigningKeyRecord): SigningKey {
  const privateKey = createPrivateKey(record.privatePem);
  const publicKey = createPublicKey(privateKey);
  const pub = publicKey.export({ format: "jwk" }) as { n: string; e: string };
  const jwk: JWK = { kty: "RSA", use: "sig", kid: record.kid, alg: "RS256", n: pub.n, e: pub.e };
  if (record.x5t) jwk.x5t = record.x5t;
  if (record.x5c) jwk.x5c = [record.x5c];
  return { record, privateKey, publicKey, jwk };
}

/** A set of signing keys: the newest one signs, every unretired one verifies. */
export class KeyRing {
  private keys: SigningKey[];

  constructor(records: SigningKeyRecord[]) {
    this.keys = records.map(loadSigningKey).sort((a, b) => a.record.createdAt - b.record.createdAt);
  }

  /** The key that signs now: the newest one created at or before `now`. */
  active(now: number): SigningKey {
    const usable = this.keys.filter((k) => k.record.createdAt <= now);
    const k = usable[usable.length - 1] ?? this.keys[0];
    if (!k) throw new Error("key ring is empty");
    return k;
  }

  /** The keys published at `now`. */
  published(now: number): SigningKey[] {
    return this.keys.filter((k) => k.record.retireAt === undefined || k.record.retireAt > now);
  }

  find(kid: string, now: number): SigningKey | undefined {
    return this.published(now).find((k) => k.record.kid === kid);
  }

  add(record: SigningKeyRecord): void {
    this.keys.push(loadSigningKey(record));
    this.keys.sort((a, b) => a.record.createdAt - b.record.createdAt);
  }

  all(): SigningKey[] {
    return [...this.keys];
  }
}

// The assertion's RS256 signature check (src/entra/FederatedAssertion.ts, through jose with the issuer's key
// imported once per JWK object): every assertion that must be refused is refused (AADSTS7000274), and a valid one
// is accepted again and again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, sign as cryptoSign, type KeyObject } from "node:crypto";
import { SignJWT, type JWK, type JWTPayload } from "jose";
import { validateFederatedAssertion } from "../../src/entra/FederatedAssertion.js";
import { EntraError } from "../../src/entra/EntraError.js";
import type { OidcKeySource } from "../../src/entra/OidcKeySource.js";
import type { FederatedIdentityCredentialRecord } from "../../src/entra/FederatedIdentityCredential.js";

const NOW = Date.UTC(2025, 3, 22, 1, 1, 11);
const NOW_S = NOW / 1000;
const ISSUER = "https://issuer.example/";
const SUBJECT = "system:serviceaccount:default:sa";
const AUD = "api://AzureADTokenExchange";

function rsa(bits = 2048): { priv: KeyObject; jwk: JWK } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  return { priv: privateKey, jwk: publicKey.export({ format: "jwk" }) as JWK };
}
const good = rsa();
const small = rsa(1024);
const published = new Map<string, JWK>([
  ["k1", { ...good.jwk, kid: "k1", use: "sig" }],
  ["bare", { ...good.jwk, kid: "bare" }],
  ["enc", { ...good.jwk, kid: "enc", use: "enc" }],
  ["ops", { ...good.jwk, kid: "ops", key_ops: ["encrypt"] }],
  ["small", { ...small.jwk, kid: "small" }],
  ["rs512", { ...good.jwk, kid: "rs512", alg: "RS512" }],
]);
let lookups = 0;
const keys = {
  async key(_issuer: string, kid: string): Promise<JWK | undefined> {
    lookups++;
    return published.get(kid);
  },
} as unknown as OidcKeySource;

const credential: FederatedIdentityCredentialRecord = { name: "fic", id: "/x/federatedIdentityCredentials/fic", issuer: ISSUER, subject: SUBJECT, audiences: [AUD], updatedAt: NOW - 3_600_000 };

function sign(kid: string, key: KeyObject = good.priv, header: Record<string, unknown> = {}): Promise<string> {
  const claims = { iss: ISSUER, sub: SUBJECT, aud: [AUD], iat: NOW_S - 60, nbf: NOW_S - 60, exp: NOW_S + 3000 };
  return new SignJWT(claims as JWTPayload).setProtectedHeader({ alg: "RS256", kid, ...header } as { alg: string }).sign(key);
}

/** A compact RS256 JWS made by hand (jose refuses to sign some of these). */
function rawSign(header: Record<string, unknown>, key: KeyObject): string {
  const claims = { iss: ISSUER, sub: SUBJECT, aud: [AUD], iat: NOW_S - 60, nbf: NOW_S - 60, exp: NOW_S + 3000 };
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const input = `${b64({ alg: "RS256", ...header })}.${b64(claims)}`;
  return `${input}.${cryptoSign("sha256", Buffer.from(input), key).toString("base64url")}`;
}

async function outcome(jwt: string): Promise<number | "ok"> {
  try {
    await validateFederatedAssertion(jwt, [credential], { now: NOW, propagationMs: 0, keys });
    return "ok";
  } catch (err) {
    if (err instanceof EntraError) return err.code;
    throw err;
  }
}

test("a valid assertion is accepted, again and again (its key imported once)", async () => {
  const jwt = await sign("k1");
  for (let i = 0; i < 3; i++) assert.equal(await outcome(jwt), "ok");
  assert.equal(await outcome(await sign("bare")), "ok", "a JWK without use or alg");
});

const refused: [string, () => Promise<string>][] = [
  ["signed by another key", async () => sign("k1", rsa().priv)],
  ["payload changed after signing", async () => {
    const [h, , s] = (await sign("k1")).split(".");
    return `${h}.${Buffer.from(JSON.stringify({ iss: ISSUER, sub: SUBJECT, aud: [AUD], iat: NOW_S - 60, exp: NOW_S + 9000 })).toString("base64url")}.${s}`;
  }],
  ["one bit of the signature flipped", async () => {
    const [h, p, s] = (await sign("k1")).split(".");
    const b = Buffer.from(s!, "base64url");
    b[10]! ^= 1;
    return `${h}.${p}.${b.toString("base64url")}`;
  }],
  ["signature truncated", async () => (await sign("k1")).slice(0, -4)],
  ["an unrecognised critical header", async () => rawSign({ kid: "k1", crit: ["exp"], exp: 1 }, good.priv)],
  ["a key whose key_ops exclude verify", async () => sign("ops")],
  ["an RSA key under 2048 bits", async () => rawSign({ kid: "small" }, small.priv)],
];

test("refused before the signature: a character outside base64url in the signature (AADSTS50027; issue 12 #10 — Microsoft's token handler takes only the compact serialization's alphabet)", async () => {
  assert.equal(await outcome(`${await sign("k1")}!`), 50027);
  assert.equal(await outcome(`${await sign("k1")}=`), 50027);
});

test("refused before the signature: a header alg other than RS256 (AADSTS50027)", async () => {
  assert.equal(await outcome(rawSign({ kid: "k1", alg: "RS512" }, good.priv)), 50027);
});

// What jose accepted before, accepted still (these take jose's path).
const accepted: [string, () => Promise<string>][] = [
  ["b64 false without crit (ignored, as RFC 7797 says)", async () => sign("k1", good.priv, { b64: false })],
  ["a key published with use enc (the verifier imports it as RS256 regardless)", async () => sign("enc")],
  ["a key published with alg RS512 (imported as RS256, as before)", async () => sign("rs512")],
];

for (const [label, make] of accepted) {
  test(`accepted as before: ${label}`, async () => {
    assert.equal(await outcome(await make()), "ok");
  });
}

for (const [label, make] of refused) {
  test(`refused: ${label}`, async () => {
    assert.equal(await outcome(await make()), 7000274);
  });
}

test("the key source is asked for the key on every assertion (a rotated key is never kept by the verifier)", async () => {
  const before = lookups;
  await outcome(await sign("k1"));
  await outcome(await sign("k1"));
  assert.equal(lookups - before, 2);
});

// Validation of federated client assertions, against reference §1.2 (pipeline rows 4–11, the propagation row,
// and the matching rules). Keys come from an in-memory stand-in for OidcKeySource: the unit under test is
// the validation order, not the fetching.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { SignJWT, type JWK, type JWTPayload } from "jose";
import { validateFederatedAssertion } from "../../src/entra/FederatedAssertion.js";
import { EntraError } from "../../src/entra/EntraError.js";
import type { FederatedIdentityCredentialRecord } from "../../src/entra/FederatedIdentityCredential.js";
import type { OidcKeySource } from "../../src/entra/OidcKeySource.js";
import { dotnetRoundTrip } from "../../src/platform/clock.js";

const NOW = Date.UTC(2025, 3, 22, 1, 1, 11);
const NOW_S = NOW / 1000;
const MIN = 60;
const HOUR = 3600;
const ISSUER = "https://oidc.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/";
const OTHER_ISSUER = "https://token.actions.githubusercontent.com";
const SUBJECT = "system:serviceaccount:default:workload-identity-sa";
const AUD = "api://AzureADTokenExchange";
const KID = "k1";

function rsa(): { priv: KeyObject; jwk: JWK } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { priv: privateKey, jwk: publicKey.export({ format: "jwk" }) as JWK };
}
const signer = rsa();
const stranger = rsa();

/** Publishes `signer` as kid k1 for ISSUER and OTHER_ISSUER. */
const published = new Map<string, JWK>([
  [`${ISSUER}|${KID}`, { ...signer.jwk, kid: KID, use: "sig" }],
  [`${OTHER_ISSUER}|${KID}`, { ...signer.jwk, kid: KID, use: "sig" }],
]);
const keys = {
  async key(issuer: string, kid: string): Promise<JWK | undefined> {
    return published.get(`${issuer}|${kid}`);
  },
} as unknown as OidcKeySource;

function fic(over: Partial<FederatedIdentityCredentialRecord> = {}): FederatedIdentityCredentialRecord {
  return {
    name: "fic",
    id: "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id/federatedIdentityCredentials/fic",
    issuer: ISSUER,
    subject: SUBJECT,
    audiences: [AUD],
    updatedAt: NOW - 3_600_000,
    ...over,
  };
}

interface AssertionSpec {
  /** Claims to set or override; `undefined` removes the claim. */
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  key?: KeyObject;
}

/** A Kubernetes-style service-account token (no `typ`), valid for an hour around NOW. */
async function assertion(spec: AssertionSpec = {}): Promise<string> {
  const claims: Record<string, unknown> = {
    iss: ISSUER,
    sub: SUBJECT,
    aud: [AUD],
    iat: NOW_S - MIN,
    nbf: NOW_S - MIN,
    exp: NOW_S + HOUR - MIN,
    ...spec.claims,
  };
  for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
  const header = { alg: "RS256", kid: KID, ...spec.header };
  for (const k of Object.keys(header)) if ((header as Record<string, unknown>)[k] === undefined) delete (header as Record<string, unknown>)[k];
  return new SignJWT(claims as JWTPayload).setProtectedHeader(header as { alg: string }).sign(spec.key ?? signer.priv);
}

interface Row {
  label: string;
  spec?: AssertionSpec;
  /** Replaces the built assertion. */
  raw?: (jwt: string) => string;
  credentials?: FederatedIdentityCredentialRecord[];
  propagationMs?: number;
  now?: number;
  /** Expected AADSTS code; undefined = accepted. */
  code?: number;
  status?: number;
  error?: string | string[];
  /** Text the error message must contain. */
  text?: string[];
  /** Text the error message must not contain. */
  notText?: string[];
  /** Name of the credential that must be returned. */
  match?: string;
}

const TAIL = "Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation";

const ROWS: Row[] = [
  // ------------------------------------------------------------ accepted
  { label: "a Kubernetes token without typ", match: "fic" },
  { label: "typ JWT", spec: { header: { typ: "JWT" } }, match: "fic" },
  { label: "typ http://openid.net/specs/jwt/1.0", spec: { header: { typ: "http://openid.net/specs/jwt/1.0" } }, match: "fic" },
  { label: "string aud equal to the credential's audience", spec: { claims: { aud: AUD } }, match: "fic" },
  { label: "array aud containing the credential's audience among others", spec: { claims: { aud: ["https://kubernetes.default.svc", AUD] } }, match: "fic" },
  { label: "no nbf", spec: { claims: { nbf: undefined } }, match: "fic" },
  { label: "lifetime exactly 25 h", spec: { claims: { iat: NOW_S - HOUR, nbf: NOW_S - HOUR, exp: NOW_S - HOUR + 25 * HOUR } }, match: "fic" },
  { label: "GitHub issuer without trailing slash", spec: { claims: { iss: OTHER_ISSUER } }, credentials: [fic({ issuer: OTHER_ISSUER })], match: "fic" },

  // ------------------------------------------------------------ row 4 / 4b: not a JWT, typ
  { label: "not a JWT", raw: () => "not-a-jwt", code: 50027, status: 400, error: "invalid_request" },
  { label: "two-part token", raw: (j) => j.split(".").slice(0, 2).join("."), code: 50027, status: 400, error: "invalid_request" },
  {
    label: "typ at+jwt",
    spec: { header: { typ: "at+jwt" } },
    code: 5002727,
    status: 400,
    error: "invalid_request",
    text: ["Invalid JWT header type specified, must be 'JWT' or 'http://openid.net/specs/jwt/1.0'."],
  },
  { label: "typ JOSE", spec: { header: { typ: "JOSE" } }, code: 5002727 },

  // ------------------------------------------------------------ row 5: Entra-issued
  {
    label: "assertion issued by sts.windows.net",
    spec: { claims: { iss: "https://sts.windows.net/00000000-0000-0000-0000-000000000001/" } },
    code: 700222,
    status: 401,
    error: "invalid_client",
    text: ["AAD-issued tokens may not be used for federated identity flows."],
  },
  {
    label: "assertion issued by login.microsoftonline.com v2.0",
    spec: { claims: { iss: "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0" } },
    code: 700222,
    status: 401,
    error: "invalid_client",
  },

  // ------------------------------------------------------------ row 6: issuer (exact, case-sensitive, trailing '/' counts)
  {
    label: "unknown issuer",
    spec: { claims: { iss: "https://issuer.example/other" } },
    code: 700211,
    status: 401,
    error: "invalid_client",
    text: [`No matching federated identity record found for presented assertion issuer 'https://issuer.example/other'. ${TAIL}`],
  },
  { label: "issuer lacking the credential's trailing '/'", spec: { claims: { iss: ISSUER.slice(0, -1) } }, code: 700211 },
  { label: "issuer with a trailing '/' the credential lacks", spec: { claims: { iss: `${OTHER_ISSUER}/` } }, credentials: [fic({ issuer: OTHER_ISSUER })], code: 700211 },
  { label: "issuer differing only in case", spec: { claims: { iss: ISSUER.toUpperCase().replace("HTTPS://", "https://") } }, code: 700211 },
  { label: "no credentials at all", credentials: [], code: 700211 },

  // ------------------------------------------------------------ row 7b / 7c: keys and signature
  {
    label: "kid not in the issuer's JWKS",
    spec: { header: { kid: "rotated-away" } },
    code: 7000272,
    status: 401,
    error: "invalid_client",
    text: [`The certificate with identifier rotated-away used to sign the federated credential could not be found in the metadata of identity provider ${ISSUER}.`],
  },
  { label: "signed by a key the issuer does not publish", spec: { key: stranger.priv }, code: 7000274, status: 401, error: "invalid_client" },
  {
    label: "payload changed after signing",
    raw: (j) => {
      const [h, , s] = j.split(".");
      const p = Buffer.from(JSON.stringify({ iss: ISSUER, sub: SUBJECT, aud: [AUD], iat: NOW_S - MIN, nbf: NOW_S - MIN, exp: NOW_S + 23 * HOUR })).toString("base64url");
      return `${h}.${p}.${s}`;
    },
    code: 7000274,
  },

  // ------------------------------------------------------------ row 8: lifetime
  {
    label: "lifetime 25 h + 1 s",
    spec: { claims: { iat: NOW_S - HOUR, nbf: NOW_S - HOUR, exp: NOW_S - HOUR + 25 * HOUR + 1 } },
    code: 70023,
    error: ["invalid_request", "invalid_client"],
    // Unix seconds, as in azure-sdk-for-python#32124: "… 1.01:00:00. Token issued at 1695056139. Token expires on 1726592139."
    text: [`External OIDC Provider token must have a lifetime of less than or equal to 1.01:00:00. Token issued at ${NOW_S - HOUR}. Token expires on ${NOW_S - HOUR + 25 * HOUR + 1}.`],
  },
  {
    label: "iat missing",
    spec: { claims: { iat: undefined } },
    code: 70023,
    error: ["invalid_request", "invalid_client"],
    // a missing iat prints as 0 (azure-docs#86915), in Unix seconds like every 70023 (azure-sdk-for-python#32124)
    text: ["Token issued at 0."],
  },

  // ------------------------------------------------------------ row 9: time range with 5-minute skew
  { label: "expired 4 minutes ago (within skew)", spec: { claims: { iat: NOW_S - HOUR, nbf: NOW_S - HOUR, exp: NOW_S - 4 * MIN } }, match: "fic" },
  {
    label: "expired 6 minutes ago",
    spec: { claims: { iat: NOW_S - HOUR, nbf: NOW_S - HOUR, exp: NOW_S - 6 * MIN } },
    code: 700024,
    status: 401,
    error: "invalid_client",
    text: [
      `Client assertion is not within its valid time range. Current time: ${dotnetRoundTrip(NOW)}, assertion valid from ${dotnetRoundTrip((NOW_S - HOUR) * 1000)}, expiry time of assertion ${dotnetRoundTrip((NOW_S - 6 * MIN) * 1000)}.`,
    ],
  },
  {
    label: "expired 6 minutes ago, no nbf (prints as the epoch)",
    spec: { claims: { iat: NOW_S - HOUR, nbf: undefined, exp: NOW_S - 6 * MIN } },
    code: 700024,
    text: ["assertion valid from 1970-01-01T00:00:00.0000000Z"],
  },
  { label: "nbf 4 minutes ahead (within skew)", spec: { claims: { iat: NOW_S, nbf: NOW_S + 4 * MIN, exp: NOW_S + HOUR } }, match: "fic" },
  { label: "nbf 6 minutes ahead", spec: { claims: { iat: NOW_S, nbf: NOW_S + 6 * MIN, exp: NOW_S + HOUR } }, code: 700024, status: 401 },
  { label: "the lab clock moved past exp", now: NOW + 2 * 3_600_000, code: 700024 },

  // ------------------------------------------------------------ row 10: subject
  {
    label: "different subject",
    spec: { claims: { sub: "system:serviceaccount:default:other" } },
    code: 700213,
    status: 401,
    error: "invalid_client",
    text: [
      "No matching federated identity record found for presented assertion subject 'system:serviceaccount:default:other'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.",
    ],
    notText: ["Please check"],
  },
  {
    label: "subject differing only in case",
    spec: { claims: { sub: SUBJECT.toUpperCase() } },
    code: 7002138,
    status: 401,
    error: "invalid_client",
    text: ["The subject matches with case-insensitive comparison, but not with case-sensitive comparison."],
  },
  { label: "no sub claim", spec: { claims: { sub: undefined } }, code: 700213 },

  // ------------------------------------------------------------ row 11: audience
  {
    label: "string aud mismatch",
    spec: { claims: { aud: "api://other" } },
    code: 700212,
    status: 401,
    error: "invalid_client",
    text: [`No matching federated identity record found for presented assertion audience 'api://other'. ${TAIL}`],
  },
  { label: "array aud mismatch", spec: { claims: { aud: ["https://kubernetes.default.svc", "api://other"] } }, code: 700212, status: 401 },
  { label: "no aud claim", spec: { claims: { aud: undefined } }, code: 700212 },

  // ------------------------------------------------------------ propagation window
  {
    label: "credential written 1 s ago, propagation 60 s",
    credentials: [fic({ updatedAt: NOW - 1000 })],
    propagationMs: 60_000,
    code: 70021,
    status: 400,
    error: "invalid_request",
    text: [`No matching federated identity record found for presented assertion. Assertion Issuer: '${ISSUER}'. Assertion Subject: '${SUBJECT}'. Assertion Audience: '${AUD}'.`],
  },
  { label: "credential written 61 s ago, propagation 60 s", credentials: [fic({ updatedAt: NOW - 61_000 })], propagationMs: 60_000, match: "fic" },
  { label: "credential written now, propagation 0", credentials: [fic({ updatedAt: NOW })], propagationMs: 0, match: "fic" },

  // ------------------------------------------------------------ several credentials
  {
    label: "the credential matching issuer, subject and audience is returned",
    credentials: [
      fic({ name: "github", issuer: OTHER_ISSUER, subject: SUBJECT }),
      fic({ name: "other-sub", subject: "system:serviceaccount:default:other" }),
      fic({ name: "other-aud", audiences: ["api://other"] }),
      fic({ name: "right" }),
    ],
    match: "right",
  },
  {
    label: "issuer, subject and audience must match the same credential",
    credentials: [fic({ name: "sub-only", audiences: ["api://other"] }), fic({ name: "aud-only", subject: "system:serviceaccount:default:other" })],
    code: 700212,
  },
  {
    label: "case-only subject in one credential, exact subject in another: the exact one wins",
    credentials: [fic({ name: "upper", subject: SUBJECT.toUpperCase() }), fic({ name: "exact" })],
    match: "exact",
  },
  {
    label: "propagation applies to the credential that matched, not to others",
    credentials: [fic({ name: "fresh-other", subject: "system:serviceaccount:default:other", updatedAt: NOW }), fic({ name: "old", updatedAt: NOW - 3_600_000 })],
    propagationMs: 60_000,
    match: "old",
  },

  // ------------------------------------------------------------ pipeline order (reference §1.2 row numbers)
  { label: "order: bad typ (4b) before Entra issuer (5)", spec: { header: { typ: "at+jwt" }, claims: { iss: "https://sts.windows.net/t/" } }, code: 5002727 },
  { label: "order: Entra issuer (5) before issuer match (6)", spec: { claims: { iss: "https://login.microsoftonline.com/t/v2.0" } }, credentials: [], code: 700222 },
  { label: "order: issuer (6) before key lookup (7b)", spec: { claims: { iss: "https://issuer.example/" }, header: { kid: "nope" } }, code: 700211 },
  { label: "order: issuer (6) before signature (7c)", spec: { claims: { iss: "https://issuer.example/" }, key: stranger.priv }, code: 700211 },
  { label: "order: signature (7c) before lifetime (8)", spec: { key: stranger.priv, claims: { iat: undefined } }, code: 7000274 },
  { label: "order: signature (7c) before time range (9)", spec: { key: stranger.priv, claims: { iat: NOW_S - 2 * HOUR, nbf: NOW_S - 2 * HOUR, exp: NOW_S - HOUR } }, code: 7000274 },
  { label: "order: lifetime (8) before time range (9)", spec: { claims: { iat: NOW_S - 30 * HOUR, nbf: NOW_S - 30 * HOUR, exp: NOW_S - 2 * HOUR } }, code: 70023 },
  { label: "order: time range (9) before subject (10)", spec: { claims: { sub: "x", iat: NOW_S - 2 * HOUR, nbf: NOW_S - 2 * HOUR, exp: NOW_S - HOUR } }, code: 700024 },
  { label: "order: subject (10) before audience (11)", spec: { claims: { sub: "x", aud: "api://other" } }, code: 700213 },
  { label: "order: audience (11) before propagation", spec: { claims: { aud: "api://other" } }, credentials: [fic({ updatedAt: NOW })], propagationMs: 60_000, code: 700212 },
];

for (const row of ROWS) {
  test(`validateFederatedAssertion: ${row.label} → ${row.code ? `AADSTS${row.code}` : `matches '${row.match}'`}`, async () => {
    let jwt = await assertion(row.spec);
    if (row.raw) jwt = row.raw(jwt);
    const credentials = row.credentials ?? [fic()];
    const run = validateFederatedAssertion(jwt, credentials, { now: row.now ?? NOW, propagationMs: row.propagationMs ?? 0, keys });
    if (row.code === undefined) {
      const got = await run;
      assert.equal(got.name, row.match);
      assert.ok(credentials.includes(got), "returns the credential record itself");
      return;
    }
    await assert.rejects(run, (err: unknown) => {
      assert.ok(err instanceof EntraError, `expected an EntraError, got ${String(err)}`);
      assert.equal(err.code, row.code, `code (message: ${err.message})`);
      if (row.status !== undefined) assert.equal(err.status, row.status);
      if (typeof row.error === "string") assert.equal(err.error, row.error);
      if (Array.isArray(row.error)) assert.ok(row.error.includes(err.error), `error '${err.error}' not in ${JSON.stringify(row.error)}`);
      for (const t of row.text ?? []) assert.ok(err.message.includes(t), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(t)}`);
      for (const t of row.notText ?? []) assert.ok(!err.message.includes(t), `message ${JSON.stringify(err.message)} contains ${JSON.stringify(t)}`);
      return true;
    });
  });
}

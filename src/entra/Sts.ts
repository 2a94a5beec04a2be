import { createHash } from "node:crypto";
import type { JWTPayload } from "jose";
import { loadJose } from "../platform/jose.js";
import { KeyRing, makeSigningKey, type SigningKeyRecord } from "../platform/keyring.js";
import { signJwtRs256 } from "../platform/signing/index.js";
import type { LabContext } from "../platform/index.js";

export const STS_KEY_KIND = "signingKey:sts";
export const MI_TOKEN_LIFETIME_S = 86399;
export const APP_TOKEN_LIFETIME_S = 3599;
const BACKDATE_S = 300;
export const ID_TOKEN_LIFETIME_S = 3600;

export function stsIssuer(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

/** The v1 access-token claims wilab issues (reference §1.5). */
export interface AccessTokenClaims extends JWTPayload {
  aud: string;
  iss: string;
  tid: string;
  oid: string;
  appid: string;
  appidacr: string;
  idtyp: "app" | "user";
  ver: "1.0";
  upn?: string;
  xms_mirid?: string;
}

export interface TokenSubject {
  oid: string;
  appid: string;
  appidacr: "0" | "1" | "2";
  idtyp: "app" | "user";
  upn?: string;
  name?: string;
  xms_mirid?: string;
  lifetimeS: number;
}

export type VerifyFailure = "missing" | "malformed" | "signature" | "unknownKey" | "expired" | "notYetValid" | "audience" | "issuer";

export class AccessTokenInvalid extends Error {
  constructor(
    readonly reason: VerifyFailure,
    readonly detail: string,
    readonly presented?: string,
  ) {
    super(detail);
  }
}

/** Loads or creates the STS signing key ring. */
export async function loadStsKeys(ctx: Pick<LabContext, "store" | "clock">): Promise<KeyRing> {
  const existing = await ctx.store.read((tx) => tx.list<SigningKeyRecord>(STS_KEY_KIND));
  if (existing.length) return new KeyRing(existing.map((r) => r.value));
  const rec = await makeSigningKey(ctx.clock.now() - 86_400_000, true, "CN=accounts.accesscontrol.windows.net");
  // Another lab process on the same database may have made the first key meanwhile: one transaction that looks
  // again, so that of two first starts exactly one key is kept and both sign with it.
  const keys = await ctx.store.write(async (tx) => {
    const made = await tx.list<SigningKeyRecord>(STS_KEY_KIND);
    if (made.length) return made.map((r) => r.value);
    await tx.put(STS_KEY_KIND, rec.kid, rec);
    return [rec];
  });
  return new KeyRing(keys);
}

/** Issues and verifies the lab tenant's access tokens (Entra v1 shape, RS256). */
/** How many verified tokens (signature checked) are remembered; clients reuse a token for its whole life. */
const VERIFIED_CACHE_SIZE = 10_000;

export class TokenService {
  private readonly verified = new Map<string, JWTPayload>();

  constructor(
    private readonly ctx: Pick<LabContext, "clock" | "random" | "config">,
    readonly keys: KeyRing,
  ) {}

  get issuer(): string {
    return stsIssuer(this.ctx.config.tenantId);
  }

  async issue(audience: string, s: TokenSubject): Promise<{ token: string; expiresIn: number }> {
    const now = this.ctx.clock.nowSeconds();
    const key = this.keys.active(this.ctx.clock.now());
    const claims: Record<string, unknown> = {
      aud: audience,
      iss: this.issuer,
      iat: now - BACKDATE_S,
      nbf: now - BACKDATE_S,
      exp: now + s.lifetimeS,
      aio: this.ctx.random.base64url(42),
      appid: s.appid,
      appidacr: s.appidacr,
      idp: this.issuer,
      idtyp: s.idtyp,
      oid: s.oid,
      rh: `1.${this.ctx.random.base64url(36)}.`,
      sub: s.oid,
      tid: this.ctx.config.tenantId,
      uti: this.ctx.random.base64url(16).slice(0, 22),
      ver: "1.0",
    };
    if (s.upn) {
      claims.upn = s.upn;
      claims.unique_name = s.upn;
      claims.name = s.name ?? s.upn;
      claims.scp = "user_impersonation";
    }
    if (s.xms_mirid) claims.xms_mirid = s.xms_mirid;
    // Signed in the process's worker pool (both cores), byte for byte what jose's SignJWT would make.
    const header = { typ: "JWT", alg: "RS256", x5t: key.record.x5t ?? key.record.kid, kid: key.record.kid };
    const token = await signJwtRs256(header, claims, { kid: key.record.kid, privatePem: key.record.privatePem, privateKey: key.privateKey });
    return { token, expiresIn: s.lifetimeS };
  }

  /**
   * An OpenID Connect ID token (v2.0) for a user signed in to a client: audience the client, issuer the
   * tenant's v2.0 issuer on the origin the client talks to, `sub` pairwise (per client), `nonce` echoed.
   */
  async issueIdToken(o: { issuerOrigin: string; clientId: string; oid: string; upn: string; name: string; nonce?: string }): Promise<string> {
    const now = this.ctx.clock.nowSeconds();
    const key = this.keys.active(this.ctx.clock.now());
    const tid = this.ctx.config.tenantId;
    const claims: Record<string, unknown> = {
      aud: o.clientId,
      iss: `${o.issuerOrigin}/${tid}/v2.0`,
      iat: now - BACKDATE_S,
      nbf: now - BACKDATE_S,
      exp: now + ID_TOKEN_LIFETIME_S,
      name: o.name,
      ...(o.nonce !== undefined ? { nonce: o.nonce } : {}),
      oid: o.oid,
      preferred_username: o.upn,
      rh: `1.${this.ctx.random.base64url(36)}.`,
      sub: createHash("sha256").update(`${o.oid}|${o.clientId.toLowerCase()}`).digest("base64url").slice(0, 43),
      tid,
      uti: this.ctx.random.base64url(16).slice(0, 22),
      ver: "2.0",
    };
    const header = { typ: "JWT", alg: "RS256", kid: key.record.kid };
    return signJwtRs256(header, claims, { kid: key.record.kid, privatePem: key.record.privatePem, privateKey: key.privateKey });
  }

  /** Verifies a bearer token issued by this STS for one of the given audiences (trailing '/' ignored). */
  async verify(token: string | undefined, audiences: string[]): Promise<AccessTokenClaims> {
    if (!token) throw new AccessTokenInvalid("missing", "no token");
    // The compact serialization's alphabet only (base64url, no padding), as Microsoft's token handler requires.
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) throw new AccessTokenInvalid("malformed", "the token is not a compact JWS (base64url parts without padding)");
    let payload = this.verified.get(token);
    if (payload) {
      // Signature already verified: only the time window can have changed (the lab clock moves).
      const now = this.ctx.clock.nowSeconds();
      if (typeof payload.exp === "number" && now - 300 >= payload.exp) throw new AccessTokenInvalid("expired", "the token is expired");
      if (typeof payload.nbf === "number" && now + 300 < payload.nbf) throw new AccessTokenInvalid("notYetValid", "the token is not yet valid");
    } else {
      const { decodeProtectedHeader, jwtVerify } = await loadJose();
      let kid: string | undefined;
      try {
        const h = decodeProtectedHeader(token);
        kid = typeof h.kid === "string" ? h.kid : undefined;
        if (h.alg !== "RS256") throw new AccessTokenInvalid("signature", `unsupported alg ${String(h.alg)}`);
      } catch (err) {
        if (err instanceof AccessTokenInvalid) throw err;
        throw new AccessTokenInvalid("malformed", "the token is not a JWT");
      }
      const key = kid ? this.keys.find(kid, this.ctx.clock.now()) : undefined;
      if (!key) throw new AccessTokenInvalid("unknownKey", `no signing key with kid ${kid ?? "(none)"}`);
      try {
        ({ payload } = await jwtVerify(token, key.publicKey, { algorithms: ["RS256"], currentDate: this.ctx.clock.date(), clockTolerance: 300 }));
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === "ERR_JWT_EXPIRED") throw new AccessTokenInvalid("expired", "the token is expired");
        if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED") throw new AccessTokenInvalid("notYetValid", (err as Error).message);
        throw new AccessTokenInvalid("signature", "the signature does not verify");
      }
      this.verified.set(token, payload);
      if (this.verified.size > VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    }
    const aud = typeof payload.aud === "string" ? payload.aud : "";
    const fold = (a: string) => a.toLowerCase().replace(/\/+$/, "");
    if (!audiences.some((a) => fold(a) === fold(aud))) throw new AccessTokenInvalid("audience", `audience ${aud}`, aud);
    if (payload.iss !== this.issuer) throw new AccessTokenInvalid("issuer", `issuer ${String(payload.iss)}`, String(payload.iss));
    if (typeof payload.oid !== "string" || typeof payload.appid !== "string") throw new AccessTokenInvalid("malformed", "the token lacks oid or appid");
    return payload as AccessTokenClaims;
  }
}

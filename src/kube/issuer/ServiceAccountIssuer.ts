import type { Store } from "../../store/index.js";
import type { LabClock, Random } from "../../platform/index.js";
import { KeyRing, makeSigningKey, type SigningKeyRecord } from "../../platform/keyring.js";
import { loadJose } from "../../platform/jose.js";

export const ROTATION_MS = 45 * 86_400_000;
export const KEY_LIFETIME_MS = 90 * 86_400_000;
/** With workload identity on, AKS Arc disables extended tokens: 24 h at most. */
export const MAX_TOKEN_SECONDS = 86_400;
/** The store notification (Tx.notify) of a change to a cluster's issuer keys; the payload is the cluster id. */
const KEYS_TOPIC = "kube-issuer-keys";

export interface TokenClaimsInput {
  issuer: string;
  namespace: string;
  serviceAccount: { name: string; uid: string };
  audiences: string[];
  expirationSeconds: number;
  pod?: { name: string; uid: string };
  node?: { name: string; uid?: string };
}

export interface IssuedToken {
  token: string;
  /** Lab-clock ms. */
  expiresAt: number;
  issuedAt: number;
  kid: string;
}

function kindOf(clusterId: string): string {
  return `signingKey:cluster:${clusterId.toLowerCase()}`;
}

/**
 * A cluster's service-account token issuer: RS256 keys with kube-apiserver's kid, rotated every 45 days and
 * published for 90 days, all on the lab clock.
 */
export class ServiceAccountIssuer {
  private rings = new Map<string, Promise<KeyRing>>();

  constructor(
    private readonly store: Store,
    private readonly clock: LabClock,
    private readonly random: Random,
  ) {
    // Another lab process on the same database made or removed a cluster's keys: read them again when next needed.
    store.subscribe(KEYS_TOPIC, (clusterId) => (clusterId === "*" ? this.rings.clear() : this.rings.delete(clusterId)));
  }

  private load(clusterId: string): Promise<KeyRing> {
    let p = this.rings.get(clusterId);
    if (!p) {
      p = (async () => {
        const rows = await this.store.read((tx) => tx.list<SigningKeyRecord>(kindOf(clusterId)));
        if (rows.length) return new KeyRing(rows.map((r) => r.value));
        const first = await makeSigningKey(this.clock.now(), false);
        first.retireAt = first.createdAt + KEY_LIFETIME_MS;
        // Looks again in the writing transaction: another lab process on the same database may have made it.
        const keys = await this.store.write(async (tx) => {
          const made = await tx.list<SigningKeyRecord>(kindOf(clusterId));
          if (made.length) return made.map((r) => r.value);
          await tx.put(kindOf(clusterId), first.kid, first);
          await tx.notify(KEYS_TOPIC, clusterId);
          return [first];
        });
        return new KeyRing(keys);
      })();
      this.rings.set(clusterId, p);
      p.catch(() => this.rings.delete(clusterId));
    }
    return p;
  }

  /** The key ring, with any rotations due at the lab clock's now made first. */
  async keys(clusterId: string): Promise<KeyRing> {
    const ring = await this.load(clusterId);
    const now = this.clock.now();
    let active = ring.active(now);
    while (active.record.createdAt + ROTATION_MS <= now) {
      const next = await makeSigningKey(active.record.createdAt + ROTATION_MS, false);
      next.retireAt = next.createdAt + KEY_LIFETIME_MS;
      // Replicas on one database may rotate at once: the first key made for this rotation wins, the others use it.
      const made = await this.store.write(async (tx) => {
        const same = (await tx.list<SigningKeyRecord>(kindOf(clusterId))).find((r) => r.value.createdAt === next.createdAt);
        if (same) return same.value;
        await tx.put(kindOf(clusterId), next.kid, next);
        await tx.notify(KEYS_TOPIC, clusterId);
        return next;
      });
      if (!ring.all().some((k) => k.record.kid === made.kid)) ring.add(made);
      active = ring.active(now);
    }
    return ring;
  }

  /** `{"keys":[...]}` as kube-apiserver serves `/openid/v1/jwks`. */
  async jwks(clusterId: string): Promise<{ keys: Record<string, unknown>[] }> {
    const ring = await this.keys(clusterId);
    return { keys: ring.published(this.clock.now()).map((k) => ({ use: "sig", kty: "RSA", kid: k.record.kid, alg: "RS256", n: k.jwk.n, e: k.jwk.e })) };
  }

  /** Signs a service-account token (claims as kube-apiserver writes them). */
  async sign(clusterId: string, i: TokenClaimsInput): Promise<IssuedToken> {
    const ring = await this.keys(clusterId);
    const now = this.clock.now();
    const key = ring.active(now);
    const iat = Math.floor(now / 1000);
    const exp = iat + Math.min(i.expirationSeconds, MAX_TOKEN_SECONDS);
    const kube: Record<string, unknown> = { namespace: i.namespace };
    if (i.node) kube.node = i.node.uid ? { name: i.node.name, uid: i.node.uid } : { name: i.node.name };
    if (i.pod) kube.pod = { name: i.pod.name, uid: i.pod.uid };
    kube.serviceaccount = { name: i.serviceAccount.name, uid: i.serviceAccount.uid };
    const claims = {
      aud: i.audiences,
      exp,
      iat,
      iss: i.issuer,
      jti: this.random.uuid(),
      "kubernetes.io": kube,
      nbf: iat,
      sub: `system:serviceaccount:${i.namespace}:${i.serviceAccount.name}`,
    };
    const { SignJWT } = await loadJose();
    const token = await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: key.record.kid }).sign(key.privateKey);
    return { token, expiresAt: exp * 1000, issuedAt: iat * 1000, kid: key.record.kid };
  }

  /** Verifies a token of this cluster (the API server's authenticator for service-account bearer tokens). */
  async verify(clusterId: string, token: string, issuer: string): Promise<Record<string, unknown> | undefined> {
    const { jwtVerify, decodeProtectedHeader } = await loadJose();
    try {
      const kid = decodeProtectedHeader(token).kid;
      const key = typeof kid === "string" ? (await this.keys(clusterId)).find(kid, this.clock.now()) : undefined;
      if (!key) return undefined;
      const { payload } = await jwtVerify(token, key.publicKey, { algorithms: ["RS256"], issuer, currentDate: this.clock.date() });
      return payload as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }

  /** Forgets a deleted cluster's keys. */
  async remove(clusterId: string): Promise<void> {
    this.rings.delete(clusterId);
    await this.store.write(async (tx) => {
      for (const r of await tx.list(kindOf(clusterId))) await tx.delete(kindOf(clusterId), r.id);
      await tx.notify(KEYS_TOPIC, clusterId);
    });
  }
}

import { request } from "node:https";
import { rootCertificates } from "node:tls";
import type { JWK } from "jose";
import type { Faults } from "../platform/index.js";

export class OidcFetchError extends Error {}

const TLS_CODES = /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS_CERT|HOSTNAME_MISMATCH|ERR_SSL)/;

/** Names what went wrong under a failed fetch: TLS (with what the lab trusts), DNS, refused, reset. */
export function fetchCause(e: Error & { code?: string }, host: string): string {
  const code = e.code ?? "";
  if (TLS_CODES.test(code)) {
    return `TLS: ${code}: ${e.message} — the lab trusts the public roots, its own CA, the file NODE_EXTRA_CA_CERTS names and any 'wilab up --trust-ca FILE'; add the issuer's CA with one of them`;
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `DNS: ${host} does not resolve (${code})`;
  if (code === "ECONNREFUSED") return `connect ECONNREFUSED ${host}: nothing listens there`;
  return code ? `${code}: ${e.message}` : e.message;
}

interface CacheEntry {
  keys: JWK[];
  fetchedAt: number;
}

const MAX_BODY = 1024 * 1024;
const MAX_KEYS = 100;

/**
 * Fetches an external issuer's signing keys the way Entra does: HTTPS GET of
 * `{issuer without trailing /}/.well-known/openid-configuration`, then its `jwks_uri`. Keys are cached;
 * a `kid` that is not in the cache triggers one refetch.
 */
export class OidcKeySource {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<CacheEntry>>();

  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly faults?: Faults;

  constructor(
    private readonly trustedCaPem: string[],
    private readonly now: () => number,
    o: { ttlMs?: number; timeoutMs?: number; faults?: Faults } = {},
  ) {
    this.ttlMs = o.ttlMs ?? 24 * 3_600_000;
    this.timeoutMs = o.timeoutMs ?? 5000;
    this.faults = o.faults;
  }

  /** Returns the key with this kid, refetching once when it is unknown; undefined when the issuer does not publish it. */
  async key(issuer: string, kid: string): Promise<JWK | undefined> {
    this.checkReachable(issuer);
    let entry = this.cache.get(issuer);
    let fresh = false;
    if (!entry || this.now() - entry.fetchedAt > this.ttlMs) {
      entry = await this.refresh(issuer);
      fresh = true;
    }
    let found = entry.keys.find((k) => k.kid === kid);
    if (!found && !fresh) {
      entry = await this.refresh(issuer);
      found = entry.keys.find((k) => k.kid === kid);
    }
    return found;
  }

  /**
   * An issuer-unreachable fault fails the fetch as a host that refuses connections would. It applies even when
   * keys are cached: real Entra keeps an issuer's keys for a while and may still accept assertions during a
   * short outage, but the lab lets users see the failure their app must handle (AADSTS50166) without waiting.
   */
  private checkReachable(issuer: string): void {
    const f = this.faults?.issuerUnreachable(issuer);
    if (!f) return;
    let host = issuer;
    try {
      host = new URL(issuer).host;
    } catch {
      // keep the issuer as given
    }
    const discoveryUrl = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
    this.faults!.affected({ fault: f, face: "entra", op: `GET ${discoveryUrl}`, detail: `issuer key fetch refused (connect ECONNREFUSED ${host})` });
    throw new OidcFetchError(
      `GET ${discoveryUrl}: connect ECONNREFUSED ${host} — wilab fault ${f.id} makes this issuer unreachable (real Entra may serve keys it cached for a while; the lab's fault bypasses the cache so the failure can be tested); clear it with 'wilab fault clear ${f.id}'`,
    );
  }

  private refresh(issuer: string): Promise<CacheEntry> {
    let p = this.inflight.get(issuer);
    if (!p) {
      p = this.fetchKeys(issuer).finally(() => this.inflight.delete(issuer));
      this.inflight.set(issuer, p);
    }
    return p;
  }

  private async fetchKeys(issuer: string): Promise<CacheEntry> {
    const discoveryUrl = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
    const discovery = (await this.getJson(discoveryUrl)) as { jwks_uri?: unknown };
    if (typeof discovery.jwks_uri !== "string") throw new OidcFetchError(`${discoveryUrl} has no jwks_uri`);
    const jwks = (await this.getJson(discovery.jwks_uri)) as { keys?: unknown };
    if (!Array.isArray(jwks.keys)) throw new OidcFetchError(`${discovery.jwks_uri} has no keys array`);
    const keys = (jwks.keys as JWK[]).filter((k) => k && typeof k === "object" && k.kty === "RSA").slice(0, MAX_KEYS);
    const entry = { keys, fetchedAt: this.now() };
    this.cache.set(issuer, entry);
    return entry;
  }

  private getJson(url: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        return reject(new OidcFetchError(`invalid URL ${url}`));
      }
      if (u.protocol !== "https:") return reject(new OidcFetchError(`${url} is not https`));
      const req = request(
        u,
        { method: "GET", ca: [...rootCertificates, ...this.trustedCaPem], timeout: this.timeoutMs, headers: { accept: "application/json" } },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            return reject(new OidcFetchError(`GET ${url} returned ${res.statusCode}`));
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY) {
              req.destroy(new OidcFetchError(`GET ${url}: body over ${MAX_BODY} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on("end", () => {
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
            } catch {
              reject(new OidcFetchError(`GET ${url}: not JSON`));
            }
          });
          res.on("error", (e) => reject(new OidcFetchError(`GET ${url}: ${e.message}`)));
        },
      );
      req.on("timeout", () => req.destroy(new OidcFetchError(`GET ${url}: timed out after ${this.timeoutMs} ms`)));
      req.on("error", (e) => reject(e instanceof OidcFetchError ? e : new OidcFetchError(`GET ${url}: ${fetchCause(e, u.hostname)}`)));
      req.end();
    });
  }
}

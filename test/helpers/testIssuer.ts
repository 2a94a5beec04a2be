import { createServer, type Server } from "node:https";
import { generateKeyPairSync, createHash, type KeyObject } from "node:crypto";
import { SignJWT, type JWTPayload } from "jose";
import type { Lab } from "../../src/index.js";

export interface TestIssuer {
  /** The issuer URL (ends without '/', like GitHub Actions'). */
  issuer: string;
  kid: string;
  /** Signs an assertion with the published key (or the given one). */
  sign(claims: JWTPayload, o?: { key?: KeyObject; kid?: string; header?: Record<string, unknown>; lifetimeS?: number; iat?: number }): Promise<string>;
  /** Publishes an additional key (a verifier that cached the old JWKS must refetch to find it). */
  rotate(): { kid: string; key: KeyObject };
  /** Makes discovery fail (HTTP 500) until called with false. */
  fail(on: boolean): void;
  stop(): Promise<void>;
}

function rsa(): { key: KeyObject; pub: KeyObject; kid: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("base64url");
  return { key: privateKey, pub: publicKey, kid };
}

/**
 * An external OIDC issuer served over HTTPS with a certificate from the lab CA, as GitHub Actions or a
 * real cluster would be: discovery document, JWKS, and RS256 assertions.
 */
export async function startTestIssuer(lab: Lab, o: { tls?: { certPem: string; keyPem: string } } = {}): Promise<TestIssuer> {
  const leaf = o.tls ?? (await lab.ctx.ca.issueLeaf(["localhost", "127.0.0.1"]));
  const published = [rsa()];
  let failing = false;
  let issuer = "";
  const server: Server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    if (failing) {
      res.writeHead(500).end();
      return;
    }
    if (req.url === "/.well-known/openid-configuration") {
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ issuer, jwks_uri: `${issuer}/keys`, response_types_supported: ["id_token"], subject_types_supported: ["public"], id_token_signing_alg_values_supported: ["RS256"] }),
      );
      return;
    }
    if (req.url === "/keys") {
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ keys: published.map((k) => ({ ...(k.pub.export({ format: "jwk" }) as object), kid: k.kid, use: "sig", alg: "RS256" })) }),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  issuer = `https://localhost:${port}`;
  return {
    issuer,
    get kid() {
      return published[0]!.kid;
    },
    async sign(claims, o = {}) {
      const now = Math.floor(lab.ctx.clock.now() / 1000);
      const iat = o.iat ?? now;
      const jwt = new SignJWT({ iss: issuer, aud: ["api://AzureADTokenExchange"], iat, nbf: iat, exp: iat + (o.lifetimeS ?? 3600), ...claims });
      jwt.setProtectedHeader({ alg: "RS256", kid: o.kid ?? published[0]!.kid, ...o.header });
      return jwt.sign(o.key ?? published[0]!.key);
    },
    rotate() {
      const k = rsa();
      published.push(k);
      return { kid: k.kid, key: k.key };
    },
    fail(on) {
      failing = on;
    },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// The peer of scenario 2: panva's oidc-provider (an OpenID-certified OP) set up for the same exchange as
// wilab's: client_credentials with private_key_jwt (an RS256 client assertion, verified against the client's
// registered JWKS) returning an RS256 JWT access token for a resource (resource indicators). It is served over
// HTTPS with the lab's TLS setup (LabCa.serverOptions), like wilab's token endpoint. Its own process.
// Env: BENCH_CA_DIR, BENCH_CLIENT_JWK (public JWK of the client key), BENCH_PORT. Prints "ready <port> <issuer>".
import { createServer } from "node:https";
import { generateKeyPairSync } from "node:crypto";
import Provider from "oidc-provider";
import { LabCa } from "../../dist/src/platform/tls.js";

const ca = await LabCa.loadOrCreate(process.env.BENCH_CA_DIR);
const tls = await ca.serverOptions(["localhost", "127.0.0.1", "::1"]);
const clientJwk = JSON.parse(process.env.BENCH_CLIENT_JWK);
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: "jwk" }), kid: "peer-sts", alg: "RS256", use: "sig" };

const server = createServer(tls);
await new Promise((r) => server.listen(Number(process.env.BENCH_PORT ?? 0), "127.0.0.1", r));
const port = server.address().port;
const issuer = `https://localhost:${port}`;
const RESOURCE = "https://vault.azure.net";

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "bench-client",
      token_endpoint_auth_method: "private_key_jwt",
      token_endpoint_auth_signing_alg: "RS256",
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
      jwks: { keys: [clientJwk] },
    },
  ],
  jwks: { keys: [signingJwk] },
  cookies: { keys: ["bench-cookie-key"] },
  enabledJWA: { clientAuthSigningAlgValues: ["RS256"] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource !== RESOURCE) throw new Error(`unknown resource ${resource}`);
        return { audience: RESOURCE, scope: "", accessTokenTTL: 3600, accessTokenFormat: "jwt", jwt: { sign: { alg: "RS256" } } };
      },
    },
  },
});
provider.on("server_error", (_ctx, err) => process.stderr.write(`oidc-provider server_error: ${err.stack}\n`));
server.on("request", provider.callback());
process.stdout.write(`ready ${port} ${issuer}\n`);
process.on("SIGTERM", () => server.close(() => process.exit(0)));

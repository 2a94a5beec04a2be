// Pre-signs client assertions for the oidc-provider peer (it refuses a replayed jti, so each request needs its
// own). Usage: node sign-assertions.mjs <pkcs8.pem> <client_id> <audience> <count> <out-file>
// Writes one form body per line: client_credentials + private_key_jwt, RS256 assertion, resource=vault.
import { readFileSync, writeFileSync } from "node:fs";
import { createPrivateKey, sign, randomUUID } from "node:crypto";

const [pemFile, clientId, aud, countS, out] = process.argv.slice(2);
const key = createPrivateKey(readFileSync(pemFile, "utf8"));
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
const header = b64({ alg: "RS256", kid: "bench-client", typ: "JWT" });
const now = Math.floor(Date.now() / 1000);
const lines = [];
for (let i = 0; i < Number(countS); i++) {
  const input = `${header}.${b64({ iss: clientId, sub: clientId, aud, jti: randomUUID(), iat: now, nbf: now, exp: now + 3600 })}`;
  const jwt = `${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`;
  lines.push(
    new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: jwt,
      resource: "https://vault.azure.net",
    }).toString(),
  );
}
writeFileSync(out, `${lines.join("\n")}\n`);

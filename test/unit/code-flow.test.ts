// The authorization code flow's pure rules: PKCE (RFC 7636 appendix B's vector), verifier syntax, and which
// redirect URIs the portal client may use on a lab origin (loopback ports ignored, as Entra does).
import { test } from "node:test";
import assert from "node:assert/strict";
import { pkceMatches, PORTAL_CALLBACK_PATH, PORTAL_CLIENT_ID, redirectUriAllowed, validVerifier } from "../../src/entra/codeFlow.js";
import { parseAuthorizeRequest } from "../../src/entra/authorize.js";

test("PKCE S256 and plain, with RFC 7636 appendix B's example", () => {
  const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  const rows: [v: string, c: string, m: "S256" | "plain", ok: boolean][] = [
    [verifier, challenge, "S256", true],
    [verifier, challenge.slice(0, -1) + "N", "S256", false],
    [verifier + "x", challenge, "S256", false],
    [verifier, verifier, "plain", true],
    [verifier, verifier, "S256", false],
    [verifier, challenge, "plain", false],
    ["", challenge, "S256", false],
  ];
  for (const [v, c, m, ok] of rows) assert.equal(pkceMatches(v, c, m), ok, `${v} ${c} ${m}`);
});

test("code_verifier syntax: 43–128 unreserved characters", () => {
  const rows: [string, boolean][] = [
    ["a".repeat(43), true],
    ["a".repeat(128), true],
    ["a".repeat(42), false],
    ["a".repeat(129), false],
    ["A-._~0".repeat(8), true],
    [`${"a".repeat(42)}+`, false],
    [`${"a".repeat(42)}/`, false],
    [`${"a".repeat(42)}=`, false],
    [`${"a".repeat(42)} `, false],
  ];
  for (const [v, ok] of rows) assert.equal(validVerifier(v), ok, v);
});

test("redirect URIs: the portal's callback on a lab origin, loopback ports ignored, nothing else", () => {
  const origins = ["https://localhost:8443", "https://login.microsoftonline.com"];
  const rows: [uri: string, client: string, ok: boolean][] = [
    [`https://localhost:8443${PORTAL_CALLBACK_PATH}`, PORTAL_CLIENT_ID, true],
    [`https://localhost:9999${PORTAL_CALLBACK_PATH}`, PORTAL_CLIENT_ID, true],
    [`https://localhost${PORTAL_CALLBACK_PATH}`, PORTAL_CLIENT_ID, true],
    [`https://login.microsoftonline.com${PORTAL_CALLBACK_PATH}`, PORTAL_CLIENT_ID, true],
    [`https://login.microsoftonline.com:444${PORTAL_CALLBACK_PATH}`, PORTAL_CLIENT_ID, false],
    [`http://localhost:8443${PORTAL_CALLBACK_PATH}`, PORTAL_CLIENT_ID, false],
    [`https://evil.example${PORTAL_CALLBACK_PATH}`, PORTAL_CLIENT_ID, false],
    [`https://localhost:8443/portal/other`, PORTAL_CLIENT_ID, false],
    [`https://localhost:8443${PORTAL_CALLBACK_PATH}?x=1`, PORTAL_CLIENT_ID, false],
    [`https://localhost:8443${PORTAL_CALLBACK_PATH}#f`, PORTAL_CLIENT_ID, false],
    [`https://localhost.evil.example${PORTAL_CALLBACK_PATH}`, PORTAL_CLIENT_ID, false],
    [`https://localhost:8443${PORTAL_CALLBACK_PATH}`, "04b07795-8ddb-461a-bbee-02f9e1bf7b46", false],
    ["not a url", PORTAL_CLIENT_ID, false],
    ["", PORTAL_CLIENT_ID, false],
  ];
  for (const [uri, client, ok] of rows) assert.equal(redirectUriAllowed(uri, client, origins), ok, uri);
});

test("authorize requests: which errors go back to the client and which stay on Entra's page", () => {
  const origins = ["https://localhost:8443"];
  const good = { client_id: PORTAL_CLIENT_ID, redirect_uri: `https://localhost:8443${PORTAL_CALLBACK_PATH}`, response_type: "code", scope: "openid", code_challenge: "x".repeat(43), code_challenge_method: "S256" };
  assert.equal(parseAuthorizeRequest(good, origins, "t").codeChallengeMethod, "S256");
  const rows: [change: Record<string, string | undefined>, code: number, redirectable: boolean][] = [
    [{ client_id: undefined }, 900144, false],
    [{ client_id: "00000000-0000-0000-0000-000000000000" }, 700016, false],
    [{ redirect_uri: "https://evil.example/portal/auth/callback" }, 50011, false],
    [{ response_mode: "fragment" }, 900144, false],
    [{ response_type: undefined }, 900144, true],
    [{ response_type: "token" }, 700054, true],
    [{ scope: undefined }, 900144, true],
    [{ code_challenge: undefined }, 9002325, true],
    [{ code_challenge_method: "S512" }, 50147, true],
  ];
  for (const [change, code, redirectable] of rows) {
    const q = { ...good, ...change };
    assert.throws(
      () => parseAuthorizeRequest(q, origins, "t"),
      (e: Error & { entra?: { code: number }; to?: unknown }) => e.entra?.code === code && (e.to !== undefined) === redirectable,
      JSON.stringify(change),
    );
  }
});

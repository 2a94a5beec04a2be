// refusalCode: the AADSTS code Entra's token endpoint answers when no credential trusts a token, in its order of
// checks (issuer, subject, audience). The integration test first-hour.test.ts checks it against the real sign-ins.
import { test } from "node:test";
import assert from "node:assert/strict";
import { refusalCode, type FicLike, type PresentedClaims } from "../../src/diagnose/index.js";

const ISSUER = "https://localhost:8443/k8s/c1/";
const SUBJECT = "system:serviceaccount:default:workload-identity-sa";
const AUD = "api://AzureADTokenExchange";
const TOKEN: PresentedClaims = { issuer: ISSUER, subject: SUBJECT, audiences: [AUD] };
const fic = (o: Partial<FicLike> = {}): FicLike => ({ name: "fic", issuer: ISSUER, subject: SUBJECT, audiences: [AUD], ...o });

const ROWS: [what: string, credentials: FicLike[], code: string][] = [
  ["no credentials at all", [], "AADSTS700211"],
  ["another issuer (the lab on another port)", [fic({ issuer: "https://localhost:9443/k8s/c1/" })], "AADSTS700211"],
  ["the issuer without its trailing slash", [fic({ issuer: ISSUER.slice(0, -1) })], "AADSTS700211"],
  ["another subject namespace", [fic({ subject: "system:serviceaccount:dev:workload-identity-sa" })], "AADSTS700213"],
  ["the subject in another case", [fic({ subject: SUBJECT.toUpperCase() })], "AADSTS7002138"],
  ["a trailing slash on the audience", [fic({ audiences: [`${AUD}/`] })], "AADSTS700212"],
  ["subject and audience both wrong: the subject is checked first", [fic({ subject: "system:serviceaccount:dev:x", audiences: ["x"] })], "AADSTS700213"],
  ["one credential with the issuer but another subject, one with the subject but another issuer", [fic({ subject: "system:serviceaccount:dev:x" }), fic({ issuer: "https://elsewhere/" })], "AADSTS700213"],
  ["the right subject under the issuer, only the audience wrong, beside a wrong-subject one", [fic({ subject: "system:serviceaccount:dev:x" }), fic({ audiences: ["api://other"] })], "AADSTS700212"],
];

test("refusalCode follows Entra's order of checks", () => {
  for (const [what, credentials, code] of ROWS) assert.equal(refusalCode(credentials, TOKEN), code, what);
});

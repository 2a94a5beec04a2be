// Federated identity credential and identity name rules, against reference §2.1 and §2.2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ficViolation, IDENTITY_NAME, type FicInput } from "../../src/arm/managedidentity/rules.js";

const ISSUER = "https://oidc.prod-aks.azure.com/00000000-0000-0000-0000-000000000001/";
const SUBJECT = "system:serviceaccount:default:workload-identity-sa";
const AUD = "api://AzureADTokenExchange";
const OK: FicInput = { issuer: ISSUER, subject: SUBJECT, audiences: [AUD] };

const MSG_MISSING = "The request format was unexpected. Federated Identity Credential must specify 'issuer', 'subject' and 'audience'.";
const MSG_ONE_AUDIENCE = "Federated identity credentials must have exactly one audience.";
const badName = (n: string) => `Federated Identity Credential name '${n}' is invalid.`;

// Name: ^[a-zA-Z0-9]{1}[a-zA-Z0-9-_]{2,119}$ (3–120 chars).
const NAME_ROWS: [name: string, valid: boolean][] = [
  ["fic", true],
  ["my-fic_1", true],
  ["1ab", true],
  ["ABC", true],
  ["a--", true],
  ["a__", true],
  ["a".repeat(120), true],
  ["a".repeat(121), false],
  ["ab", false],
  ["a", false],
  ["", false],
  ["-abc", false],
  ["_abc", false],
  ["a.b", false],
  ["a b c", false],
  ["fic/x", false],
  ["ficé", false],
  ["fic\n", false],
  ["fic*", false],
];
for (const [name, valid] of NAME_ROWS) {
  test(`ficViolation: name ${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}…(${name.length})` : name)} → ${valid ? "ok" : "invalid"}`, () => {
    assert.equal(ficViolation(name, OK), valid ? undefined : badName(name));
  });
}

const long = (prefix: string, total: number) => prefix + "a".repeat(total - prefix.length);

interface PropRow {
  label: string;
  input: FicInput;
  /** undefined = valid; a string = that exact message; true = some violation (reference text is [I]). */
  expected: string | undefined | true;
}
const PROP_ROWS: PropRow[] = [
  { label: "valid AKS credential", input: OK, expected: undefined },
  { label: "valid GitHub issuer without trailing /", input: { issuer: "https://token.actions.githubusercontent.com", subject: "repo:org/repo:ref:refs/heads/main", audiences: [AUD] }, expected: undefined },
  { label: "issuer missing", input: { subject: SUBJECT, audiences: [AUD] }, expected: MSG_MISSING },
  { label: "subject missing", input: { issuer: ISSUER, audiences: [AUD] }, expected: MSG_MISSING },
  { label: "audiences missing", input: { issuer: ISSUER, subject: SUBJECT }, expected: MSG_MISSING },
  { label: "all missing", input: {}, expected: MSG_MISSING },
  { label: "issuer null", input: { issuer: null, subject: SUBJECT, audiences: [AUD] }, expected: MSG_MISSING },
  { label: "subject null", input: { issuer: ISSUER, subject: null, audiences: [AUD] }, expected: MSG_MISSING },
  { label: "audiences null", input: { issuer: ISSUER, subject: SUBJECT, audiences: null }, expected: MSG_MISSING },
  { label: "issuer empty", input: { issuer: "", subject: SUBJECT, audiences: [AUD] }, expected: MSG_MISSING },
  { label: "subject empty", input: { issuer: ISSUER, subject: "", audiences: [AUD] }, expected: MSG_MISSING },
  { label: "two audiences", input: { ...OK, audiences: [AUD, "api://other"] }, expected: MSG_ONE_AUDIENCE },
  { label: "no audiences", input: { ...OK, audiences: [] }, expected: MSG_ONE_AUDIENCE },
  { label: "issuer 600 chars", input: { ...OK, issuer: long("https://issuer.example/", 600) }, expected: undefined },
  { label: "issuer 601 chars", input: { ...OK, issuer: long("https://issuer.example/", 601) }, expected: true },
  { label: "subject 600 chars", input: { ...OK, subject: long("s", 600) }, expected: undefined },
  { label: "subject 601 chars", input: { ...OK, subject: long("s", 601) }, expected: true },
  { label: "audience 600 chars", input: { ...OK, audiences: [long("api://", 600)] }, expected: undefined },
  { label: "audience 601 chars", input: { ...OK, audiences: [long("api://", 601)] }, expected: true },
  { label: "http issuer", input: { ...OK, issuer: "http://issuer.example/" }, expected: true },
  { label: "relative issuer", input: { ...OK, issuer: "issuer.example/abc" }, expected: true },
  { label: "issuer not a URL", input: { ...OK, issuer: "not a url" }, expected: true },
  { label: "wildcard subject (no wildcards outside flexible FIC)", input: { ...OK, subject: "system:serviceaccount:default:*" }, expected: true },
];
for (const row of PROP_ROWS) {
  test(`ficViolation: ${row.label} → ${row.expected === undefined ? "ok" : row.expected === true ? "violation" : JSON.stringify(row.expected)}`, () => {
    const got = ficViolation("fic", row.input);
    if (row.expected === true) {
      assert.equal(typeof got, "string", "expected a violation message");
      assert.notEqual(got, MSG_MISSING);
      assert.notEqual(got, MSG_ONE_AUDIENCE);
    } else {
      assert.equal(got, row.expected);
    }
  });
}

test("ficViolation: a bad name is reported with the name rule's text even when the body is also bad", () => {
  assert.equal(ficViolation("x", {}), badName("x"));
});

// Identity name: 3–128 chars, alphanumerics plus '-' and '_', starting with a letter or digit (reference §2.1).
const IDENTITY_ROWS: [name: string, valid: boolean][] = [
  ["id1", true],
  ["my_identity-1", true],
  ["9lives", true],
  ["a".repeat(128), true],
  ["a".repeat(129), false],
  ["ab", false],
  ["-id", false],
  ["_id", false],
  ["my.id", false],
  ["my id", false],
  ["", false],
];
for (const [name, valid] of IDENTITY_ROWS) {
  test(`IDENTITY_NAME ${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}…(${name.length})` : name)} → ${valid}`, () => {
    assert.equal(IDENTITY_NAME.test(name), valid);
  });
}

import { test } from "node:test";
import assert from "node:assert/strict";
import { checkApiVersion, checkSecretName, parseMetadata } from "../../src/keyvault/rules.js";
import { recoveryLevel } from "../../src/keyvault/bundle.js";
import { KeyVaultError } from "../../src/keyvault/KeyVaultError.js";
import { vaultNameValid } from "../../src/arm/keyvault/rules.js";
import type { VaultRecord } from "../../src/keyvault/index.js";

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof KeyVaultError);
    return `${err.status} ${err.code}`;
  }
}

test("vault names: 3-24 characters, a letter first, no trailing or double hyphen", () => {
  for (const ok of ["abc", "kv-1", "A1b2", "a".repeat(24), "my-vault-01"]) assert.ok(vaultNameValid(ok), ok);
  for (const bad of ["ab", "a".repeat(25), "1abc", "-abc", "abc-", "a--b", "a_b", "a.b", ""]) assert.ok(!vaultNameValid(bad), bad);
});

test("secret names: 1-127 of [0-9a-zA-Z-]", () => {
  assert.equal(checkSecretName("a"), "a");
  assert.equal(checkSecretName("A-1-" + "x".repeat(123)), "A-1-" + "x".repeat(123));
  for (const bad of ["", "a_b", "a b", "é", "x".repeat(128)]) assert.equal(code(() => checkSecretName(bad)), "400 BadParameter", bad);
});

test("api-version: required; 7.0-7.6, 2025-07-01 and previews accepted", () => {
  for (const v of ["7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01", "7.4-preview.1", "7.6-preview.2", "2016-10-01"]) assert.equal(checkApiVersion(v), v);
  for (const v of [undefined, "", "8.0", "7.7", "2025-07-02", "latest"]) assert.equal(code(() => checkApiVersion(v)), "400 BadParameter", String(v));
});

test("metadata: tags, contentType and attribute types are checked", () => {
  assert.deepEqual(parseMetadata({ contentType: "text/plain", tags: { a: "b" }, attributes: { enabled: false, nbf: 1, exp: 2.9 } }), {
    contentType: "text/plain",
    tags: { a: "b" },
    attributes: { enabled: false, nbf: 1, exp: 2 },
  });
  assert.equal(code(() => parseMetadata({ tags: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, "v"])) })), "400 BadParameter");
  assert.equal(code(() => parseMetadata({ tags: { a: 1 } })), "400 BadParameter");
  assert.equal(code(() => parseMetadata({ contentType: "x".repeat(256) })), "400 BadParameter");
  assert.equal(code(() => parseMetadata({ attributes: { exp: "tomorrow" } })), "400 BadParameter");
});

test("recoveryLevel follows retention and purge protection", () => {
  const v = (days: number, pp: boolean) => ({ enableSoftDelete: true, softDeleteRetentionInDays: days, enablePurgeProtection: pp }) as VaultRecord;
  assert.equal(recoveryLevel(v(90, false)), "Recoverable+Purgeable");
  assert.equal(recoveryLevel(v(90, true)), "Recoverable");
  assert.equal(recoveryLevel(v(7, false)), "CustomizedRecoverable+Purgeable");
  assert.equal(recoveryLevel(v(30, true)), "CustomizedRecoverable");
});

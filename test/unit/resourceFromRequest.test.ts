// Scope/resource parsing of the token endpoint, against reference §1.1, §1.2 rows 1–2 and §1.5 (`aud`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { resourceFromRequest, type TokenForm } from "../../src/entra/TokenEndpoint.js";
import { EntraError } from "../../src/entra/EntraError.js";

const OK_ROWS: [label: string, form: TokenForm, v1: boolean, resource: string][] = [
  ["vault scope", { scope: "https://vault.azure.net/.default" }, false, "https://vault.azure.net"],
  ["ARM scope", { scope: "https://management.azure.com/.default" }, false, "https://management.azure.com"],
  ["ARM legacy scope with double slash", { scope: "https://management.core.windows.net//.default" }, false, "https://management.core.windows.net/"],
  ["local vault scope with port", { scope: "https://vault.localhost:8443/.default" }, false, "https://vault.localhost:8443"],
  ["OIDC scopes after the resource are ignored", { scope: "https://vault.azure.net/.default openid profile offline_access" }, false, "https://vault.azure.net"],
  ["OIDC scopes before the resource are ignored", { scope: "openid profile offline_access https://management.azure.com/.default" }, false, "https://management.azure.com"],
  ["application id URI scope", { scope: "api://my-app/.default" }, false, "api://my-app"],
  ["GUID app id scope", { scope: "00000002-0000-0000-c000-000000000000/.default" }, false, "00000002-0000-0000-c000-000000000000"],
  ["v1 resource", { resource: "https://vault.azure.net" }, true, "https://vault.azure.net"],
  ["v1 resource with trailing slash is kept", { resource: "https://management.core.windows.net/" }, true, "https://management.core.windows.net/"],
  ["v1 endpoint with a v2 scope", { scope: "https://vault.azure.net/.default" }, true, "https://vault.azure.net"],
];
for (const [label, form, v1, resource] of OK_ROWS) {
  test(`resourceFromRequest: ${label} → ${resource}`, () => {
    assert.equal(resourceFromRequest(form, v1), resource);
  });
}

interface ErrRow {
  label: string;
  form: TokenForm;
  v1: boolean;
  code: number;
  error: string;
  status: number;
  /** Text the message must contain. */
  text?: string;
}
const ERR_ROWS: ErrRow[] = [
  {
    label: "scope without /.default",
    form: { scope: "https://vault.azure.net" },
    v1: false,
    code: 1002012,
    error: "invalid_scope",
    status: 400,
    text: "The provided value for scope https://vault.azure.net is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
  },
  { label: "delegated-style permission scope", form: { scope: "https://vault.azure.net/user_impersonation" }, v1: false, code: 1002012, error: "invalid_scope", status: 400 },
  { label: "application id URI without /.default", form: { scope: "api://AzureADTokenExchange" }, v1: false, code: 1002012, error: "invalid_scope", status: 400 },
  { label: "GUID resource with a named permission", form: { scope: "6a8b4b39-c021-437c-b060-5a14a3fd65f3/full_access" }, v1: false, code: 1002012, error: "invalid_scope", status: 400 },
  // Only OIDC scopes: no /.default at all. Real Entra answers 1002012 ("The provided value for scope openid is not
  // valid. Client credential flows must have a scope value with /.default suffixed ...", ctron/oidc-cli#7).
  { label: "only 'openid'", form: { scope: "openid" }, v1: false, code: 1002012, error: "invalid_scope", status: 400 },
  {
    label: "two resources",
    form: { scope: "https://vault.azure.net/.default https://management.azure.com/.default" },
    v1: false,
    code: 70011,
    error: "invalid_scope",
    status: 400,
    text: "The provided value for the input parameter 'scope' is not valid.",
  },
  { label: "two resources plus OIDC scopes", form: { scope: "openid https://vault.azure.net/.default https://management.azure.com/.default" }, v1: false, code: 70011, error: "invalid_scope", status: 400 },
  {
    label: "no scope",
    form: {},
    v1: false,
    code: 900144,
    error: "invalid_request",
    status: 400,
    text: "The request body must contain the following parameter: 'scope'.",
  },
  { label: "v2 endpoint ignores a v1 resource", form: { resource: "https://vault.azure.net" }, v1: false, code: 900144, error: "invalid_request", status: 400, text: "'scope'" },
];
for (const row of ERR_ROWS) {
  test(`resourceFromRequest: ${row.label} → AADSTS${row.code}`, () => {
    assert.throws(
      () => resourceFromRequest(row.form, row.v1),
      (err: unknown) => {
        assert.ok(err instanceof EntraError, `expected an EntraError, got ${String(err)}`);
        assert.equal(err.code, row.code);
        assert.equal(err.error, row.error);
        assert.equal(err.status, row.status);
        if (row.text) assert.ok(err.message.includes(row.text), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(row.text)}`);
        return true;
      },
    );
  });
}

// RBAC evaluation and built-in roles, against reference/entra-arm-keyvault.md §3.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  actionMatches,
  authorize,
  BUILT_IN_ROLES,
  foldScope,
  roleByGuid,
  roleByName,
  roleGuidOf,
  scopeCovers,
  type RoleAssignmentRecord,
  type RoleDefinition,
} from "../../src/rbac/index.js";

const KV = "Microsoft.KeyVault/vaults";
const SUB = "/subscriptions/00000000-0000-0000-0000-000000000001";
const RG = `${SUB}/resourceGroups/rg`;
const VAULT = `${RG}/providers/Microsoft.KeyVault/vaults/v`;
const SECRET = `${VAULT}/secrets/x`;

// §3.2 secret operation → dataAction.
const OP = {
  get: `${KV}/secrets/getSecret/action`,
  list: `${KV}/secrets/readMetadata/action`,
  set: `${KV}/secrets/setSecret/action`,
  update: `${KV}/secrets/update/action`,
  delete: `${KV}/secrets/delete`,
  recover: `${KV}/secrets/recover/action`,
  backup: `${KV}/secrets/backup/action`,
  restore: `${KV}/secrets/restore/action`,
  purge: `${KV}/secrets/purge/action`,
} as const;
type Op = keyof typeof OP;
const ALL_OPS = Object.keys(OP) as Op[];

// §3.2 role table: GUIDs.
const ROLE_GUIDS: [string, string][] = [
  ["Key Vault Administrator", "00482a5a-887f-4fb3-b363-3b7fe8e74483"],
  ["Key Vault Secrets Officer", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"],
  ["Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6"],
  ["Key Vault Reader", "21090545-7ca7-4776-b22c-e363652d74d2"],
  ["Key Vault Certificates Officer", "a4417e6f-fecd-4de8-b567-7b0420556985"],
  ["Key Vault Certificate User", "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba"],
  ["Key Vault Crypto Officer", "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"],
  ["Key Vault Crypto User", "12338af0-0e69-4776-bea7-57ae8d297424"],
  ["Key Vault Crypto Service Encryption User", "e147488a-f6f5-4113-8e2d-b22465e65bf6"],
  ["Key Vault Crypto Service Release User", "08bbd89e-9f13-488c-ac41-acfcb10c90ab"],
  ["Key Vault Data Access Administrator", "8b54135c-b56d-4d72-a534-26097cfdc8d8"],
  ["Key Vault Contributor", "f25e0fa2-a7c8-4377-a976-54943a77a395"],
  ["Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"],
  ["Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"],
  ["Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"],
  ["User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"],
  ["Managed Identity Contributor", "e40ec5ca-96e0-45a2-b4ff-59039f2c2b59"],
  ["Managed Identity Operator", "f1a07417-d97a-45cb-824c-7a7467783830"],
];

// §3.2 role table: dataActions, with `kv/` expanded.
const ROLE_DATA_ACTIONS: [string, string[]][] = [
  ["Key Vault Administrator", [`${KV}/*`]],
  ["Key Vault Secrets Officer", [`${KV}/secrets/*`]],
  ["Key Vault Secrets User", [`${KV}/secrets/getSecret/action`, `${KV}/secrets/readMetadata/action`]],
  ["Key Vault Reader", [`${KV}/*/read`, `${KV}/secrets/readMetadata/action`]],
  ["Key Vault Certificates Officer", [`${KV}/certificatecas/*`, `${KV}/certificates/*`, `${KV}/certificatecontacts/write`]],
  ["Key Vault Certificate User", [`${KV}/certificates/read`, `${KV}/secrets/getSecret/action`, `${KV}/secrets/readMetadata/action`, `${KV}/keys/read`]],
  ["Key Vault Crypto Officer", [`${KV}/keys/*`, `${KV}/keyrotationpolicies/*`]],
  [
    "Key Vault Crypto User",
    [`${KV}/keys/read`, ...["update", "backup", "encrypt", "decrypt", "wrap", "unwrap", "sign", "verify"].map((a) => `${KV}/keys/${a}/action`)],
  ],
  ["Key Vault Crypto Service Encryption User", [`${KV}/keys/read`, `${KV}/keys/wrap/action`, `${KV}/keys/unwrap/action`]],
  ["Key Vault Crypto Service Release User", [`${KV}/keys/release/action`]],
  ["Key Vault Data Access Administrator", []],
  ["Key Vault Contributor", []],
  ["Owner", []],
  ["Contributor", []],
  ["Reader", []],
  ["User Access Administrator", []],
  ["Managed Identity Contributor", []],
  ["Managed Identity Operator", []],
];

function guidOf(roleName: string): string {
  const row = ROLE_GUIDS.find(([n]) => n === roleName);
  assert.ok(row, `test table has no GUID for ${roleName}`);
  return row[1];
}

function assignment(roleName: string, scope: string, principalId = "p1", name = "a1"): RoleAssignmentRecord {
  return {
    name,
    scope,
    roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guidOf(roleName)}`,
    principalId,
    principalType: "ServicePrincipal",
    description: null,
    condition: null,
    conditionVersion: null,
    createdOn: "2023-08-23T12:47:46.5507039Z",
    updatedOn: "2023-08-23T12:47:46.5507039Z",
    createdBy: null,
    updatedBy: null,
  };
}

// ---------------------------------------------------------------- actionMatches
const ACTION_ROWS: [pattern: string, action: string, expected: boolean][] = [
  ["*", OP.get, true],
  ["*", "Microsoft.Resources/subscriptions/resourceGroups/read", true],
  [`${KV}/*`, OP.get, true],
  [`${KV}/*`, `${KV}/keys/sign/action`, true],
  [`${KV}/secrets/*`, OP.purge, true],
  [`${KV}/secrets/*`, OP.delete, true],
  [`${KV}/secrets/*`, `${KV}/keys/read`, false],
  [OP.get, OP.get, true],
  [OP.get, OP.set, false],
  // case-insensitive (§3.3 step 4)
  [OP.get.toLowerCase(), OP.get, true],
  [OP.get, OP.get.toUpperCase(), true],
  ["microsoft.keyvault/VAULTS/secrets/*", OP.set, true],
  ["Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write", true],
  ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/roleAssignments/delete", true],
  ["Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/read", false],
  // `*` in the middle
  ["*/read", "Microsoft.KeyVault/vaults/read", true],
  ["*/read", "Microsoft.KeyVault/vaults/write", false],
  [`${KV}/*/read`, `${KV}/keys/read`, true],
  [`${KV}/*/read`, OP.get, false],
  // no implicit prefix match without a wildcard
  [`${KV}/secrets/getSecret`, OP.get, false],
  [`${KV}/secrets`, OP.get, false],
  // the pattern is not a regular expression: '.' is literal
  ["Microsoft.KeyVault/*", "MicrosoftXKeyVault/vaults/secrets/getSecret/action", false],
  [OP.get, OP.get.replace(".", "X"), false],
  // anchored at both ends
  [`${KV}/secrets/*`, `x${KV}/secrets/getSecret/action`, false],
  ["*/read", "Microsoft.KeyVault/vaults/read/extra", false],
];
for (const [pattern, action, expected] of ACTION_ROWS) {
  test(`actionMatches(${pattern}, ${action}) → ${expected}`, () => {
    assert.equal(actionMatches(pattern, action), expected);
  });
}

// ---------------------------------------------------------------- foldScope
const FOLD_ROWS: [string, string][] = [
  ["/", "/"],
  ["/subscriptions/S", "/subscriptions/s"],
  ["/subscriptions/S/", "/subscriptions/s"],
  ["/Subscriptions/s/resourceGroups/RG/providers/Microsoft.KeyVault/vaults/V", "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/v"],
];
for (const [input, expected] of FOLD_ROWS) {
  test(`foldScope(${input}) → ${expected}`, () => {
    assert.equal(foldScope(input), expected);
  });
}

// ---------------------------------------------------------------- scopeCovers
const COVER_ROWS: [scope: string, target: string, expected: boolean][] = [
  // §3.3 step 3: `/`, subscription, RG, vault, or the secret itself
  ["/", SECRET, true],
  ["/", "/subscriptions/s", true],
  ["/subscriptions/s", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v/secrets/x", true],
  ["/subscriptions/s/resourceGroups/rg", "/subscriptions/s/resourcegroups/RG/providers/Microsoft.KeyVault/vaults/v/secrets/x", true],
  ["/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v", "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/V/secrets/x", true],
  ["/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v/secrets/x", "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/v/secrets/X", true],
  ["/subscriptions/s/resourceGroups/rg", "/subscriptions/s/resourceGroups/rg", true],
  ["/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v", true],
  ["/subscriptions/s/resourceGroups/rg/", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v", true],
  // path-segment prefix, not string prefix
  ["/subscriptions/s/resourceGroups/rg", "/subscriptions/s/resourceGroups/rg2", false],
  ["/subscriptions/s/resourceGroups/rg", "/subscriptions/s/resourceGroups/rg2/providers/Microsoft.KeyVault/vaults/v/secrets/x", false],
  ["/subscriptions/s", "/subscriptions/s2/resourceGroups/rg", false],
  ["/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v2/secrets/x", false],
  ["/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v/secrets/x", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v/secrets/x2", false],
  // an assignment below the target does not cover it
  ["/subscriptions/s/resourceGroups/rg", "/subscriptions/s", false],
  ["/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v/secrets/x", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v", false],
  ["/subscriptions/s", "/", false],
  // other resource groups and subscriptions
  ["/subscriptions/s/resourceGroups/rg", "/subscriptions/t/resourceGroups/rg", false],
];
for (const [scope, target, expected] of COVER_ROWS) {
  test(`scopeCovers(${scope}, ${target}) → ${expected}`, () => {
    assert.equal(scopeCovers(scope, target), expected);
  });
}

// ---------------------------------------------------------------- built-in roles
for (const [roleName, guid] of ROLE_GUIDS) {
  test(`built-in role ${roleName} has GUID ${guid}`, () => {
    const byGuid = roleByGuid(guid);
    assert.ok(byGuid, `roleByGuid(${guid}) found nothing`);
    assert.equal(byGuid.roleName, roleName);
    assert.equal(roleByName(roleName)?.name, guid);
    assert.equal(roleByName(roleName.toUpperCase())?.name, guid, "role names compare case-insensitively");
    assert.equal(roleByGuid(guid.toUpperCase())?.roleName, roleName, "GUIDs compare case-insensitively");
  });
}

for (const [roleName, dataActions] of ROLE_DATA_ACTIONS) {
  test(`built-in role ${roleName} has dataActions ${JSON.stringify(dataActions)} and no notDataActions`, () => {
    const role = roleByName(roleName);
    assert.ok(role, `roleByName(${roleName}) found nothing`);
    const got = role.permissions.flatMap((p) => p.dataActions).map((a) => a.toLowerCase()).sort();
    assert.deepEqual(got, dataActions.map((a) => a.toLowerCase()).sort());
    assert.deepEqual(role.permissions.flatMap((p) => p.notDataActions), []);
  });
}

test("every built-in role is one of the reference's roles, with a unique GUID", () => {
  const names = new Set(ROLE_GUIDS.map(([n]) => n));
  for (const r of BUILT_IN_ROLES) assert.ok(names.has(r.roleName), `unexpected role ${r.roleName}`);
  assert.equal(new Set(BUILT_IN_ROLES.map((r) => r.name)).size, BUILT_IN_ROLES.length);
});

const ROLE_ID_ROWS: [string, string][] = [
  [`${SUB}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`, "4633458b-17de-408a-b874-0445c86b69e6"],
  ["/providers/Microsoft.Authorization/roleDefinitions/4633458B-17DE-408A-B874-0445C86B69E6", "4633458b-17de-408a-b874-0445c86b69e6"],
];
for (const [id, expected] of ROLE_ID_ROWS) {
  test(`roleGuidOf(${id}) → ${expected}`, () => {
    assert.equal(roleGuidOf(id), expected);
  });
}

// ---------------------------------------------------------------- role × secret operation (data plane)
// §3.2: Owner/Contributor/Reader grant no data action; Secrets User gets get + list; Secrets Officer everything
// on secrets; Key Vault Administrator everything; Key Vault Reader only metadata.
const SECRET_MATRIX: [roleName: string, allowed: Op[]][] = [
  ["Key Vault Administrator", ALL_OPS],
  ["Key Vault Secrets Officer", ALL_OPS],
  ["Key Vault Secrets User", ["get", "list"]],
  ["Key Vault Reader", ["list"]],
  ["Key Vault Certificate User", ["get", "list"]],
  ["Key Vault Certificates Officer", []],
  ["Key Vault Crypto Officer", []],
  ["Key Vault Crypto User", []],
  ["Key Vault Crypto Service Encryption User", []],
  ["Key Vault Crypto Service Release User", []],
  ["Key Vault Data Access Administrator", []],
  ["Key Vault Contributor", []],
  ["Owner", []],
  ["Contributor", []],
  ["Reader", []],
  ["User Access Administrator", []],
  ["Managed Identity Contributor", []],
  ["Managed Identity Operator", []],
];
for (const [roleName, allowed] of SECRET_MATRIX) {
  for (const op of ALL_OPS) {
    const expected = allowed.includes(op);
    test(`${roleName} at vault scope ${expected ? "may" : "may not"} ${op} a secret (${OP[op]})`, () => {
      const d = authorize([assignment(roleName, VAULT)], "p1", OP[op], SECRET, "dataAction");
      assert.equal(d.allowed, expected);
    });
  }
}

// Other data actions, role → action → expected.
const DATA_ROWS: [roleName: string, action: string, expected: boolean][] = [
  ["Key Vault Administrator", `${KV}/keys/sign/action`, true],
  ["Key Vault Administrator", `${KV}/certificates/read`, true],
  ["Key Vault Reader", `${KV}/keys/read`, true],
  ["Key Vault Reader", `${KV}/certificates/read`, true],
  ["Key Vault Reader", `${KV}/keys/sign/action`, false],
  ["Key Vault Certificate User", `${KV}/keys/read`, true],
  ["Key Vault Certificate User", `${KV}/certificates/read`, true],
  ["Key Vault Certificate User", `${KV}/certificates/delete`, false],
  ["Key Vault Certificates Officer", `${KV}/certificates/delete`, true],
  ["Key Vault Certificates Officer", `${KV}/certificatecontacts/write`, true],
  ["Key Vault Certificates Officer", `${KV}/keys/read`, false],
  ["Key Vault Crypto Officer", `${KV}/keys/create/action`, true],
  ["Key Vault Crypto Officer", `${KV}/keyrotationpolicies/write`, true],
  ["Key Vault Crypto User", `${KV}/keys/sign/action`, true],
  ["Key Vault Crypto User", `${KV}/keys/decrypt/action`, true],
  ["Key Vault Crypto User", `${KV}/keys/release/action`, false],
  ["Key Vault Crypto User", `${KV}/keys/delete`, false],
  ["Key Vault Crypto Service Encryption User", `${KV}/keys/wrap/action`, true],
  ["Key Vault Crypto Service Encryption User", `${KV}/keys/sign/action`, false],
  ["Key Vault Crypto Service Release User", `${KV}/keys/release/action`, true],
  ["Key Vault Crypto Service Release User", `${KV}/keys/wrap/action`, false],
  ["Key Vault Secrets Officer", `${KV}/keys/read`, false],
  ["Owner", `${KV}/keys/read`, false],
];
for (const [roleName, action, expected] of DATA_ROWS) {
  test(`${roleName} dataAction ${action} → ${expected}`, () => {
    assert.equal(authorize([assignment(roleName, VAULT)], "p1", action, SECRET, "dataAction").allowed, expected);
  });
}

// Control-plane actions (`actions`), from the built-in role definitions (azure-docs built-in-roles).
const RA_WRITE = "Microsoft.Authorization/roleAssignments/write";
const RA_DELETE = "Microsoft.Authorization/roleAssignments/delete";
const CONTROL_ROWS: [roleName: string, action: string, expected: boolean][] = [
  ["Owner", RA_WRITE, true],
  ["Owner", RA_DELETE, true],
  ["Owner", "Microsoft.KeyVault/vaults/write", true],
  ["Contributor", RA_WRITE, false],
  ["Contributor", RA_DELETE, false],
  ["Contributor", "Microsoft.Authorization/roleAssignments/read", true],
  ["Contributor", "Microsoft.KeyVault/vaults/write", true],
  ["Contributor", "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write", true],
  ["Reader", "Microsoft.KeyVault/vaults/read", true],
  ["Reader", "Microsoft.KeyVault/vaults/write", false],
  ["Reader", RA_WRITE, false],
  ["User Access Administrator", RA_WRITE, true],
  ["User Access Administrator", "Microsoft.KeyVault/vaults/write", false],
  ["Key Vault Contributor", "Microsoft.KeyVault/vaults/write", true],
  ["Key Vault Contributor", RA_WRITE, false],
  ["Key Vault Data Access Administrator", RA_WRITE, true],
  ["Key Vault Secrets User", "Microsoft.KeyVault/vaults/write", false],
  ["Key Vault Administrator", RA_WRITE, false],
  ["Managed Identity Contributor", "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write", true],
  ["Managed Identity Contributor", RA_WRITE, false],
];
for (const [roleName, action, expected] of CONTROL_ROWS) {
  test(`${roleName} action ${action} → ${expected}`, () => {
    assert.equal(authorize([assignment(roleName, RG)], "p1", action, VAULT, "action").allowed, expected);
  });
}

test("a data action is not granted by a matching control-plane action (Owner's actions '*')", () => {
  assert.equal(authorize([assignment("Owner", "/")], "p1", OP.get, SECRET, "dataAction").allowed, false);
});

test("a control-plane action is not granted by a matching data action (Key Vault Administrator's dataActions kv/*)", () => {
  assert.equal(authorize([assignment("Key Vault Administrator", RG)], "p1", "Microsoft.KeyVault/vaults/write", VAULT, "action").allowed, false);
});

// ---------------------------------------------------------------- authorize: scope and principal selection
interface AuthRow {
  name: string;
  assignments: RoleAssignmentRecord[];
  principal: string;
  action: string;
  target: string;
  allowed: boolean;
  /** The name of the assignment that must be reported as granting. */
  via?: string;
}
const SU = "Key Vault Secrets User";
const AUTH_ROWS: AuthRow[] = [
  { name: "no assignments", assignments: [], principal: "p1", action: OP.get, target: SECRET, allowed: false },
  { name: "root scope", assignments: [assignment(SU, "/")], principal: "p1", action: OP.get, target: SECRET, allowed: true, via: "a1" },
  { name: "subscription scope", assignments: [assignment(SU, SUB)], principal: "p1", action: OP.get, target: SECRET, allowed: true, via: "a1" },
  {
    name: "RG scope, target spelled with resourcegroups/RG",
    assignments: [assignment(SU, "/subscriptions/s/resourceGroups/rg")],
    principal: "p1",
    action: OP.get,
    target: "/subscriptions/s/resourcegroups/RG/providers/Microsoft.KeyVault/vaults/v/secrets/x",
    allowed: true,
    via: "a1",
  },
  {
    name: "RG scope does not reach rg2",
    assignments: [assignment(SU, "/subscriptions/s/resourceGroups/rg")],
    principal: "p1",
    action: OP.get,
    target: "/subscriptions/s/resourceGroups/rg2/providers/Microsoft.KeyVault/vaults/v/secrets/x",
    allowed: false,
  },
  { name: "vault scope", assignments: [assignment(SU, VAULT)], principal: "p1", action: OP.get, target: SECRET, allowed: true, via: "a1" },
  { name: "secret scope, same secret", assignments: [assignment(SU, SECRET)], principal: "p1", action: OP.get, target: SECRET, allowed: true, via: "a1" },
  { name: "secret scope, other secret", assignments: [assignment(SU, SECRET)], principal: "p1", action: OP.get, target: `${VAULT}/secrets/y`, allowed: false },
  { name: "secret scope, name-prefix secret", assignments: [assignment(SU, SECRET)], principal: "p1", action: OP.get, target: `${SECRET}2`, allowed: false },
  { name: "other vault", assignments: [assignment(SU, VAULT)], principal: "p1", action: OP.get, target: `${VAULT}2/secrets/x`, allowed: false },
  { name: "other principal", assignments: [assignment(SU, VAULT, "p2")], principal: "p1", action: OP.get, target: SECRET, allowed: false },
  { name: "Secrets User cannot set", assignments: [assignment(SU, VAULT)], principal: "p1", action: OP.set, target: SECRET, allowed: false },
  {
    name: "the granting assignment is reported when an earlier one does not grant",
    assignments: [assignment("Reader", VAULT, "p1", "reader"), assignment(SU, VAULT, "p2", "other"), assignment("Key Vault Secrets Officer", RG, "p1", "officer")],
    principal: "p1",
    action: OP.set,
    target: SECRET,
    allowed: true,
    via: "officer",
  },
  {
    name: "roles add up across assignments (Reader + Secrets User → get)",
    assignments: [assignment("Reader", SUB, "p1", "r"), assignment(SU, SECRET, "p1", "su")],
    principal: "p1",
    action: OP.get,
    target: SECRET,
    allowed: true,
    via: "su",
  },
  {
    name: "unknown role definition grants nothing",
    assignments: [{ ...assignment(SU, VAULT), roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/11111111-1111-1111-1111-111111111111` }],
    principal: "p1",
    action: OP.get,
    target: SECRET,
    allowed: false,
  },
  {
    name: "role definition id with an upper-case GUID",
    assignments: [{ ...assignment(SU, VAULT), roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/4633458B-17DE-408A-B874-0445C86B69E6` }],
    principal: "p1",
    action: OP.get,
    target: SECRET,
    allowed: true,
    via: "a1",
  },
];
for (const row of AUTH_ROWS) {
  test(`authorize: ${row.name} → ${row.allowed ? "allowed" : "denied"}`, () => {
    const d = authorize(row.assignments, row.principal, row.action, row.target, "dataAction");
    assert.equal(d.allowed, row.allowed);
    if (row.allowed) assert.equal(d.assignment?.name, row.via);
    else assert.equal(d.assignment, undefined);
  });
}

// §3.3 step 4: a role grants if one of its dataActions matches and none of its own notDataActions matches;
// allow if any role grants.
const CUSTOM_ID = "99999999-9999-9999-9999-999999999999";
const CUSTOM: RoleDefinition = {
  name: CUSTOM_ID,
  roleName: "Secrets but no purge",
  description: "custom",
  permissions: [{ actions: [], notActions: [], dataActions: [`${KV}/secrets/*`], notDataActions: [`${KV}/secrets/purge/action`] }],
};
function resolveCustom(guid: string): RoleDefinition | undefined {
  return guid === CUSTOM_ID ? CUSTOM : roleByGuid(guid);
}
const customAssignment: RoleAssignmentRecord = {
  ...assignment(SU, VAULT, "p1", "custom"),
  roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${CUSTOM_ID}`,
};
const NOT_DATA_ROWS: [label: string, assignments: RoleAssignmentRecord[], op: Op, expected: boolean][] = [
  ["custom role grants set", [customAssignment], "set", true],
  ["custom role's notDataActions exclude purge", [customAssignment], "purge", false],
  ["another role that grants purge still allows it", [customAssignment, assignment("Key Vault Administrator", VAULT, "p1", "admin")], "purge", true],
];
for (const [label, assignments, op, expected] of NOT_DATA_ROWS) {
  test(`authorize with notDataActions: ${label} → ${expected}`, () => {
    assert.equal(authorize(assignments, "p1", OP[op], SECRET, "dataAction", resolveCustom).allowed, expected);
  });
}

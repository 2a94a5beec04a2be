// The RBAC grant cache behind Key Vault's data-plane access check (src/rbac/decisionCache.ts, used by
// src/keyvault/access.ts): a cached allow never outlives a deleted assignment, a new assignment is seen at once,
// a pending one becomes effective when the lab clock passes the propagation delay, and faults that change the
// delay are honoured. No durations are asserted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SqliteStore } from "../../src/store/SqliteStore.js";
import { LabClock } from "../../src/platform/clock.js";
import { Faults } from "../../src/platform/faults.js";
import type { LabContext } from "../../src/platform/index.js";
import { MAX_CACHED_GRANTS, RbacGrants, RoleAssignments, type RoleAssignmentRecord } from "../../src/rbac/index.js";
import { decideAccess } from "../../src/keyvault/access.js";
import { SECRET_OPERATIONS, type KvOperation } from "../../src/keyvault/ops/index.js";
import type { VaultRecord } from "../../src/keyvault/Vaults.js";
import type { AccessTokenClaims } from "../../src/entra/index.js";

const SUB = "00000000-0000-0000-0000-000000000001";
const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1`;
const OID = "11111111-2222-3333-4444-555555555555";
const SECRETS_USER = "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6";
const GET = SECRET_OPERATIONS.find((o) => o.operationName === "SecretGet" && o.url === "/secrets/:name")!;
const SET = SECRET_OPERATIONS.find((o) => o.operationName === "SecretSet")!;

function lab(rbacPropagationMs = 0) {
  const store = new SqliteStore(":memory:");
  const clock = new LabClock();
  const faults = new Faults(() => clock.now());
  const ctx = { store, clock, faults, config: { rbacPropagationMs } } as unknown as LabContext;
  return { store, clock, faults, ctx };
}

const vault = { id: VAULT_ID, name: "kv1", location: "westeurope", tenantId: "t", enableRbacAuthorization: true, accessPolicies: [] } as unknown as VaultRecord;
const claims = { oid: OID, tid: "t", appid: "app", iss: "https://sts.windows.net/t/" } as unknown as AccessTokenClaims;

function assignment(name: string, createdOn: Date, scope = VAULT_ID): RoleAssignmentRecord {
  const t = createdOn.toISOString();
  return { name, scope, roleDefinitionId: `/subscriptions/${SUB}${SECRETS_USER}`, principalId: OID, principalType: "ServicePrincipal", description: null, condition: null, conditionVersion: null, createdOn: t, updatedOn: t, createdBy: null, updatedBy: null };
}

type Lab = ReturnType<typeof lab>;
const decide = (l: Lab, op: KvOperation = GET, secret = "s1") => (op.write ? l.store.write.bind(l.store) : l.store.read.bind(l.store))((tx) => decideAccess(l.ctx, tx, vault, claims, op, secret));
const allowed = async (l: Lab, op: KvOperation = GET, secret = "s1") => (await decide(l, op, secret)).error === undefined;
const generation = (l: Lab) => l.store.read(async (tx) => RbacGrants.generation(tx));

test("a cached allow does not outlive the deletion of its role assignment", async () => {
  const l = lab();
  await l.store.write((tx) => RoleAssignments.put(tx, assignment("a1", l.clock.date())));
  assert.equal(await allowed(l), true);
  assert.equal(await allowed(l), true, "second decision (from the cache)");
  const g = await generation(l);
  await l.store.write((tx) => RoleAssignments.delete(tx, VAULT_ID, "a1"));
  assert.ok((await generation(l)) > g, "deleting an assignment bumps the generation");
  const d = await decide(l);
  assert.equal(d.error?.status, 403);
  assert.match(d.authorization.deniedReason ?? "", /no role assigned/);
  await l.store.close();
});

test("a role assignment created after a denial grants at once (denials are not cached)", async () => {
  const l = lab();
  assert.equal(await allowed(l), false);
  await l.store.write((tx) => RoleAssignments.put(tx, assignment("a1", l.clock.date())));
  assert.equal(await allowed(l), true);
  await l.store.close();
});

test("the cached grant names the same assignment and role as a fresh decision", async () => {
  const l = lab();
  await l.store.write((tx) => RoleAssignments.put(tx, assignment("a1", l.clock.date(), `/subscriptions/${SUB}`)));
  const first = await decide(l);
  const second = await decide(l);
  assert.deepEqual(second, first);
  assert.equal(first.authorization.roleDefinitionName, "Key Vault Secrets User");
  assert.match(first.authorization.roleAssignmentId ?? "", /\/roleAssignments\/a1$/);
  await l.store.close();
});

test("a pending assignment becomes effective when the lab clock passes the propagation delay", async () => {
  const l = lab(60_000);
  await l.store.write((tx) => RoleAssignments.put(tx, assignment("a1", l.clock.date())));
  const pending = await decide(l);
  assert.equal(pending.error?.status, 403);
  assert.match(pending.authorization.deniedReason ?? "", /still propagating/);
  assert.equal(await allowed(l), false, "still pending on the second try");
  l.clock.advance(60_000);
  assert.equal(await allowed(l), true, "effective once the clock passed createdOn + delay");
  assert.equal(await allowed(l), true);
  l.clock.set(0);
  assert.equal(await allowed(l), false, "a clock set back before the grant was decided re-evaluates (pending again)");
  await l.store.close();
});

test("a propagation fault that sets or clears the RBAC delay is honoured by cached grants", async () => {
  const l = lab();
  await l.store.write((tx) => RoleAssignments.put(tx, assignment("a1", l.clock.date())));
  assert.equal(await allowed(l), true);
  const f = l.faults.add({ kind: "propagation", rbacMs: 300_000 });
  const d = await decide(l);
  assert.equal(d.error?.status, 403, "with a 5-minute delay the fresh assignment is pending again");
  assert.match(d.authorization.deniedReason ?? "", new RegExp(`set by wilab fault ${f.id}`));
  l.faults.clear();
  assert.equal(await allowed(l), true);
  await l.store.close();
});

test("grants are per (principal, scope, data action) and per store", async () => {
  const l = lab();
  const other = lab();
  await l.store.write((tx) => RoleAssignments.put(tx, assignment("a1", l.clock.date(), `${VAULT_ID}/secrets/s1`)));
  assert.equal(await allowed(l, GET, "s1"), true);
  assert.equal(await allowed(l, GET, "s2"), false, "another secret is another scope");
  assert.equal(await allowed(l, SET, "s1"), false, "Secrets User does not grant setSecret");
  assert.equal(await allowed(other, GET, "s1"), false, "another store (another lab) shares nothing");
  await l.store.close();
  await other.store.close();
});

test("grants decided in a write transaction are not cached; a full cache starts again", async () => {
  const l = lab();
  await l.store.write((tx) => RoleAssignments.put(tx, assignment("a1", l.clock.date())));
  const now = l.clock.now();
  const setOfficer = { ...SET, write: true };
  await l.store.write((tx) => decideAccess(l.ctx, tx, vault, claims, setOfficer, "s1"));
  await l.store.read(async (tx) => assert.equal(RbacGrants.get(tx, OID, `${VAULT_ID}/secrets/s1`, SET.dataAction, now, 0), undefined));
  await l.store.read(async (tx) => {
    for (let i = 0; i <= MAX_CACHED_GRANTS; i++) RbacGrants.set(tx, OID, `/s/${i}`, "a", now, 0, i);
    assert.equal(RbacGrants.get(tx, OID, `/s/${MAX_CACHED_GRANTS}`, "a", now, 0), MAX_CACHED_GRANTS);
    assert.equal(RbacGrants.get(tx, OID, "/s/0", "a", now, 0), undefined);
  });
  await l.store.close();
});

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WorkloadIdentityCredential, type TokenCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { startTestLab, adminCredential, armClientOptions } from "../helpers/lab.js";
import { startTestIssuer, type TestIssuer } from "../helpers/testIssuer.js";
import type { Lab } from "../../src/index.js";

const ROLES = {
  secretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  secretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
};
const RG = "rg-kv";
const VAULT = "kv-main";
const VAULT_PP = "kv-protected";
const SUBJECT_PREFIX = "system:serviceaccount:default:";

let lab: Lab;
let issuer: TestIssuer;
let kvm: KeyVaultManagementClient;
let msi: ManagedServiceIdentityClient;
let authz: AuthorizationManagementClient;
let dir: string;
const poll = { intervalInMs: 5 };

interface Workload {
  principalId: string;
  credential: TokenCredential;
  /** A new credential over a newly signed assertion (after the lab clock moved). */
  fresh(): Promise<TokenCredential>;
}

function restStatus(err: unknown): { statusCode?: number; code?: string; message: string } {
  const e = err as { statusCode?: number; code?: string; message: string };
  return { statusCode: e.statusCode, code: e.code, message: e.message };
}

async function createVault(name: string, extra: Record<string, unknown> = {}): Promise<void> {
  await kvm.vaults.createOrUpdate(RG, name, {
    location: "westeurope",
    properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true, ...extra },
  });
}

/** A user-assigned identity with a federated credential for the test issuer, signed in with WorkloadIdentityCredential. */
async function workload(name: string): Promise<Workload> {
  const id = await msi.userAssignedIdentities.createOrUpdate(RG, name, { location: "westeurope" });
  await msi.federatedIdentityCredentials.createOrUpdate(RG, name, "fic", {
    issuer: issuer.issuer,
    subject: SUBJECT_PREFIX + name,
    audiences: ["api://AzureADTokenExchange"],
  });
  let n = 0;
  const fresh = async () => {
    const tokenFilePath = join(dir, `${name}-${n++}.jwt`);
    writeFileSync(tokenFilePath, await issuer.sign({ sub: SUBJECT_PREFIX + name }));
    return new WorkloadIdentityCredential({
      tenantId: lab.tenantId,
      clientId: id.clientId!,
      tokenFilePath,
      authorityHost: lab.authorityHost,
      disableInstanceDiscovery: true,
    });
  };
  return { principalId: id.principalId!, credential: await fresh(), fresh };
}

async function assign(principalId: string, roleGuid: string, scope: string): Promise<void> {
  await authz.roleAssignments.create(scope, randomUUID(), {
    roleDefinitionId: `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
    principalId,
    principalType: "ServicePrincipal",
  });
}

const vaultScope = (name: string) => `/subscriptions/${lab.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/${name}`;
const client = (vault: string, w: Workload | TokenCredential) => new SecretClient(lab.vaultUrl(vault), "credential" in w ? w.credential : w);

let officer: Workload;

before(async () => {
  lab = await startTestLab();
  issuer = await startTestIssuer(lab);
  dir = mkdtempSync(join(tmpdir(), "wilab-kv-"));
  const cred = adminCredential(lab);
  const opts = armClientOptions(lab);
  kvm = new KeyVaultManagementClient(cred, lab.subscriptionId, opts);
  msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId, opts);
  authz = new AuthorizationManagementClient(cred, lab.subscriptionId, opts);
  await new ResourceManagementClient(cred, lab.subscriptionId, opts).resourceGroups.createOrUpdate(RG, { location: "westeurope" });
  await createVault(VAULT);
  await createVault(VAULT_PP, { enablePurgeProtection: true, softDeleteRetentionInDays: 7 });
  officer = await workload("officer");
  await assign(officer.principalId, ROLES.secretsOfficer, vaultScope(VAULT));
  await assign(officer.principalId, ROLES.secretsOfficer, vaultScope(VAULT_PP));
});

after(async () => {
  await issuer?.stop();
  await lab?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("happy path: a workload identity with Key Vault Secrets User reads a secret", async () => {
  await client(VAULT, officer).setSecret("db-password", "s3cret!");
  const app = await workload("reader");
  await assign(app.principalId, ROLES.secretsUser, vaultScope(VAULT));
  const s = await client(VAULT, app).getSecret("db-password");
  assert.equal(s.value, "s3cret!");
  assert.equal(s.name, "db-password");
  assert.match(s.properties.version!, /^[0-9a-f]{32}$/);
  assert.equal(s.properties.vaultUrl, lab.vaultUrl(VAULT).replace(/\/$/, ""));
  assert.equal(s.properties.recoveryLevel, "Recoverable+Purgeable");
  assert.equal(s.properties.recoverableDays, 90);
});

test("Secrets User can get but not set: 403 ForbiddenByRbac", async () => {
  const app = await workload("user-no-set");
  await assign(app.principalId, ROLES.secretsUser, vaultScope(VAULT));
  const c = client(VAULT, app);
  await assert.rejects(c.setSecret("nope", "x"), (err) => {
    const e = restStatus(err);
    assert.equal(e.statusCode, 403);
    assert.equal(e.code, "Forbidden");
    assert.match(e.message, /Caller is not authorized to perform action on resource/);
    assert.match(e.message, /Action: 'Microsoft\.KeyVault\/vaults\/secrets\/setSecret\/action'/);
    assert.ok(e.message.includes(`Resource: '${vaultScope(VAULT).toLowerCase()}/secrets/nope'`), e.message);
    return true;
  });
});

test("Secrets Officer can set, and a role at resource-group scope applies to the vault", async () => {
  const app = await workload("rg-officer");
  await assign(app.principalId, ROLES.secretsOfficer, `/subscriptions/${lab.subscriptionId}/resourceGroups/${RG}`);
  const c = client(VAULT, app);
  const set = await c.setSecret("from-rg-role", "v1");
  assert.equal(set.value, "v1");
  assert.equal((await c.getSecret("from-rg-role")).value, "v1");
});

test("the subscription Owner has no data role: 403 on secrets", async () => {
  const c = client(VAULT, adminCredential(lab));
  await assert.rejects(c.getSecret("db-password"), (err) => {
    const e = restStatus(err);
    assert.equal(e.statusCode, 403);
    assert.equal(e.code, "Forbidden");
    assert.match(e.message, /getSecret\/action/);
    return true;
  });
});

test("every set makes a new version; versions list; get by version", async () => {
  const c = client(VAULT, officer);
  const v1 = await c.setSecret("versioned", "one");
  const v2 = await c.setSecret("versioned", "two");
  assert.notEqual(v1.properties.version, v2.properties.version);
  assert.equal((await c.getSecret("versioned")).value, "two");
  assert.equal((await c.getSecret("versioned", { version: v1.properties.version! })).value, "one");
  const versions: string[] = [];
  for await (const p of c.listPropertiesOfSecretVersions("versioned")) versions.push(p.version!);
  assert.deepEqual(versions.sort(), [v1.properties.version!, v2.properties.version!].sort());
});

test("update attributes, content type and tags; a disabled secret gives 403 SecretDisabled", async () => {
  const c = client(VAULT, officer);
  const s = await c.setSecret("toggle", "value", { contentType: "text/plain", tags: { env: "lab" } });
  const updated = await c.updateSecretProperties("toggle", s.properties.version!, { enabled: false, contentType: "application/json", tags: { env: "test" } });
  assert.equal(updated.enabled, false);
  assert.equal(updated.contentType, "application/json");
  assert.deepEqual(updated.tags, { env: "test" });
  await assert.rejects(c.getSecret("toggle"), (err) => {
    const e = restStatus(err);
    assert.equal(e.statusCode, 403);
    assert.equal(e.code, "Forbidden");
    assert.equal(e.message, "Operation get is not allowed on a disabled secret.");
    return true;
  });
  await c.updateSecretProperties("toggle", s.properties.version!, { enabled: true });
  const again = await c.getSecret("toggle");
  assert.equal(again.value, "value");
  assert.equal(again.properties.contentType, "application/json");
});

test("delete is soft: set on the name gives 409, recover restores every version", async () => {
  const c = client(VAULT, officer);
  const v1 = await c.setSecret("recoverable", "first");
  await c.setSecret("recoverable", "second");
  const deleted = await (await c.beginDeleteSecret("recoverable", poll)).pollUntilDone();
  assert.ok(deleted.recoveryId?.endsWith("/deletedsecrets/recoverable"));
  assert.ok(deleted.scheduledPurgeDate && deleted.deletedOn);
  assert.equal(Math.round((deleted.scheduledPurgeDate.getTime() - deleted.deletedOn.getTime()) / 86_400_000), 90);

  await assert.rejects(c.setSecret("recoverable", "third"), (err) => {
    const e = restStatus(err);
    assert.equal(e.statusCode, 409);
    assert.equal(e.code, "Conflict");
    assert.equal(e.message, "Secret recoverable is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.");
    return true;
  });
  // A GET of a soft-deleted secret is a plain 404 SecretNotFound (issue 12 #1; source: azure-sdk-for-js, keyvault-secrets'
  // recorded test "can delete a secret", whose getSecret after the delete records 404 SecretNotFound).
  await assert.rejects(c.getSecret("recoverable"), (err) => {
    const e = restStatus(err);
    assert.equal(e.statusCode, 404);
    assert.equal(e.code, "SecretNotFound");
    return true;
  });
  const listed: string[] = [];
  for await (const d of c.listDeletedSecrets()) listed.push(d.name);
  assert.ok(listed.includes("recoverable"));

  await (await c.beginRecoverDeletedSecret("recoverable", poll)).pollUntilDone();
  assert.equal((await c.getSecret("recoverable")).value, "second");
  assert.equal((await c.getSecret("recoverable", { version: v1.properties.version! })).value, "first");
});

test("purge removes a deleted secret; purge protection refuses it", async () => {
  const c = client(VAULT, officer);
  await c.setSecret("purge-me", "x");
  await (await c.beginDeleteSecret("purge-me", poll)).pollUntilDone();
  await c.purgeDeletedSecret("purge-me");
  await assert.rejects(c.getDeletedSecret("purge-me"), (err) => restStatus(err).statusCode === 404);
  await c.setSecret("purge-me", "reused");

  const p = client(VAULT_PP, officer);
  const s = await p.setSecret("protected", "x");
  assert.equal(s.properties.recoveryLevel, "CustomizedRecoverable");
  assert.equal(s.properties.recoverableDays, 7);
  await (await p.beginDeleteSecret("protected", poll)).pollUntilDone();
  await assert.rejects(p.purgeDeletedSecret("protected"), (err) => {
    const e = restStatus(err);
    assert.equal(e.statusCode, 403);
    assert.equal(e.code, "Forbidden");
    assert.equal(
      e.message,
      `Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed. Vault: ${VAULT_PP};location=westeurope`,
    );
    return true;
  });
});

test("a soft-deleted secret is gone once its retention has passed on the lab clock", async () => {
  const p = client(VAULT_PP, officer);
  await p.setSecret("expiring", "x");
  await (await p.beginDeleteSecret("expiring", poll)).pollUntilDone();
  const before = lab.ctx.clock.offset();
  try {
    const later = client(VAULT_PP, await officer.fresh());
    assert.equal((await later.getDeletedSecret("expiring")).name, "expiring");
    lab.ctx.clock.advance(6 * 86_400_000);
    // Tokens cached by clients expire with the jump: sign in again with a new assertion.
    const week = client(VAULT_PP, await officer.fresh());
    assert.equal((await week.getDeletedSecret("expiring")).name, "expiring");
    lab.ctx.clock.advance(2 * 86_400_000);
    const after8 = client(VAULT_PP, await officer.fresh());
    await assert.rejects(after8.getDeletedSecret("expiring"), (err) => restStatus(err).statusCode === 404);
    await after8.setSecret("expiring", "reused");
  } finally {
    lab.ctx.clock.set(before);
  }
});

test("listing pages with nextLink over more than 25 secrets", async () => {
  const name = "kv-paging";
  await createVault(name);
  await assign(officer.principalId, ROLES.secretsOfficer, vaultScope(name));
  const c = client(name, officer);
  const made: string[] = [];
  for (let i = 0; i < 30; i++) {
    const n = `s-${String(i).padStart(2, "0")}`;
    await c.setSecret(n, `v${i}`);
    made.push(n);
  }
  const pages: number[] = [];
  const seen: string[] = [];
  for await (const page of c.listPropertiesOfSecrets().byPage()) {
    pages.push(page.length);
    for (const p of page) seen.push(p.name);
  }
  assert.deepEqual(pages, [25, 5]);
  assert.deepEqual(seen.sort(), made);
  const small: number[] = [];
  for await (const page of c.listPropertiesOfSecrets().byPage({ maxPageSize: 7 })) small.push(page.length);
  assert.deepEqual(small, [7, 7, 7, 7, 2]);
});

test("backup and restore round trip", async () => {
  const c = client(VAULT, officer);
  await c.setSecret("backed-up", "old");
  await c.setSecret("backed-up", "new", { tags: { a: "b" } });
  const blob = await c.backupSecret("backed-up");
  assert.ok(blob && blob.length > 0);
  assert.ok(!Buffer.from(blob).toString("latin1").includes("new"), "the blob is opaque");
  await (await c.beginDeleteSecret("backed-up", poll)).pollUntilDone();
  await assert.rejects(c.restoreSecretBackup(blob), (err) => restStatus(err).statusCode === 409);
  await c.purgeDeletedSecret("backed-up");
  const restored = await c.restoreSecretBackup(blob);
  assert.equal(restored.name, "backed-up");
  assert.equal((await c.getSecret("backed-up")).value, "new");
  let n = 0;
  for await (const _ of c.listPropertiesOfSecretVersions("backed-up")) n++;
  assert.equal(n, 2);
  await assert.rejects(c.restoreSecretBackup(blob), (err) => restStatus(err).statusCode === 409);

  const tampered = Uint8Array.from(blob);
  tampered[tampered.length - 3] ^= 0xff;
  await assert.rejects(c.restoreSecretBackup(tampered), (err) => {
    const e = restStatus(err);
    assert.equal(e.statusCode, 400);
    assert.equal(e.code, "BadParameter");
    return true;
  });
});

test("access policies decide when RBAC authorization is off", async () => {
  const name = "kv-policies";
  const app = await workload("policy-app");
  await kvm.vaults.createOrUpdate(RG, name, {
    location: "westeurope",
    properties: {
      tenantId: lab.tenantId,
      sku: { family: "A", name: "standard" },
      accessPolicies: [{ tenantId: lab.tenantId, objectId: officer.principalId, permissions: { secrets: ["get", "set", "list"] } }],
    },
  });
  await client(name, officer).setSecret("p", "v");
  assert.equal((await client(name, officer).getSecret("p")).value, "v");
  await assert.rejects(client(name, app).getSecret("p"), (err) => {
    const e = restStatus(err);
    assert.equal(e.statusCode, 403);
    assert.equal(e.code, "Forbidden");
    assert.match(e.message, /does not have secrets get permission on key vault 'kv-policies;location=westeurope'/);
    return true;
  });
  await kvm.vaults.updateAccessPolicy(RG, name, "add", {
    properties: { accessPolicies: [{ tenantId: lab.tenantId, objectId: app.principalId, permissions: { secrets: ["get"] } }] },
  });
  assert.equal((await client(name, app).getSecret("p")).value, "v");
});

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { ResourceManagementClient } from "@azure/arm-resources";
import { SecretClient } from "@azure/keyvault-secrets";
import { startTestLab, adminCredential, armClientOptions } from "../helpers/lab.js";
import type { Lab } from "../../src/index.js";

const RG = "rg-kv-arm";
const RG2 = "rg-kv-arm-2";
let lab: Lab;
let kvm: KeyVaultManagementClient;
let rm: ResourceManagementClient;

function armError(err: unknown): { statusCode?: number; code?: string; message: string } {
  const e = err as { statusCode?: number; code?: string; message: string };
  return { statusCode: e.statusCode, code: e.code, message: e.message };
}

function props(extra: Record<string, unknown> = {}) {
  return { tenantId: lab.tenantId, sku: { family: "A" as const, name: "standard" as const }, ...extra };
}

/** PUT through the SDK, returning the vault and the HTTP status ARM answered with. */
async function put(rg: string, name: string, properties: Record<string, unknown>, tags?: Record<string, string>) {
  let status = 0;
  const vault = await kvm.vaults.createOrUpdate(rg, name, { location: "West Europe", tags, properties: properties as ReturnType<typeof props> }, {
    onResponse: (r) => {
      if (!status) status = r.status;
    },
  });
  return { vault, status };
}

before(async () => {
  lab = await startTestLab();
  const opts = armClientOptions(lab);
  kvm = new KeyVaultManagementClient(adminCredential(lab), lab.subscriptionId, opts);
  rm = new ResourceManagementClient(adminCredential(lab), lab.subscriptionId, opts);
  await rm.resourceGroups.createOrUpdate(RG, { location: "westeurope" });
  await rm.resourceGroups.createOrUpdate(RG2, { location: "westeurope" });
});

after(async () => {
  await lab?.stop();
});

test("create returns 201 with defaults, vaultUri and systemData; a second PUT returns 200", async () => {
  const { vault, status } = await put(RG, "KvArmOne", props(), { team: "a" });
  assert.equal(status, 201);
  assert.equal(vault.id, `/subscriptions/${lab.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/KvArmOne`);
  assert.equal(vault.type, "Microsoft.KeyVault/vaults");
  assert.equal(vault.location, "westeurope");
  assert.equal(vault.properties.vaultUri, lab.vaultUrl("kvarmone"));
  assert.ok(vault.properties.vaultUri!.endsWith("/"));
  assert.equal(vault.properties.provisioningState, "Succeeded");
  assert.equal(vault.properties.enableSoftDelete, true);
  assert.equal(vault.properties.softDeleteRetentionInDays, 90);
  assert.equal(vault.properties.enableRbacAuthorization, false);
  assert.equal(vault.properties.enablePurgeProtection, undefined);
  assert.deepEqual(vault.tags, { team: "a" });
  assert.ok(vault.systemData?.createdAt instanceof Date);
  if (lab.ctx.etcHosts) assert.ok(lab.ctx.etcHosts.has(lab.ctx.hosts.vaultHostname("KvArmOne")));

  const again = await put(RG, "kvarmone", props({ enableRbacAuthorization: true }));
  assert.equal(again.status, 200);
  assert.equal(again.vault.name, "KvArmOne");
  assert.equal(again.vault.properties.enableRbacAuthorization, true);

  const got = await kvm.vaults.get(RG, "KVARMONE");
  assert.equal(got.properties.enableRbacAuthorization, true);
  const patched = await kvm.vaults.update(RG, "KvArmOne", { tags: { team: "b" }, properties: { enabledForDeployment: true } });
  assert.deepEqual(patched.tags, { team: "b" });
  assert.equal(patched.properties.enabledForDeployment, true);
  assert.equal(patched.properties.enableRbacAuthorization, true);
});

test("vault names: the pattern, and global uniqueness across resource groups", async () => {
  for (const bad of ["ab", "1abc", "abc-", "a--b", "a".repeat(25), "has_underscore"]) {
    await assert.rejects(put(RG, bad, props()), (err) => {
      const e = armError(err);
      assert.equal(e.statusCode, 400, bad);
      assert.equal(e.code, "VaultNameNotValid");
      return true;
    });
  }
  await put(RG, "kv-unique", props());
  await assert.rejects(put(RG2, "KV-UNIQUE", props()), (err) => {
    const e = armError(err);
    assert.equal(e.statusCode, 409);
    assert.equal(e.code, "VaultAlreadyExists");
    assert.match(e.message, /^The vault name 'KV-UNIQUE' is already in use\./);
    return true;
  });
  const avail = await kvm.vaults.checkNameAvailability({ name: "kv-unique", type: "Microsoft.KeyVault/vaults" });
  assert.equal(avail.nameAvailable, false);
  assert.equal(avail.reason, "AlreadyExists");
  assert.equal((await kvm.vaults.checkNameAvailability({ name: "kv-free-name", type: "Microsoft.KeyVault/vaults" })).nameAvailable, true);
  assert.equal((await kvm.vaults.checkNameAvailability({ name: "a--b", type: "Microsoft.KeyVault/vaults" })).reason, "AccountNameInvalid");
});

test("required properties and irreversible settings", async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ sku: { family: "A", name: "standard" } }, /tenantId/],
    [props({ softDeleteRetentionInDays: 6 }), /softDeleteRetentionInDays/],
    [props({ softDeleteRetentionInDays: 91 }), /softDeleteRetentionInDays/],
    [props({ enableSoftDelete: false }), /enableSoftDelete/],
  ];
  for (const [p, re] of cases) {
    await assert.rejects(put(RG, "kv-rules", p), (err) => {
      const e = armError(err);
      assert.equal(e.statusCode, 400, JSON.stringify(p));
      assert.match(e.message, re);
      return true;
    });
  }
  await put(RG, "kv-rules", props({ enablePurgeProtection: true, softDeleteRetentionInDays: 30 }));
  await assert.rejects(kvm.vaults.update(RG, "kv-rules", { properties: { enablePurgeProtection: false } }), (err) => {
    const e = armError(err);
    assert.equal(e.statusCode, 400);
    assert.equal(e.message, 'The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection for a vault is an irreversible action.');
    return true;
  });
  const v = await kvm.vaults.get(RG, "kv-rules");
  assert.equal(v.properties.enablePurgeProtection, true);
  assert.equal(v.properties.softDeleteRetentionInDays, 30);
});

test("delete is soft; the name is held; recover brings the vault and its secrets back; purge frees the name", async () => {
  const name = "kv-lifecycle";
  await put(RG, name, props({ accessPolicies: [{ tenantId: lab.tenantId, objectId: lab.admin.objectId, permissions: { secrets: ["all"] } }] }));
  const secrets = new SecretClient(lab.vaultUrl(name), adminCredential(lab));
  await secrets.setSecret("kept", "across-recovery");

  let status = 0;
  await kvm.vaults.delete(RG, name, { onResponse: (r) => (status = r.status) });
  assert.equal(status, 200);
  await assert.rejects(kvm.vaults.get(RG, name), (err) => armError(err).statusCode === 404);
  await kvm.vaults.delete(RG, name, { onResponse: (r) => (status = r.status) });
  assert.equal(status, 204);

  const deleted = await kvm.vaults.getDeleted(name, "westeurope");
  assert.equal(deleted.name, name);
  assert.equal(deleted.properties?.vaultId, `/subscriptions/${lab.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/${name}`);
  assert.ok(deleted.properties?.deletionDate && deleted.properties.scheduledPurgeDate);
  assert.equal(Math.round((deleted.properties.scheduledPurgeDate.getTime() - deleted.properties.deletionDate.getTime()) / 86_400_000), 90);
  const all: string[] = [];
  for await (const d of kvm.vaults.listDeleted()) all.push(d.name!);
  assert.ok(all.includes(name));

  await assert.rejects(put(RG, name, props()), (err) => {
    const e = armError(err);
    assert.equal(e.statusCode, 409);
    assert.equal(e.code, "ConflictError");
    assert.match(e.message, /^A vault with the same name already exists in deleted state\. You need to either recover or purge existing key vault\./);
    return true;
  });
  await assert.rejects(new SecretClient(lab.vaultUrl(name), adminCredential(lab)).getSecret("kept"), (err) => armError(err).statusCode === 404);

  const recovered = await put(RG, name, props({ createMode: "recover" }));
  assert.equal(recovered.vault.properties.provisioningState, "Succeeded");
  assert.equal((await new SecretClient(lab.vaultUrl(name), adminCredential(lab)).getSecret("kept")).value, "across-recovery");

  await kvm.vaults.delete(RG, name);
  await kvm.vaults.purgeDeleted(name, "westeurope");
  await assert.rejects(kvm.vaults.getDeleted(name, "westeurope"), (err) => armError(err).statusCode === 404);
  await put(RG, name, props({ accessPolicies: [{ tenantId: lab.tenantId, objectId: lab.admin.objectId, permissions: { secrets: ["all"] } }] }));
  await assert.rejects(new SecretClient(lab.vaultUrl(name), adminCredential(lab)).getSecret("kept"), (err) => armError(err).statusCode === 404);
});

test("purge protection refuses the vault purge", async () => {
  const name = "kv-no-purge";
  await put(RG, name, props({ enablePurgeProtection: true }));
  await kvm.vaults.delete(RG, name);
  await assert.rejects(kvm.vaults.purgeDeleted(name, "westeurope"), (err) => {
    const e = armError(err);
    assert.equal(e.code, "MethodNotAllowed");
    assert.equal(e.message, "Operation 'DeletedVaultPurge' is not allowed.");
    return true;
  });
  assert.equal((await kvm.vaults.getDeleted(name, "westeurope")).properties?.purgeProtectionEnabled, true);
});

test("lists by resource group and subscription; deleting the group soft-deletes its vaults", async () => {
  const rg = "rg-kv-cascade";
  await rm.resourceGroups.createOrUpdate(rg, { location: "westeurope" });
  await put(rg, "kv-cascade-a", props());
  await put(rg, "kv-cascade-b", props());
  const inRg: string[] = [];
  for await (const v of kvm.vaults.listByResourceGroup(rg)) inRg.push(v.name!);
  assert.deepEqual(inRg.sort(), ["kv-cascade-a", "kv-cascade-b"]);
  const inSub: string[] = [];
  for await (const v of kvm.vaults.listBySubscription()) inSub.push(v.name!);
  assert.ok(inSub.includes("kv-cascade-a") && inSub.includes("kv-cascade-b"));

  await rm.resourceGroups.beginDeleteAndWait(rg, { updateIntervalInMs: 5 });
  const deleted: string[] = [];
  for await (const d of kvm.vaults.listDeleted()) deleted.push(d.name!);
  assert.ok(deleted.includes("kv-cascade-a") && deleted.includes("kv-cascade-b"));
});

// Issue 11, what az's `keyvault list`, `keyvault show -n` (without -g), `resource list` and `keyvault
// list-deleted` read: ARM's generic resource lists at a subscription and a resource group with `$filter` on
// resourceType, name, substringof and tags, driven by the real @azure/arm-resources SDK; and the managed HSM
// lists, empty.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import type { Lab } from "../../src/index.js";
import { adminCredential, armClientOptions, startTestLab } from "../helpers/lab.js";

let lab: Lab;
let rm: ResourceManagementClient;

before(async () => {
  lab = await startTestLab();
  const cred = adminCredential(lab);
  const o = armClientOptions(lab);
  rm = new ResourceManagementClient(cred, lab.subscriptionId, o);
  await rm.resourceGroups.createOrUpdate("rg-a", { location: "westeurope" });
  await rm.resourceGroups.createOrUpdate("rg-b", { location: "westeurope" });
  const msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId, o);
  await msi.userAssignedIdentities.createOrUpdate("rg-a", "id-one", { location: "westeurope", tags: { team: "blue" } });
  await msi.userAssignedIdentities.createOrUpdate("rg-b", "id-two", { location: "westeurope" });
  await new KeyVaultManagementClient(cred, lab.subscriptionId, o).vaults.beginCreateOrUpdateAndWait("rg-b", "kv-listed", {
    location: "westeurope",
    properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true },
  });
});
after(async () => lab?.stop());

async function names(it: AsyncIterable<{ name?: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const r of it) out.push(r.name!);
  return out.sort();
}

test("resources of the subscription and of one group, filtered as az filters them", async () => {
  const all = await names(rm.resources.list());
  for (const n of ["id-one", "id-two", "kv-listed", "wilab-customlocation"]) assert.ok(all.includes(n), `${n} in ${all.join(", ")}`);
  assert.deepEqual(await names(rm.resources.list({ filter: "resourceType eq 'Microsoft.KeyVault/vaults'" })), ["kv-listed"]);
  assert.deepEqual(await names(rm.resources.list({ filter: "resourceType eq 'microsoft.keyvault/vaults' and name eq 'KV-LISTED'" })), ["kv-listed"]);
  assert.deepEqual(await names(rm.resources.list({ filter: "substringof('id-', name)" })), ["id-one", "id-two"]);
  assert.deepEqual(await names(rm.resources.list({ filter: "tagName eq 'team' and tagValue eq 'blue'" })), ["id-one"]);
  assert.deepEqual(await names(rm.resources.listByResourceGroup("rg-b")), ["id-two", "kv-listed"]);
  assert.deepEqual(await names(rm.resources.listByResourceGroup("rg-b", { filter: "resourceType eq 'Microsoft.ManagedIdentity/userAssignedIdentities'" })), ["id-two"]);
  for await (const r of rm.resources.listByResourceGroup("rg-a")) {
    assert.equal(r.type, "Microsoft.ManagedIdentity/userAssignedIdentities");
    assert.equal(r.location, "westeurope");
    assert.match(r.id!, /\/resourceGroups\/rg-a\/providers\/Microsoft.ManagedIdentity\/userAssignedIdentities\/id-one$/);
  }
});

test("a $filter outside the grammar and a missing group get ARM's errors", async () => {
  await assert.rejects(names(rm.resources.list({ filter: "resourceType ne 'x'" })), (e: { statusCode?: number; code?: string }) => e.statusCode === 400 && e.code === "InvalidFilterInQueryString");
  await assert.rejects(names(rm.resources.listByResourceGroup("rg-missing")), (e: { statusCode?: number; code?: string }) => e.statusCode === 404 && e.code === "ResourceGroupNotFound");
});

test("managed HSM lists (live and deleted) answer empty lists", async () => {
  const token = (await adminCredential(lab).getToken("https://management.azure.com/.default")).token;
  for (const path of [
    `/subscriptions/${lab.subscriptionId}/providers/Microsoft.KeyVault/managedHSMs?api-version=2023-07-01`,
    `/subscriptions/${lab.subscriptionId}/resourceGroups/rg-a/providers/Microsoft.KeyVault/managedHSMs?api-version=2023-07-01`,
    `/subscriptions/${lab.subscriptionId}/providers/Microsoft.KeyVault/deletedManagedHSMs?api-version=2023-07-01`,
  ]) {
    const r = await fetch(`${lab.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200, path);
    assert.deepEqual(await r.json(), { value: [] });
  }
});

import { KEYVAULT_API_VERSIONS } from "../../apiVersions.js";
import type { ArmDeps } from "../../deps.js";
import { defineOperation } from "../../operation.js";

/**
 * Managed HSM pools, live and soft-deleted: the lab has none, so the lists are empty — what `az keyvault list`
 * and `az keyvault list-deleted` read beside vaults (they fail when these answer an error).
 */
export const listBySubscription = defineOperation<ArmDeps>({
  method: "GET",
  path: "subscriptions/{subscriptionId}/providers/Microsoft.KeyVault/managedHSMs",
  type: "Microsoft.KeyVault/managedHSMs",
  apiVersions: KEYVAULT_API_VERSIONS,
  handler: async () => ({ status: 200, body: { value: [] } }),
});

export const listByResourceGroup = defineOperation<ArmDeps>({
  method: "GET",
  path: "subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/Microsoft.KeyVault/managedHSMs",
  type: "Microsoft.KeyVault/managedHSMs",
  apiVersions: KEYVAULT_API_VERSIONS,
  resourceGroupParam: "resourceGroupName",
  handler: async () => ({ status: 200, body: { value: [] } }),
});

export const listDeleted = defineOperation<ArmDeps>({
  method: "GET",
  path: "subscriptions/{subscriptionId}/providers/Microsoft.KeyVault/deletedManagedHSMs",
  type: "Microsoft.KeyVault/deletedManagedHSMs",
  apiVersions: KEYVAULT_API_VERSIONS,
  handler: async () => ({ status: 200, body: { value: [] } }),
});

import type { AccessPolicyEntry, DeletedVaultRecord, VaultRecord } from "../../keyvault/index.js";
import type { Hosts } from "../../platform/index.js";

export const VAULT_TYPE = "Microsoft.KeyVault/vaults";
export const DELETED_VAULT_TYPE = "Microsoft.KeyVault/deletedVaults";

const iso = (ms: number) => new Date(ms).toISOString();

export function subscriptionOf(v: VaultRecord): string {
  return v.id.split("/")[2]!;
}

/** A vault as Key Vault's RP returns it: not flattened, `vaultUri` with a trailing '/', a terminal provisioningState. */
export function vaultBody(v: VaultRecord, hosts: Hosts): Record<string, unknown> {
  return {
    id: v.id,
    name: v.name,
    type: VAULT_TYPE,
    location: v.location,
    tags: v.tags ?? {},
    systemData: {
      createdBy: v.createdBy,
      createdByType: v.createdByType ?? "Application",
      createdAt: iso(v.createdAt),
      lastModifiedBy: v.updatedBy ?? v.createdBy,
      lastModifiedByType: v.updatedByType ?? v.createdByType ?? "Application",
      lastModifiedAt: iso(v.updatedAt),
    },
    properties: {
      sku: v.sku,
      tenantId: v.tenantId,
      accessPolicies: v.accessPolicies,
      enabledForDeployment: v.enabledForDeployment ?? false,
      enabledForDiskEncryption: v.enabledForDiskEncryption ?? false,
      enabledForTemplateDeployment: v.enabledForTemplateDeployment ?? false,
      enableSoftDelete: v.enableSoftDelete,
      softDeleteRetentionInDays: v.softDeleteRetentionInDays,
      enableRbacAuthorization: v.enableRbacAuthorization,
      ...(v.enablePurgeProtection ? { enablePurgeProtection: true } : {}),
      vaultUri: hosts.vaultUri(v.name),
      provisioningState: "Succeeded",
      publicNetworkAccess: v.publicNetworkAccess,
    },
  };
}

export function deletedVaultId(sub: string, location: string, name: string): string {
  return `/subscriptions/${sub}/providers/Microsoft.KeyVault/locations/${location}/deletedVaults/${name}`;
}

export function deletedVaultBody(d: DeletedVaultRecord): Record<string, unknown> {
  const v = d.vault;
  return {
    id: deletedVaultId(subscriptionOf(v), v.location, v.name),
    name: v.name,
    type: DELETED_VAULT_TYPE,
    properties: {
      vaultId: v.id,
      location: v.location,
      deletionDate: iso(d.deletionDate),
      scheduledPurgeDate: iso(d.scheduledPurgeDate),
      tags: v.tags ?? {},
      purgeProtectionEnabled: !!v.enablePurgeProtection,
    },
  };
}

export function accessPoliciesOf(v: VaultRecord): AccessPolicyEntry[] {
  return v.accessPolicies as AccessPolicyEntry[];
}

import type { Tx } from "../store/index.js";

/** A Key Vault as ARM creates it and the data plane reads it. Names are global: the store key is the folded name. */
export interface VaultRecord {
  name: string;
  /** ARM id with the creator's casing: /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name} */
  id: string;
  resourceGroup: string;
  location: string;
  tags?: Record<string, string>;
  tenantId: string;
  sku: { family: "A"; name: "standard" | "premium" };
  accessPolicies: unknown[];
  enableRbacAuthorization: boolean;
  enableSoftDelete: boolean;
  softDeleteRetentionInDays: number;
  enablePurgeProtection?: boolean;
  enabledForDeployment?: boolean;
  enabledForDiskEncryption?: boolean;
  enabledForTemplateDeployment?: boolean;
  publicNetworkAccess: string;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
  /** systemData: "Application" or "User" (absent on records made before these fields existed). */
  createdByType?: string;
  updatedBy?: string;
  updatedByType?: string;
}

/** One entry of `properties.accessPolicies` (used when RBAC authorization is off). */
export interface AccessPolicyEntry {
  tenantId: string;
  objectId: string;
  applicationId?: string;
  permissions: { keys?: string[]; secrets?: string[]; certificates?: string[]; storage?: string[] };
}

/** A soft-deleted vault (Microsoft.KeyVault/locations/deletedVaults). */
export interface DeletedVaultRecord {
  vault: VaultRecord;
  deletionDate: number;
  scheduledPurgeDate: number;
}

const VAULT = "vault";
const DELETED_VAULT = "deletedVault";

export const Vaults = {
  get: (tx: Tx, name: string) => tx.get<VaultRecord>(VAULT, name.toLowerCase()),
  put: (tx: Tx, v: VaultRecord) => tx.put(VAULT, v.name.toLowerCase(), v, v.id.split("/providers/")[0]!.toLowerCase()),
  delete: (tx: Tx, name: string) => tx.delete(VAULT, name.toLowerCase()),
  async inResourceGroup(tx: Tx, sub: string, rg: string): Promise<VaultRecord[]> {
    return (await tx.list<VaultRecord>(VAULT, { parent: `/subscriptions/${sub}/resourcegroups/${rg}`.toLowerCase() })).map((r) => r.value);
  },
  async all(tx: Tx): Promise<VaultRecord[]> {
    return (await tx.list<VaultRecord>(VAULT)).map((r) => r.value);
  },
  getDeleted: (tx: Tx, name: string) => tx.get<DeletedVaultRecord>(DELETED_VAULT, name.toLowerCase()),
  putDeleted: (tx: Tx, d: DeletedVaultRecord) => tx.put(DELETED_VAULT, d.vault.name.toLowerCase(), d),
  deleteDeleted: (tx: Tx, name: string) => tx.delete(DELETED_VAULT, name.toLowerCase()),
  async allDeleted(tx: Tx): Promise<DeletedVaultRecord[]> {
    return (await tx.list<DeletedVaultRecord>(DELETED_VAULT)).map((r) => r.value);
  },
};

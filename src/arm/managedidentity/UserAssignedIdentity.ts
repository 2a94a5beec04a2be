import type { Tx } from "../../store/index.js";

/** A user-assigned managed identity. `id` uses MSI's lower-case `resourcegroups`. */
export interface UserAssignedIdentityRecord {
  name: string;
  id: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
  tenantId: string;
  principalId: string;
  clientId: string;
  createdAt: number;
}

const KIND = "userAssignedIdentity";

export function identityId(sub: string, rg: string, name: string): string {
  return `/subscriptions/${sub}/resourcegroups/${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
}

export const UserAssignedIdentities = {
  get: (tx: Tx, sub: string, rg: string, name: string) => tx.get<UserAssignedIdentityRecord>(KIND, identityId(sub, rg, name).toLowerCase()),
  put: (tx: Tx, r: UserAssignedIdentityRecord) => tx.put(KIND, r.id.toLowerCase(), r, `/subscriptions/${r.id.split("/")[2]}/resourcegroups/${r.resourceGroup}`.toLowerCase()),
  delete: (tx: Tx, r: UserAssignedIdentityRecord) => tx.delete(KIND, r.id.toLowerCase()),
  async inResourceGroup(tx: Tx, sub: string, rg: string): Promise<UserAssignedIdentityRecord[]> {
    return (await tx.list<UserAssignedIdentityRecord>(KIND, { parent: `/subscriptions/${sub}/resourcegroups/${rg}`.toLowerCase() })).map((r) => r.value);
  },
  async all(tx: Tx): Promise<UserAssignedIdentityRecord[]> {
    return (await tx.list<UserAssignedIdentityRecord>(KIND)).map((r) => r.value);
  },
};

export function identityBody(r: UserAssignedIdentityRecord, apiVersion: string): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    type: "Microsoft.ManagedIdentity/userAssignedIdentities",
    location: r.location,
    tags: r.tags,
    properties: {
      ...(apiVersion >= "2024-11-30" ? { isolationScope: "None" } : {}),
      tenantId: r.tenantId,
      principalId: r.principalId,
      clientId: r.clientId,
    },
  };
}

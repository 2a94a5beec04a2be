import type { Tx } from "../../store/index.js";

export interface ResourceGroupRecord {
  name: string;
  location: string;
  tags?: Record<string, string>;
  managedBy?: string;
}

const KIND = "resourceGroup";

export const ResourceGroups = {
  get(tx: Tx, sub: string, name: string): Promise<ResourceGroupRecord | undefined> {
    return tx.get(KIND, `/subscriptions/${sub}/resourcegroups/${name}`.toLowerCase());
  },
  put(tx: Tx, sub: string, rg: ResourceGroupRecord): Promise<void> {
    return tx.put(KIND, `/subscriptions/${sub}/resourcegroups/${rg.name}`.toLowerCase(), rg, sub.toLowerCase());
  },
  delete(tx: Tx, sub: string, name: string): Promise<boolean> {
    return tx.delete(KIND, `/subscriptions/${sub}/resourcegroups/${name}`.toLowerCase());
  },
  async list(tx: Tx, sub: string): Promise<ResourceGroupRecord[]> {
    return (await tx.list<ResourceGroupRecord>(KIND, { parent: sub.toLowerCase() })).map((r) => r.value);
  },
};

export function resourceGroupBody(sub: string, rg: ResourceGroupRecord): Record<string, unknown> {
  return {
    id: `/subscriptions/${sub}/resourceGroups/${rg.name}`,
    name: rg.name,
    type: "Microsoft.Resources/resourceGroups",
    location: rg.location,
    ...(rg.tags ? { tags: rg.tags } : {}),
    ...(rg.managedBy ? { managedBy: rg.managedBy } : {}),
    properties: { provisioningState: "Succeeded" },
  };
}

/** Something that lives in a resource group and must go when it is deleted. */
export type ResourceGroupCascade = (tx: Tx, sub: string, rgName: string) => Promise<void>;

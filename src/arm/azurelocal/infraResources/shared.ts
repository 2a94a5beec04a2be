import type { Tx } from "../../../store/index.js";

/** A read-only Azure Local resource (custom location, logical network) as stored: its ARM body and where it lives. */
export interface InfraResource {
  id: string;
  name: string;
  type: string;
  location: string;
  resourceGroup: string;
  body: Record<string, unknown>;
}

export const KIND = "infraResource";

export function rgKey(sub: string, rg: string): string {
  return `/subscriptions/${sub}/resourcegroups/${rg}`.toLowerCase();
}

/** One read-only type: `Namespace/type` and the api-versions it answers. */
export interface InfraType {
  type: string;
  apiVersions: string[];
}

export const rgBase = (t: InfraType): string => `subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/${t.type}`;

/** The bodies of the type's resources, in one resource group or all of them. */
export async function listBodies(tx: Tx, t: InfraType, parent?: string): Promise<Record<string, unknown>[]> {
  return (await tx.list<InfraResource>(KIND, parent ? { parent } : {}))
    .map((r) => r.value)
    .filter((r) => r.type.toLowerCase() === t.type.toLowerCase())
    .map((r) => r.body);
}

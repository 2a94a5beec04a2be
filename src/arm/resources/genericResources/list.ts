import type { Tx } from "../../../store/index.js";
import { ArmErrors } from "../../ArmError.js";
import { RESOURCES_API_VERSIONS } from "../../apiVersions.js";
import type { ArmDeps } from "../../deps.js";
import { defineOperation } from "../../operation.js";
import { parseResourceFilter, type GenericResource } from "./filter.js";

/** A provider's resources as ARM's generic resource list shows them (id, name, type, location, tags …). */
export type ResourceLister = (tx: Tx) => Promise<GenericResource[]>;

export interface GenericResourceDeps extends ArmDeps {
  listers: ResourceLister[];
}

const TYPE = "Microsoft.Resources/subscriptions/resources";

async function listed(d: GenericResourceDeps, tx: Tx, query: Record<string, string>, rg?: string): Promise<{ value: GenericResource[] }> {
  const keep = parseResourceFilter(query.$filter);
  if (!keep) throw ArmErrors.invalidFilter(query.$filter ?? "");
  const prefix = `/subscriptions/${d.ctx.config.subscriptionId}/resourcegroups/${rg ?? ""}`.toLowerCase();
  // The generic list spells resource group segments as ARM does (`resourceGroups`), whatever the provider's own ids say.
  const all = (await Promise.all(d.listers.map((l) => l(tx)))).flat().map((r) => ({ ...r, id: r.id.replace(/\/resourcegroups\//i, "/resourceGroups/") }));
  const value = all.filter((r) => r.id.toLowerCase().startsWith(prefix) && (rg === undefined || r.id.toLowerCase().split("/")[4] === rg.toLowerCase()) && keep(r));
  value.sort((a, b) => a.id.toLowerCase().localeCompare(b.id.toLowerCase()));
  const top = query.$top !== undefined ? Number(query.$top) : undefined;
  return { value: top !== undefined && Number.isInteger(top) && top > 0 ? value.slice(0, top) : value };
}

/** `GET /subscriptions/{s}/resources` (`az resource list`, `az keyvault list`). */
export const listBySubscription = defineOperation<GenericResourceDeps>({
  method: "GET",
  path: "subscriptions/{subscriptionId}/resources",
  type: TYPE,
  apiVersions: RESOURCES_API_VERSIONS,
  handler: async (d, req, tx) => ({ status: 200, body: await listed(d, tx, req.query) }),
});

/** `GET /subscriptions/{s}/resourceGroups/{rg}/resources` (`az resource list -g`). */
export const listByResourceGroup = defineOperation<GenericResourceDeps>({
  method: "GET",
  path: "subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/resources",
  type: TYPE,
  actionType: "Microsoft.Resources/subscriptions/resourceGroups/resources",
  apiVersions: RESOURCES_API_VERSIONS,
  resourceGroupParam: "resourceGroupName",
  handler: async (d, req, tx) => ({ status: 200, body: await listed(d, tx, req.query, req.params.resourceGroupName) }),
});

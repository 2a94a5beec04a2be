import type { Tx } from "../../../store/index.js";
import { RESOURCES_API_VERSIONS } from "../../apiVersions.js";
import { ArmErrors } from "../../ArmError.js";
import type { ArmRequest } from "../../ArmRoute.js";
import type { ArmDeps } from "../../deps.js";
import { ResourceGroups, type ResourceGroupCascade, type ResourceGroupRecord } from "../ResourceGroup.js";

export const RG_LIST = "subscriptions/{subscriptionId}/resourcegroups";
export const RG_ITEM = `${RG_LIST}/{resourceGroupName}`;
/** Errors say `Microsoft.Resources/resourceGroups`; RBAC spells the actions `Microsoft.Resources/subscriptions/resourceGroups/…`. */
export const RG_ROUTE = { type: "Microsoft.Resources/resourceGroups", actionType: "Microsoft.Resources/subscriptions/resourceGroups", apiVersions: RESOURCES_API_VERSIONS } as const;
export const RG_NAME = /^[-\w._()]{1,90}$/u;

/** Resource group operations also delete what lives in a deleted group. */
export interface ResourceGroupDeps extends ArmDeps {
  cascades: ResourceGroupCascade[];
}

/** The resource group the request names, or ARM's ResourceGroupNotFound. */
export async function mustGetResourceGroup({ ctx }: ArmDeps, tx: Tx, req: ArmRequest): Promise<ResourceGroupRecord> {
  const rg = await ResourceGroups.get(tx, ctx.config.subscriptionId, req.params.resourceGroupName!);
  if (!rg) throw ArmErrors.resourceGroupNotFound(req.params.resourceGroupName!);
  return rg;
}

import { RESOURCES_API_VERSIONS } from "../../apiVersions.js";
import type { ArmDeps } from "../../deps.js";
import type { ResourceGroupCascade } from "../ResourceGroup.js";

export const RG_LIST = "subscriptions/{subscriptionId}/resourcegroups";
export const RG_ITEM = `${RG_LIST}/{resourceGroupName}`;
/** Errors say `Microsoft.Resources/resourceGroups`; RBAC spells the actions `Microsoft.Resources/subscriptions/resourceGroups/…`. */
export const RG_ROUTE = { type: "Microsoft.Resources/resourceGroups", actionType: "Microsoft.Resources/subscriptions/resourceGroups", apiVersions: RESOURCES_API_VERSIONS } as const;
export const RG_NAME = /^[-\w._()]{1,90}$/u;

/** Resource group operations also delete what lives in a deleted group. */
export interface ResourceGroupDeps extends ArmDeps {
  cascades: ResourceGroupCascade[];
}

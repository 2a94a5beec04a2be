import type { ArmRoute } from "../ArmRoute.js";
import type { ArmDeps } from "../deps.js";
import { buildRoutes, type ArmOperationSpec } from "../operation.js";
import type { ResourceGroupCascade } from "./ResourceGroup.js";
import * as resourceGroups from "./resourceGroups/index.js";
import type { ResourceGroupDeps } from "./resourceGroups/shared.js";
import * as subscriptions from "./subscriptions/index.js";
import * as tenants from "./tenants/index.js";
import { listByResourceGroup as genericByResourceGroup, listBySubscription as genericBySubscription, type ResourceLister } from "./genericResources/list.js";

export { metadataEndpoints } from "./Subscription.js";
export { ResourceGroups, resourceGroupBody, type ResourceGroupCascade, type ResourceGroupRecord } from "./ResourceGroup.js";

/** Microsoft.Resources/resourceGroups' operations, in match order. */
export const resourceGroupOperations: readonly ArmOperationSpec<ResourceGroupDeps>[] = [
  resourceGroups.get,
  resourceGroups.createOrUpdate,
  resourceGroups.update,
  resourceGroups.deleteOperation,
  resourceGroups.list,
];

/** Subscriptions and tenants: visible by any role assignment, no RBAC action. */
export const subscriptionOperations: readonly ArmOperationSpec<ArmDeps>[] = [subscriptions.list, subscriptions.get, tenants.list];

/** `Microsoft.Resources/resourceGroups` (reference §5.1); deleting a group runs every provider's cascade. */
export function resourceGroupRoutes(ctx: ArmDeps["ctx"], cascades: ResourceGroupCascade[]): ArmRoute[] {
  return buildRoutes(resourceGroupOperations, { ctx, cascades });
}

/** `GET /subscriptions`, `GET /subscriptions/{s}`, `GET /tenants`. */
export function subscriptionRoutes(ctx: ArmDeps["ctx"]): ArmRoute[] {
  return buildRoutes(subscriptionOperations, { ctx });
}

/** `GET …/resources` at a subscription or resource group: every provider's resources, filtered by `$filter`. */
export function genericResourceRoutes(ctx: ArmDeps["ctx"], listers: ResourceLister[]): ArmRoute[] {
  return buildRoutes([genericByResourceGroup, genericBySubscription], { ctx, listers });
}

import { RoleAssignments, scopeCovers } from "../../rbac/index.js";
import type { ArmRoute } from "../ArmRoute.js";
import type { ArmDeps } from "../deps.js";
import { buildRoutes, type ArmOperationSpec } from "../operation.js";
import type { ResourceGroupCascade } from "../resources/ResourceGroup.js";
import * as roleAssignments from "./roleAssignments/index.js";
import * as roleDefinitions from "./roleDefinitions/index.js";

export { roleAssignmentBody, parseAssignmentFilter } from "./roleAssignments/shared.js";
export { roleDefinitionBody } from "./roleDefinitions/shared.js";

/** Microsoft.Authorization's operations, in match order (most specific path first). */
export const authorizationOperations: readonly ArmOperationSpec<ArmDeps>[] = [
  roleAssignments.get,
  roleAssignments.createOperation,
  roleAssignments.deleteOperation,
  roleAssignments.list,
  roleDefinitions.get,
  roleDefinitions.list,
];

/** Deletes the role assignments at or below a deleted resource group. */
export const authorizationCascade: ResourceGroupCascade = async (tx, s, rg) => {
  const rgScope = `/subscriptions/${s}/resourcegroups/${rg}`;
  for (const a of await RoleAssignments.all(tx)) {
    if (scopeCovers(rgScope, a.scope)) await RoleAssignments.delete(tx, a.scope, a.name);
  }
};

/** Microsoft.Authorization: built-in role definitions and role assignments at any scope (reference §3). */
export function authorizationRoutes(ctx: ArmDeps["ctx"]): { routes: ArmRoute[]; cascade: ResourceGroupCascade } {
  return { routes: buildRoutes(authorizationOperations, { ctx }), cascade: authorizationCascade };
}

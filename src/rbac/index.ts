export { BUILT_IN_ROLES, roleByGuid, roleByName, type RoleDefinition, type RolePermission } from "./builtInRoles.js";
export { actionMatches, authorize, foldScope, scopeCovers, roleGuidOf, type Decision, type RoleAssignmentRecord } from "./evaluate.js";
export { RoleAssignments } from "./RoleAssignments.js";
export { RbacGrants, MAX_CACHED_GRANTS, type CachedGrant } from "./decisionCache.js";

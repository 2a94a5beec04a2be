import { roleByGuid, type RoleDefinition } from "./builtInRoles.js";

/** What the store keeps for one role assignment. */
export interface RoleAssignmentRecord {
  /** The assignment's GUID name. */
  name: string;
  /** The scope as the caller spelled it. */
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType: string;
  description: string | null;
  condition: string | null;
  conditionVersion: string | null;
  createdOn: string;
  updatedOn: string;
  createdBy: string | null;
  updatedBy: string | null;
}

/** Azure's action pattern match: `*` matches any run of characters, comparison ignores case. */
export function actionMatches(pattern: string, action: string): boolean {
  const p = pattern.toLowerCase();
  const a = action.toLowerCase();
  if (!p.includes("*")) return p === a;
  const re = new RegExp("^" + p.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*") + "$");
  return re.test(a);
}

/** Normalises a scope: lower case, no trailing slash, `/` for the root. */
export function foldScope(scope: string): string {
  const s = scope.trim().toLowerCase().replace(/\/+$/, "");
  return s === "" ? "/" : s;
}

/** True when `scope` is `target` or a path-segment prefix of it. */
export function scopeCovers(scope: string, target: string): boolean {
  const s = foldScope(scope);
  const t = foldScope(target);
  if (s === "/") return true;
  return t === s || t.startsWith(s + "/");
}

export function roleGuidOf(roleDefinitionId: string): string {
  return roleDefinitionId.split("/").pop()!.toLowerCase();
}

function grants(role: RoleDefinition, action: string, data: boolean): boolean {
  return role.permissions.some((p) => {
    const allow = data ? p.dataActions : p.actions;
    const deny = data ? p.notDataActions : p.notActions;
    return allow.some((a) => actionMatches(a, action)) && !deny.some((a) => actionMatches(a, action));
  });
}

export interface Decision {
  allowed: boolean;
  /** The assignment that granted the action, if any. */
  assignment?: RoleAssignmentRecord;
}

/**
 * Decides whether a principal may perform an action on a target scope, given the assignments
 * of that principal. Control-plane actions are checked against `actions`, data actions against `dataActions`.
 */
export function authorize(
  assignments: RoleAssignmentRecord[],
  principalId: string,
  action: string,
  target: string,
  kind: "action" | "dataAction",
  resolveRole: (guid: string) => RoleDefinition | undefined = roleByGuid,
): Decision {
  const pid = principalId.toLowerCase();
  for (const a of assignments) {
    if (a.principalId.toLowerCase() !== pid) continue;
    if (!scopeCovers(a.scope, target)) continue;
    const role = resolveRole(roleGuidOf(a.roleDefinitionId));
    if (role && grants(role, action, kind === "dataAction")) return { allowed: true, assignment: a };
  }
  return { allowed: false };
}

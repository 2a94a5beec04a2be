import type { Tx } from "../store/index.js";
import { foldScope, type RoleAssignmentRecord } from "./evaluate.js";
import { RbacGrants } from "./decisionCache.js";

const KIND = "roleAssignment";

function idOf(scope: string, name: string): string {
  const s = foldScope(scope);
  return `${s === "/" ? "" : s}/providers/microsoft.authorization/roleassignments/${name.toLowerCase()}`;
}

/** Store access for role assignments, grouped by principal so that an access check reads only that principal's. */
export const RoleAssignments = {
  idOf,
  /** Creates or replaces an assignment; drops the store's cached RBAC grants. */
  put(tx: Tx, a: RoleAssignmentRecord): Promise<void> {
    RbacGrants.invalidate(tx);
    return tx.put(KIND, idOf(a.scope, a.name), a, a.principalId.toLowerCase());
  },
  get(tx: Tx, scope: string, name: string): Promise<RoleAssignmentRecord | undefined> {
    return tx.get(KIND, idOf(scope, name));
  },
  /** Deletes an assignment; drops the store's cached RBAC grants. */
  delete(tx: Tx, scope: string, name: string): Promise<boolean> {
    RbacGrants.invalidate(tx);
    return tx.delete(KIND, idOf(scope, name));
  },
  async forPrincipal(tx: Tx, principalId: string): Promise<RoleAssignmentRecord[]> {
    return (await tx.list<RoleAssignmentRecord>(KIND, { parent: principalId.toLowerCase() })).map((r) => r.value);
  },
  async all(tx: Tx): Promise<RoleAssignmentRecord[]> {
    return (await tx.list<RoleAssignmentRecord>(KIND)).map((r) => r.value);
  },
  /** Finds any assignment (any name) with this scope, role and principal. */
  async findSame(tx: Tx, scope: string, roleDefinitionId: string, principalId: string): Promise<RoleAssignmentRecord | undefined> {
    const guid = roleDefinitionId.split("/").pop()!.toLowerCase();
    return (await RoleAssignments.forPrincipal(tx, principalId)).find(
      (a) => foldScope(a.scope) === foldScope(scope) && a.roleDefinitionId.split("/").pop()!.toLowerCase() === guid,
    );
  },
};

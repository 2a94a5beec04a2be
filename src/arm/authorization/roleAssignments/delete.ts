import { RoleAssignments } from "../../../rbac/index.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { RA_ITEM, RA_ROUTE, roleAssignmentBody, scopeOf } from "./shared.js";

/** `DELETE {scope}/providers/Microsoft.Authorization/roleAssignments/{name}`: the deleted assignment, or 204. */
export const deleteOperation = defineOperation<ArmDeps>({
  method: "DELETE",
  path: RA_ITEM,
  ...RA_ROUTE,
  handler: async (_d, req, tx) => {
    const a = await RoleAssignments.get(tx, scopeOf(req), req.params.roleAssignmentName!);
    if (!a) return { status: 204 };
    await RoleAssignments.delete(tx, a.scope, a.name);
    return { status: 200, body: roleAssignmentBody(a) };
  },
});

import { RoleAssignments } from "../../../rbac/index.js";
import { ArmErrors } from "../../ArmError.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { RA_ITEM, RA_ROUTE, roleAssignmentBody, scopeOf } from "./shared.js";

/** `GET {scope}/providers/Microsoft.Authorization/roleAssignments/{name}`. */
export const get = defineOperation<ArmDeps>({
  method: "GET",
  path: RA_ITEM,
  ...RA_ROUTE,
  handler: async (_d, req, tx) => {
    const a = await RoleAssignments.get(tx, scopeOf(req), req.params.roleAssignmentName!);
    if (!a) throw ArmErrors.roleAssignmentNotFound(req.params.roleAssignmentName!);
    return { status: 200, body: roleAssignmentBody(a) };
  },
});

import { roleByGuid } from "../../../rbac/index.js";
import { ArmErrors } from "../../ArmError.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { scopeOf } from "../roleAssignments/shared.js";
import { RD_LIST, RD_ROUTE, roleDefinitionBody } from "./shared.js";

/** `GET {scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}`: built-in roles only. */
export const get = defineOperation<ArmDeps>({
  method: "GET",
  path: `${RD_LIST}/{roleDefinitionId}`,
  ...RD_ROUTE,
  handler: async (_d, req) => {
    const r = roleByGuid(req.params.roleDefinitionId!);
    if (!r) throw ArmErrors.roleDefinitionNotFound(req.params.roleDefinitionId!);
    return { status: 200, body: roleDefinitionBody(scopeOf(req), r) };
  },
});

import { BUILT_IN_ROLES } from "../../../rbac/index.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { scopeOf } from "../roleAssignments/shared.js";
import { RD_LIST, RD_ROUTE, roleDefinitionBody } from "./shared.js";

/** `GET {scope}/providers/Microsoft.Authorization/roleDefinitions` (with `$filter=roleName eq '…'`). */
export const list = defineOperation<ArmDeps>({
  method: "GET",
  path: RD_LIST,
  ...RD_ROUTE,
  handler: async (_d, req) => {
    const m = /roleName\s+eq\s+'([^']*)'/i.exec(req.query.$filter ?? "");
    const roles = m ? BUILT_IN_ROLES.filter((r) => r.roleName.toLowerCase() === m[1]!.toLowerCase()) : BUILT_IN_ROLES;
    return { status: 200, body: { value: roles.map((r) => roleDefinitionBody(scopeOf(req), r)) } };
  },
});

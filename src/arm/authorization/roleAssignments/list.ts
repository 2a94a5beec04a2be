import { RoleAssignments, scopeCovers } from "../../../rbac/index.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { checkScope, parseAssignmentFilter, RA_LIST, RA_ROUTE, roleAssignmentBody, scopeOf } from "./shared.js";

/** `GET {scope}/providers/Microsoft.Authorization/roleAssignments`: at, above and below the scope (`atScope()`: at and above). */
export const list = defineOperation<ArmDeps>({
  method: "GET",
  path: RA_LIST,
  ...RA_ROUTE,
  handler: async (d, req, tx) => {
    const scope = scopeOf(req);
    await checkScope(d, tx, scope);
    const f = parseAssignmentFilter(req.query.$filter);
    const who = f.principalId ?? f.assignedTo;
    const all = who ? await RoleAssignments.forPrincipal(tx, who) : await RoleAssignments.all(tx);
    const value = all.filter((a) => (f.atScope ? scopeCovers(a.scope, scope) : scopeCovers(a.scope, scope) || scopeCovers(scope, a.scope)));
    return { status: 200, body: { value: value.map(roleAssignmentBody) } };
  },
});

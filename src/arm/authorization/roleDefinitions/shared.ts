import type { RoleDefinition } from "../../../rbac/index.js";
import { AUTHORIZATION_API_VERSIONS } from "../../apiVersions.js";

export const RD_TYPE = "Microsoft.Authorization/roleDefinitions";
export const RD_LIST = "{scope*}/providers/Microsoft.Authorization/roleDefinitions";
export const RD_ROUTE = { type: RD_TYPE, apiVersions: AUTHORIZATION_API_VERSIONS } as const;
const BUILT_IN_DATE = "2015-02-02T21:55:09.8806423Z";

/** Built-in role definitions answer with a subscription-level id at any scope below a subscription, `/providers/...` at the root. */
export function roleDefinitionBody(scope: string, r: RoleDefinition): Record<string, unknown> {
  const sub = /^\/subscriptions\/([^/]+)/i.exec(scope);
  return {
    id: `${sub ? `/subscriptions/${sub[1]}` : ""}/providers/Microsoft.Authorization/roleDefinitions/${r.name}`,
    properties: {
      roleName: r.roleName,
      type: "BuiltInRole",
      description: r.description,
      assignableScopes: ["/"],
      permissions: r.permissions,
      createdOn: BUILT_IN_DATE,
      updatedOn: BUILT_IN_DATE,
      createdBy: null,
      updatedBy: null,
    },
    type: RD_TYPE,
    name: r.name,
  };
}

import type { RoleAssignmentRecord } from "../../../rbac/index.js";
import type { Tx } from "../../../store/index.js";
import { ArmErrors } from "../../ArmError.js";
import type { ArmRequest } from "../../ArmRoute.js";
import { AUTHORIZATION_API_VERSIONS } from "../../apiVersions.js";
import type { ArmDeps } from "../../deps.js";
import { ResourceGroups } from "../../resources/ResourceGroup.js";

export const RA_TYPE = "Microsoft.Authorization/roleAssignments";
export const RA_LIST = "{scope*}/providers/Microsoft.Authorization/roleAssignments";
export const RA_ITEM = `${RA_LIST}/{roleAssignmentName}`;
/** What every role assignment operation shares. */
export const RA_ROUTE = { type: RA_TYPE, apiVersions: AUTHORIZATION_API_VERSIONS } as const;

/** The scope the request's path names (`/` for the root). */
export const scopeOf = (req: ArmRequest): string => req.params.scope ?? "/";

function scopePrefix(scope: string): string {
  return scope === "/" ? "" : scope.replace(/\/+$/, "");
}

export function roleAssignmentBody(a: RoleAssignmentRecord): Record<string, unknown> {
  return {
    properties: {
      roleDefinitionId: a.roleDefinitionId,
      principalId: a.principalId,
      principalType: a.principalType,
      scope: a.scope,
      condition: a.condition,
      conditionVersion: a.conditionVersion,
      createdOn: a.createdOn,
      updatedOn: a.updatedOn,
      createdBy: a.createdBy,
      updatedBy: a.updatedBy,
      delegatedManagedIdentityResourceId: null,
      description: a.description,
    },
    id: `${scopePrefix(a.scope)}/providers/Microsoft.Authorization/roleAssignments/${a.name}`,
    type: RA_TYPE,
    name: a.name,
  };
}

/** Parses the `$filter` values ARM accepts on role assignment lists. */
export function parseAssignmentFilter(filter: string | undefined): { atScope: boolean; principalId?: string; assignedTo?: string } {
  if (!filter) return { atScope: false };
  const out: { atScope: boolean; principalId?: string; assignedTo?: string } = { atScope: /atScope\(\)/i.test(filter) };
  const p = /principalId\s+eq\s+'([^']+)'/i.exec(filter);
  if (p) out.principalId = p[1];
  const t = /assignedTo\('([^']+)'\)/i.exec(filter);
  if (t) out.assignedTo = t[1];
  return out;
}

/** A scope inside the lab's subscription must name it and, if it names one, an existing resource group. */
export async function checkScope({ ctx }: ArmDeps, tx: Tx, scope: string): Promise<void> {
  const m = /^\/subscriptions\/([^/]+)(?:\/resourcegroups\/([^/]+))?/i.exec(scope);
  if (!m) return;
  if (m[1]!.toLowerCase() !== ctx.config.subscriptionId) throw ArmErrors.subscriptionNotFound(m[1]!);
  if (m[2] && !(await ResourceGroups.get(tx, ctx.config.subscriptionId, m[2]))) throw ArmErrors.resourceGroupNotFound(m[2]);
}

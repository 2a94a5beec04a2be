import type { LabContext } from "../../platform/index.js";
import { BUILT_IN_ROLES, roleByGuid, roleGuidOf, RoleAssignments, scopeCovers, type RoleAssignmentRecord, type RoleDefinition } from "../../rbac/index.js";
import { Directory } from "../../entra/index.js";
import { GUID_RE } from "../../platform/index.js";
import { ArmError, ArmErrors } from "../ArmError.js";
import { isObject, type ArmRequest, type ArmRoute } from "../ArmRoute.js";
import { AUTHORIZATION_API_VERSIONS } from "../apiVersions.js";
import { ResourceGroups, type ResourceGroupCascade } from "../resources/ResourceGroup.js";
import type { Tx } from "../../store/index.js";

const RA_TYPE = "Microsoft.Authorization/roleAssignments";
const RD_TYPE = "Microsoft.Authorization/roleDefinitions";
const BUILT_IN_DATE = "2015-02-02T21:55:09.8806423Z";

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

/** Microsoft.Authorization: built-in role definitions and role assignments at any scope (reference §3). */
export function authorizationRoutes(ctx: LabContext): { routes: ArmRoute[]; cascade: ResourceGroupCascade } {
  const scopeOf = (req: ArmRequest) => req.params.scope ?? "/";

  async function checkScope(tx: Tx, scope: string): Promise<void> {
    const m = /^\/subscriptions\/([^/]+)(?:\/resourcegroups\/([^/]+))?/i.exec(scope);
    if (!m) return;
    if (m[1]!.toLowerCase() !== ctx.config.subscriptionId) throw ArmErrors.subscriptionNotFound(m[1]!);
    if (m[2] && !(await ResourceGroups.get(tx, ctx.config.subscriptionId, m[2]))) throw ArmErrors.resourceGroupNotFound(m[2]);
  }

  const routes: ArmRoute[] = [
    {
      pattern: "{scope*}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}",
      type: RA_TYPE,
      apiVersions: AUTHORIZATION_API_VERSIONS,
      operations: {
        GET: {
          action: `${RA_TYPE}/read`,
          write: false,
          handler: async (req, tx) => {
            const a = await RoleAssignments.get(tx, scopeOf(req), req.params.roleAssignmentName!);
            if (!a) throw new ArmError(404, "RoleAssignmentNotFound", `The role assignment '${req.params.roleAssignmentName}' is not found.`);
            return { status: 200, body: roleAssignmentBody(a) };
          },
        },
        PUT: {
          action: `${RA_TYPE}/write`,
          write: true,
          handler: async (req, tx) => {
            const scope = scopeOf(req);
            const name = req.params.roleAssignmentName!;
            await checkScope(tx, scope);
            if (!GUID_RE.test(name)) {
              throw ArmErrors.badRequest("InvalidRoleAssignmentId", `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`);
            }
            if (!isObject(req.body)) throw ArmErrors.invalidRequestContent("The request content was empty or not a JSON object");
            const p = isObject(req.body.properties) ? req.body.properties : {};
            if (typeof p.roleDefinitionId !== "string" || typeof p.principalId !== "string") {
              throw ArmErrors.badRequest("InvalidRequestContent", "The request content was invalid: 'properties.roleDefinitionId' and 'properties.principalId' are required.");
            }
            const roleGuid = roleGuidOf(p.roleDefinitionId);
            if (!roleByGuid(roleGuid)) {
              throw ArmErrors.badRequest("RoleDefinitionDoesNotExist", `The specified role definition with ID '${roleGuid}' does not exist.`);
            }
            const principal = await Directory.principal(tx, p.principalId);
            if (!principal) {
              throw ArmErrors.badRequest(
                "PrincipalNotFound",
                `Principal ${p.principalId.replace(/-/g, "")} does not exist in the directory ${ctx.config.tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`,
              ).withHint("use the identity's principalId (object id), not its clientId");
            }
            const existing = await RoleAssignments.get(tx, scope, name);
            if (existing) {
              if (existing.principalId.toLowerCase() !== p.principalId.toLowerCase() || roleGuidOf(existing.roleDefinitionId) !== roleGuid) {
                throw ArmErrors.badRequest("RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.");
              }
              return { status: 201, body: roleAssignmentBody(existing) };
            }
            const same = await RoleAssignments.findSame(tx, scope, p.roleDefinitionId, p.principalId);
            if (same) {
              throw ArmErrors.conflict("RoleAssignmentExists", `The role assignment already exists. The ID of the existing role assignment is ${same.name.replace(/-/g, "")}.`);
            }
            const now = new Date(ctx.clock.now()).toISOString();
            const a: RoleAssignmentRecord = {
              name: name.toLowerCase(),
              scope,
              roleDefinitionId: p.roleDefinitionId.startsWith("/") ? p.roleDefinitionId : `/subscriptions/${ctx.config.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
              principalId: p.principalId.toLowerCase(),
              principalType: typeof p.principalType === "string" ? p.principalType : principal.type,
              description: typeof p.description === "string" ? p.description : null,
              condition: typeof p.condition === "string" ? p.condition : null,
              conditionVersion: typeof p.conditionVersion === "string" ? p.conditionVersion : null,
              createdOn: now,
              updatedOn: now,
              createdBy: req.caller.oid,
              updatedBy: req.caller.oid,
            };
            await RoleAssignments.put(tx, a);
            return { status: 201, body: roleAssignmentBody(a) };
          },
        },
        DELETE: {
          action: `${RA_TYPE}/delete`,
          write: true,
          handler: async (req, tx) => {
            const a = await RoleAssignments.get(tx, scopeOf(req), req.params.roleAssignmentName!);
            if (!a) return { status: 204 };
            await RoleAssignments.delete(tx, a.scope, a.name);
            return { status: 200, body: roleAssignmentBody(a) };
          },
        },
      },
    },
    {
      pattern: "{scope*}/providers/Microsoft.Authorization/roleAssignments",
      type: RA_TYPE,
      apiVersions: AUTHORIZATION_API_VERSIONS,
      operations: {
        GET: {
          action: `${RA_TYPE}/read`,
          write: false,
          handler: async (req, tx) => {
            const scope = scopeOf(req);
            await checkScope(tx, scope);
            const f = parseAssignmentFilter(req.query.$filter);
            const who = f.principalId ?? f.assignedTo;
            const all = who ? await RoleAssignments.forPrincipal(tx, who) : await RoleAssignments.all(tx);
            const value = all.filter((a) => (f.atScope ? scopeCovers(a.scope, scope) : scopeCovers(a.scope, scope) || scopeCovers(scope, a.scope)));
            return { status: 200, body: { value: value.map(roleAssignmentBody) } };
          },
        },
      },
    },
    {
      pattern: "{scope*}/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionId}",
      type: RD_TYPE,
      apiVersions: AUTHORIZATION_API_VERSIONS,
      operations: {
        GET: {
          action: `${RD_TYPE}/read`,
          write: false,
          handler: async (req) => {
            const r = roleByGuid(req.params.roleDefinitionId!);
            if (!r) throw new ArmError(404, "RoleDefinitionDoesNotExist", `The specified role definition with ID '${req.params.roleDefinitionId}' does not exist.`);
            return { status: 200, body: roleDefinitionBody(scopeOf(req), r) };
          },
        },
      },
    },
    {
      pattern: "{scope*}/providers/Microsoft.Authorization/roleDefinitions",
      type: RD_TYPE,
      apiVersions: AUTHORIZATION_API_VERSIONS,
      operations: {
        GET: {
          action: `${RD_TYPE}/read`,
          write: false,
          handler: async (req) => {
            const m = /roleName\s+eq\s+'([^']*)'/i.exec(req.query.$filter ?? "");
            const roles = m ? BUILT_IN_ROLES.filter((r) => r.roleName.toLowerCase() === m[1]!.toLowerCase()) : BUILT_IN_ROLES;
            return { status: 200, body: { value: roles.map((r) => roleDefinitionBody(scopeOf(req), r)) } };
          },
        },
      },
    },
  ];

  const cascade: ResourceGroupCascade = async (tx, s, rg) => {
    const rgScope = `/subscriptions/${s}/resourcegroups/${rg}`;
    for (const a of await RoleAssignments.all(tx)) {
      if (scopeCovers(rgScope, a.scope)) await RoleAssignments.delete(tx, a.scope, a.name);
    }
  };
  return { routes, cascade };
}


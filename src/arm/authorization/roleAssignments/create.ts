import { Directory } from "../../../entra/index.js";
import { GUID_RE } from "../../../platform/index.js";
import { roleByGuid, roleGuidOf, RoleAssignments, type RoleAssignmentRecord } from "../../../rbac/index.js";
import type { Tx } from "../../../store/index.js";
import { ArmErrors } from "../../ArmError.js";
import { isObject, type ArmRequest, type ArmResponse } from "../../ArmRoute.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { checkScope, RA_ITEM, RA_ROUTE, roleAssignmentBody, scopeOf } from "./shared.js";

/** The body's properties, checked in ARM's order: a GUID name, a JSON object, the two required ids, a known role. */
function createInput(req: ArmRequest): { name: string; p: Record<string, unknown> & { roleDefinitionId: string; principalId: string }; roleGuid: string } {
  const name = req.params.roleAssignmentName!;
  if (!GUID_RE.test(name)) throw ArmErrors.invalidRoleAssignmentId(name);
  if (!isObject(req.body)) throw ArmErrors.emptyBody();
  const p = isObject(req.body.properties) ? req.body.properties : {};
  if (typeof p.roleDefinitionId !== "string" || typeof p.principalId !== "string") throw ArmErrors.roleAssignmentFieldsRequired();
  const roleGuid = roleGuidOf(p.roleDefinitionId);
  if (!roleByGuid(roleGuid)) throw ArmErrors.roleDefinitionDoesNotExist(roleGuid);
  return { name, p: p as Record<string, unknown> & { roleDefinitionId: string; principalId: string }, roleGuid };
}

const stringOrNull = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** The new assignment, its role definition id made subscription-relative when given as a bare GUID. */
function newAssignment({ ctx }: ArmDeps, req: ArmRequest, i: ReturnType<typeof createInput>, principalType: string): RoleAssignmentRecord {
  const { p, roleGuid } = i;
  const now = new Date(ctx.clock.now()).toISOString();
  return {
    name: i.name.toLowerCase(),
    scope: scopeOf(req),
    roleDefinitionId: p.roleDefinitionId.startsWith("/") ? p.roleDefinitionId : `/subscriptions/${ctx.config.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
    principalId: p.principalId.toLowerCase(),
    principalType: typeof p.principalType === "string" ? p.principalType : principalType,
    description: stringOrNull(p.description),
    condition: stringOrNull(p.condition),
    conditionVersion: stringOrNull(p.conditionVersion),
    createdOn: now,
    updatedOn: now,
    createdBy: req.caller.oid,
    updatedBy: req.caller.oid,
  };
}

async function create(d: ArmDeps, req: ArmRequest, tx: Tx): Promise<ArmResponse> {
  const scope = scopeOf(req);
  await checkScope(d, tx, scope);
  const i = createInput(req);
  const { p, roleGuid } = i;
  const principal = await Directory.principal(tx, p.principalId);
  const declared = typeof p.principalType === "string" ? p.principalType : undefined;
  // With principalType set, ARM creates the assignment without a directory lookup: the clientId-for-principalId
  // slip then surfaces later as ForbiddenByRbac. Without it, ARM looks the principal up (PrincipalNotFound).
  if (!principal && !declared) throw ArmErrors.principalNotFound(p.principalId, d.ctx.config.tenantId).withHint("use the identity's principalId (object id), not its clientId");
  if (principal && declared && declared.toLowerCase() !== principal.type.toLowerCase()) throw ArmErrors.unmatchedPrincipalType(p.principalId, principal.type, declared);
  if (!principal) {
    d.ctx.labLog.log({ level: "warn", face: "arm", op: "PUT roleAssignments", status: 201, caller: { objectId: req.caller.oid, clientId: req.caller.appid }, hint: `no principal in the lab's directory has object id ${p.principalId}: the assignment is created (principalType '${declared}' skips the lookup, as in Azure) but grants nothing — is it a clientId instead of a principalId?` });
  }
  const existing = await RoleAssignments.get(tx, scope, i.name);
  if (existing) {
    if (existing.principalId.toLowerCase() !== p.principalId.toLowerCase() || roleGuidOf(existing.roleDefinitionId) !== roleGuid) throw ArmErrors.roleAssignmentUpdateNotPermitted();
    return { status: 201, body: roleAssignmentBody(existing) };
  }
  const same = await RoleAssignments.findSame(tx, scope, p.roleDefinitionId, p.principalId);
  if (same) throw ArmErrors.roleAssignmentExists(same.name);
  const a = newAssignment(d, req, i, principal?.type ?? declared!);
  await RoleAssignments.put(tx, a);
  return { status: 201, body: roleAssignmentBody(a) };
}

/** `PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{guid}`: 201 for a new one and for the same one again. */
export const createOperation = defineOperation<ArmDeps>({
  method: "PUT",
  path: RA_ITEM,
  ...RA_ROUTE,
  handler: (d, req, tx) => create(d, req, tx),
});

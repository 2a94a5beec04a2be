import type { LabContext } from "../platform/index.js";
import type { AccessTokenClaims } from "../entra/index.js";
import type { Tx } from "../store/index.js";
import { authorize, RbacGrants, roleByGuid, roleGuidOf, RoleAssignments, type RoleAssignmentRecord } from "../rbac/index.js";
import { KeyVaultErrors, type KeyVaultError, type KvCallerText } from "./KeyVaultError.js";
import type { AccessPolicyEntry, VaultRecord } from "./Vaults.js";
import type { KvOperation } from "./ops/types.js";

export function callerText(claims: AccessTokenClaims): KvCallerText {
  return { appid: claims.appid, oid: claims.oid, iss: claims.iss };
}

/** Which grant allowed a data-plane request, or why none did (the audit log's lab extension). */
export interface KvAuthorization {
  model: "rbac" | "accessPolicy";
  roleAssignmentId?: string;
  roleDefinitionName?: string;
  deniedReason?: string;
}

/** The full ARM id of a role assignment. */
function assignmentId(a: RoleAssignmentRecord): string {
  return `${a.scope.replace(/\/+$/, "")}/providers/Microsoft.Authorization/roleAssignments/${a.name}`;
}

/**
 * The data-plane permission check (reference §3.3). With `enableRbacAuthorization`, the operation's data action
 * must be granted by a role assigned to the caller at the secret's scope or above (honouring the lab's RBAC
 * propagation delay); otherwise an access policy for the caller's object id must list the permission.
 * Returns the grant that allowed the request; throws Key Vault's 403 otherwise.
 */
export async function checkAccess(ctx: LabContext, tx: Tx, vault: VaultRecord, claims: AccessTokenClaims, op: KvOperation, secretName: string | undefined): Promise<KvAuthorization> {
  const d = await decideAccess(ctx, tx, vault, claims, op, secretName);
  if (d.error) throw d.error;
  return d.authorization;
}

type AccessDecision = { authorization: KvAuthorization; error?: KeyVaultError };

/**
 * The RBAC decision: a grant cached for (caller, target, data action) when one is still valid (see
 * src/rbac/decisionCache.ts), else the caller's assignments that have propagated on the lab clock. Only grants
 * decided in a read transaction (`op.write` false) are cached; denials are always decided afresh.
 */
async function rbacDecision(ctx: LabContext, tx: Tx, vault: VaultRecord, claims: AccessTokenClaims, op: KvOperation, target: string): Promise<AccessDecision> {
  const now = ctx.clock.now();
  const delay = ctx.faults.rbacPropagationMs(ctx.config.rbacPropagationMs);
  const cached = RbacGrants.get<KvAuthorization>(tx, claims.oid, target, op.dataAction, now, delay);
  if (cached) return { authorization: cached };
  const all = await RoleAssignments.forPrincipal(tx, claims.oid);
  const effective = delay > 0 ? all.filter((a) => Date.parse(a.createdOn) + delay <= now) : all;
  const granted = authorize(effective, claims.oid, op.dataAction, target, "dataAction").assignment;
  if (granted) {
    const authorization: KvAuthorization = Object.freeze({ model: "rbac", roleAssignmentId: assignmentId(granted), roleDefinitionName: roleByGuid(roleGuidOf(granted.roleDefinitionId))?.roleName } as const);
    if (!op.write) RbacGrants.set(tx, claims.oid, target, op.dataAction, now, delay, authorization);
    return { authorization };
  }
  const pending = delay > 0 && authorize(all, claims.oid, op.dataAction, target, "dataAction").assignment;
  const fault = pending ? ctx.faults.propagationFault("rbac") : undefined;
  if (pending && fault) ctx.faults.affected({ fault, face: "keyvault", op: `${op.method} ${target}`, status: 403, detail: `role assignment ${pending.name} still propagating` });
  const hint = pending
    ? `role assignment ${pending.name} grants this but is still propagating (the lab's RBAC propagation delay is ${delay} ms${fault ? `, set by wilab fault ${fault.id}` : ""})`
    : `no role assigned to ${claims.oid} at '${target}' or above grants ${op.dataAction}; e.g. assign "Key Vault Secrets ${op.permission === "get" || op.permission === "list" ? "User" : "Officer"}" on the vault`;
  return {
    authorization: { model: "rbac", deniedReason: hint },
    error: KeyVaultErrors.forbiddenByRbac(callerText(claims), op.dataAction, target, vault.name, vault.location).withHint(hint),
  };
}

/** The decision itself: the grant (or the denial) and, when denied, Key Vault's 403. */
export async function decideAccess(
  ctx: LabContext,
  tx: Tx,
  vault: VaultRecord,
  claims: AccessTokenClaims,
  op: KvOperation,
  secretName: string | undefined,
): Promise<AccessDecision> {
  if (vault.enableRbacAuthorization) return rbacDecision(ctx, tx, vault, claims, op, secretName ? `${vault.id}/secrets/${secretName}` : vault.id);
  const policies = vault.accessPolicies as AccessPolicyEntry[];
  const oid = claims.oid.toLowerCase();
  const granted = policies.some(
    (p) =>
      p.objectId.toLowerCase() === oid &&
      p.tenantId.toLowerCase() === claims.tid.toLowerCase() &&
      (!p.applicationId || p.applicationId.toLowerCase() === claims.appid.toLowerCase()) &&
      (p.permissions.secrets ?? []).some((s) => s === "all" || s === op.permission),
  );
  if (granted) return { authorization: { model: "accessPolicy" } };
  const hint = `the vault uses access policies (enableRbacAuthorization is false): add a policy for object id ${claims.oid} with secrets permission '${op.permission}'`;
  return {
    authorization: { model: "accessPolicy", deniedReason: hint },
    error: KeyVaultErrors.accessDenied(callerText(claims), op.permission, vault.name, vault.location).withHint(hint),
  };
}

/**
 * Check 8: a role assignment grants the identity's principal the data action `secrets/getSecret/action` on the
 * vault the pod uses (or the secret it reads). When none does, the near misses are named: a role given to another
 * principal (the clientId, another identity), at a scope that does not contain the vault, or a role without the action.
 */
import { authorize, roleByGuid, roleGuidOf, scopeCovers, type RoleAssignmentRecord } from "../../../rbac/index.js";
import type { CheckResult, IdentityView, PodSnapshot } from "../types.js";
import { clientIdInUse, GET_SECRET, identityByClientId, q, result, SECRETS_USER } from "./common.js";

const ID = "role-assignment";
const TITLE = "role assignments granting getSecret on the vault";

/** What the role check needs: the pod snapshot or the vault snapshot both carry it. */
export interface RoleView {
  identity?: IdentityView;
  identities: IdentityView[];
  vault: { id: string; name: string; enableRbacAuthorization: boolean };
  secretName?: string;
  roleAssignments: RoleAssignmentRecord[];
  principalNames: Record<string, string>;
}

const roleName = (a: RoleAssignmentRecord) => roleByGuid(roleGuidOf(a.roleDefinitionId))?.roleName ?? roleGuidOf(a.roleDefinitionId);

/** True when the assignment's role includes the data action (whoever it is given to, wherever). */
export function grantsGetSecret(a: RoleAssignmentRecord): boolean {
  return authorize([a], a.principalId, GET_SECRET, a.scope, "dataAction").allowed;
}

/** Who a principal id is, in words. */
export function principalText(v: Pick<RoleView, "identities" | "principalNames">, id: string): string {
  const l = id.toLowerCase();
  const byClient = v.identities.find((i) => i.clientId.toLowerCase() === l);
  if (byClient) return `${id}, the clientId of identity ${byClient.name} (a role assignment needs its principalId ${byClient.principalId})`;
  const byPrincipal = v.identities.find((i) => i.principalId.toLowerCase() === l);
  if (byPrincipal) return `${id}, the principal of identity ${byPrincipal.name}`;
  const name = v.principalNames[l];
  return name ? `${id} (${name})` : `${id} (not a principal of the tenant)`;
}

export function assignCommand(principalId: string, scope: string): string {
  return `az role assignment create --assignee-object-id ${principalId} --role ${q(SECRETS_USER)} --scope ${q(scope)} --assignee-principal-type ServicePrincipal`;
}

export function checkRoleAssignmentFor(v: RoleView): CheckResult {
  const identity = v.identity!;
  const target = v.secretName ? `${v.vault.id}/secrets/${v.secretName}` : v.vault.id;
  const d = authorize(v.roleAssignments, identity.principalId, GET_SECRET, target, "dataAction");
  if (d.allowed) {
    const a = d.assignment!;
    return result(ID, TITLE, "pass", `'${roleName(a)}' assigned to ${identity.name} (principal ${identity.principalId}) at ${a.scope} grants ${GET_SECRET} on ${target}`);
  }
  const fix = assignCommand(identity.principalId, v.vault.id);
  const granting = v.roleAssignments.filter(grantsGetSecret);
  const mine = (a: RoleAssignmentRecord) => a.principalId.toLowerCase() === identity.principalId.toLowerCase();
  const wrongPrincipal = granting.filter((a) => !mine(a) && scopeCovers(a.scope, target));
  const wrongScope = granting.filter((a) => mine(a) && !scopeCovers(a.scope, target));
  const wrongRole = v.roleAssignments.filter((a) => mine(a) && scopeCovers(a.scope, target) && !grantsGetSecret(a));
  // Only principals that look like a slip: an identity's clientId, an id no principal has, another managed identity
  // (users and applications that hold roles on the vault are someone else's business).
  const isClientId = (a: RoleAssignmentRecord) => v.identities.some((i) => i.clientId.toLowerCase() === a.principalId.toLowerCase());
  const isUnknown = (a: RoleAssignmentRecord) => !v.principalNames[a.principalId.toLowerCase()];
  const isOtherIdentity = (a: RoleAssignmentRecord) => v.identities.some((i) => i.principalId.toLowerCase() === a.principalId.toLowerCase());
  const suspect = wrongPrincipal.find(isClientId) ?? wrongPrincipal.find(isUnknown) ?? wrongPrincipal.find(isOtherIdentity);
  if (suspect) {
    return result(ID, TITLE, "fail", `'${roleName(suspect)}' at ${suspect.scope} is assigned to ${principalText(v, suspect.principalId)}, not to ${identity.name}'s principal ${identity.principalId}: Key Vault answers 403 ForbiddenByRbac`, {
      expected: `principalId ${identity.principalId} (identity ${identity.name})`,
      actual: `principalId ${suspect.principalId}`,
      fix,
    });
  }
  if (wrongScope.length) {
    const a = wrongScope[0]!;
    return result(ID, TITLE, "fail", `'${roleName(a)}' is assigned to ${identity.name} at ${a.scope}, which does not contain vault ${v.vault.name} (${v.vault.id}): Key Vault answers 403 ForbiddenByRbac`, {
      expected: `a scope containing ${target}`,
      actual: `scope ${a.scope}`,
      fix,
    });
  }
  if (wrongRole.length) {
    const a = wrongRole[0]!;
    return result(ID, TITLE, "fail", `'${roleName(a)}' assigned to ${identity.name} at ${a.scope} does not include ${GET_SECRET}`, {
      expected: `a role with ${GET_SECRET} (e.g. '${SECRETS_USER}')`,
      actual: `'${roleName(a)}'`,
      fix,
    });
  }
  return result(ID, TITLE, "fail", `no role assignment grants ${identity.name} (principal ${identity.principalId}) ${GET_SECRET} on ${target}: Key Vault answers 403 ForbiddenByRbac`, {
    expected: `'${SECRETS_USER}' (or a role with ${GET_SECRET}) for ${identity.principalId} at ${v.vault.id} or above`,
    actual: "no such assignment",
    fix,
  });
}

/** The pod's view: the identity behind its client id, the vault from KEYVAULT_URL (or the audit log). */
export function checkRoleAssignment(s: PodSnapshot): CheckResult {
  const identity = identityByClientId(s, clientIdInUse(s));
  if (!identity) return result(ID, TITLE, "skip", "no identity to look up (see identity)");
  if (!s.vaultRef) return result(ID, TITLE, "skip", "the pod names no vault: no KEYVAULT_URL env and no Key Vault audit event for its identity (name one with --vault)");
  if (!s.vault) return result(ID, TITLE, "skip", `vault ${s.vaultRef.name} does not exist (see vault)`);
  if (!s.vault.enableRbacAuthorization) return result(ID, TITLE, "skip", `vault ${s.vault.name} uses access policies, not RBAC (see vault)`);
  return checkRoleAssignmentFor({ identity, identities: s.identities, vault: s.vault, secretName: s.vaultRef.secretName, roleAssignments: s.roleAssignments, principalNames: s.principalNames });
}

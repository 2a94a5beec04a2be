/**
 * Check 10: the propagation delays in force (configured, or a `fault add propagation`). A federated credential or
 * a role assignment younger than its delay is not usable yet: Entra answers AADSTS70021, Key Vault 403, until then.
 */
import { matchFederatedCredential } from "../../ficMatch.js";
import { authorize, type RoleAssignmentRecord } from "../../../rbac/index.js";
import type { FederatedIdentityCredentialRecord } from "../../../entra/index.js";
import type { CheckResult, PodSnapshot, PropagationView } from "../types.js";
import { clientIdInUse, GET_SECRET, identityByClientId, presentedClaims, result, seconds } from "./common.js";

const ID = "propagation";
const TITLE = "the propagation delays in force";

export function checkPropagationOf(now: number, p: PropagationView, fics: FederatedIdentityCredentialRecord[], assignments: RoleAssignmentRecord[]): CheckResult {
  const pending: string[] = [];
  let wait = 0;
  for (const f of fics) {
    const left = f.updatedAt + p.ficMs - now;
    if (left > 0) wait = Math.max(wait, left);
    if (left > 0) pending.push(`federated credential ${f.name} changed ${seconds(now - f.updatedAt)} ago and is usable in ${seconds(left)} (Entra's delay in force: ${seconds(p.ficMs)})`);
  }
  for (const a of assignments) {
    const left = Date.parse(a.createdOn) + p.rbacMs - now;
    if (left > 0) wait = Math.max(wait, left);
    if (left > 0) pending.push(`role assignment ${a.name} was made ${seconds(now - Date.parse(a.createdOn))} ago and takes effect in ${seconds(left)} (RBAC delay in force: ${seconds(p.rbacMs)})`);
  }
  const delays = `federated credentials ${seconds(p.ficMs)}, role assignments ${seconds(p.rbacMs)}`;
  if (pending.length) {
    return result(ID, TITLE, "warn", `still propagating: ${pending.join("; ")}`, { expected: "propagated", actual: pending.join("; "), fix: `wilab clock advance ${Math.ceil(wait / 1000)}s` });
  }
  return result(ID, TITLE, "pass", `delays in force: ${delays}; nothing the chain uses is still propagating`);
}

export function checkPropagation(s: PodSnapshot): CheckResult {
  const identity = identityByClientId(s, clientIdInUse(s));
  const v = identity ? matchFederatedCredential(identity.credentials, presentedClaims(s)) : undefined;
  const fics = v?.matched ? [v.credential] : [];
  const target = s.vault ? (s.vaultRef?.secretName ? `${s.vault.id}/secrets/${s.vaultRef.secretName}` : s.vault.id) : undefined;
  const granting = identity && target ? authorize(s.roleAssignments, identity.principalId, GET_SECRET, target, "dataAction").assignment : undefined;
  return checkPropagationOf(s.now, s.propagation, fics, granting ? [granting] : []);
}

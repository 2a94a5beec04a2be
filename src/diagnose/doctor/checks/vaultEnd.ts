/**
 * `doctor vault`: the chain from the vault's end: it exists and its model, who may read secrets (and role
 * assignments given to a clientId by mistake), the recent requests it denied, and what is still propagating.
 */
import { scopeCovers } from "../../../rbac/index.js";
import type { CheckResult, VaultSnapshot } from "../types.js";
import { GET_SECRET, result } from "./common.js";
import { assignCommand, grantsGetSecret, principalText } from "./roleAssignment.js";
import { checkVaultFor } from "./vault.js";
import { checkPropagationOf } from "./propagation.js";

export function checkVaultExists(s: VaultSnapshot): CheckResult {
  return checkVaultFor(s.name, s.vault, !!s.vaultDeleted, undefined);
}

export function checkVaultReaders(s: VaultSnapshot): CheckResult {
  const id = "role-assignments";
  const title = "who may read the vault's secrets";
  const v = s.vault!;
  if (!v.enableRbacAuthorization) return result(id, title, "skip", "the vault uses access policies (see vault)");
  const readers = s.roleAssignments.filter((a) => grantsGetSecret(a) && scopeCovers(a.scope, v.id));
  const slip = readers.find((a) => s.identities.some((i) => i.clientId.toLowerCase() === a.principalId.toLowerCase()));
  if (slip) {
    const i = s.identities.find((x) => x.clientId.toLowerCase() === slip.principalId.toLowerCase())!;
    return result(id, title, "fail", `an assignment at ${slip.scope} names ${principalText(s, slip.principalId)}: it grants nothing to the identity`, {
      expected: `principalId ${i.principalId}`,
      actual: `principalId ${slip.principalId}`,
      fix: assignCommand(i.principalId, v.id),
    });
  }
  if (readers.length === 0) return result(id, title, "warn", `no role assignment grants ${GET_SECRET} on ${v.id}: nobody can read its secrets`);
  return result(id, title, "pass", `${GET_SECRET} is granted to ${readers.map((a) => principalText(s, a.principalId)).join("; ")}`);
}

/** The newest request of each caller, when it was denied. */
export function checkDeniedRequests(s: VaultSnapshot): CheckResult {
  const id = "denied-requests";
  const title = "recent requests the vault denied";
  const seen = new Set<string>();
  const denied: typeof s.auditEvents = [];
  for (const e of s.auditEvents) {
    const who = e.identity.claim.oid ?? e.callerIpAddress;
    if (seen.has(who)) continue;
    seen.add(who);
    if (e.properties.httpStatusCode === 401 || e.properties.httpStatusCode === 403) denied.push(e);
  }
  if (denied.length === 0) return result(id, title, "pass", s.auditEvents.length ? `no caller's latest request was denied (${s.auditEvents.length} recent events)` : "no requests recorded");
  const e = denied[0]!;
  const oid = e.identity.claim.oid;
  const who = oid ? principalText(s, oid) : e.callerIpAddress;
  return result(id, title, "fail", `${e.operationName} by ${who} at ${e.time} was denied: ${e.properties.httpStatusCode} ${e.resultSignature}${e.authorization?.deniedReason ? ` (${e.authorization.deniedReason})` : ""}${denied.length > 1 ? `; ${denied.length - 1} other caller(s) denied too` : ""}`, {
    expected: `${GET_SECRET} for ${oid ?? "the caller"}`,
    actual: `${e.properties.httpStatusCode} ${e.resultSignature}`,
    fix: oid && s.vault?.enableRbacAuthorization ? assignCommand(oid, s.vault.id) : undefined,
  });
}

export function checkVaultPropagation(s: VaultSnapshot): CheckResult {
  const v = s.vault!;
  return checkPropagationOf(s.now, s.propagation, [], s.roleAssignments.filter((a) => scopeCovers(a.scope, v.id)));
}

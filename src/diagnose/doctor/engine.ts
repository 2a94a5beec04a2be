/**
 * The doctor's engine: the checks of each end, in chain order, run over a snapshot. Pure: the same snapshot
 * always gives the same report.
 */
import type { Check, CheckResult, DoctorReport, IdentitySnapshot, PodSnapshot, VaultSnapshot } from "./types.js";
import { checkPodLabel } from "./checks/podLabel.js";
import { checkServiceAccount } from "./checks/serviceAccount.js";
import { checkWebhookMutation } from "./checks/webhookMutation.js";
import { checkToken } from "./checks/token.js";
import { checkIdentity } from "./checks/identity.js";
import { checkFederatedCredential } from "./checks/federatedCredential.js";
import { checkSignIn } from "./checks/signIn.js";
import { checkRoleAssignment } from "./checks/roleAssignment.js";
import { checkVault } from "./checks/vault.js";
import { checkPropagation } from "./checks/propagation.js";
import { checkCredentialIssuers, checkIdentityExists, checkIdentityPropagation, checkIdentityRoles, checkIdentitySignIn, checkServiceAccountsTrusted } from "./checks/identityEnd.js";
import { checkDeniedRequests, checkVaultExists, checkVaultPropagation, checkVaultReaders } from "./checks/vaultEnd.js";

/** `doctor pod`: from the pod's label to the propagation delays. */
export const POD_CHECKS: readonly Check<PodSnapshot>[] = [
  checkPodLabel,
  checkServiceAccount,
  checkWebhookMutation,
  checkToken,
  checkIdentity,
  checkFederatedCredential,
  checkSignIn,
  checkRoleAssignment,
  checkVault,
  checkPropagation,
];

/** `doctor identity`: the first check gates the rest (nothing to look at without the identity). */
export const IDENTITY_CHECKS: readonly Check<IdentitySnapshot>[] = [checkIdentityExists, checkCredentialIssuers, checkServiceAccountsTrusted, checkIdentitySignIn, checkIdentityRoles, checkIdentityPropagation];

/** `doctor vault`: the first check gates the rest. */
export const VAULT_CHECKS: readonly Check<VaultSnapshot>[] = [checkVaultExists, checkVaultReaders, checkDeniedRequests, checkVaultPropagation];

export function runChecks<S>(s: S, checks: readonly Check<S>[], gate = false): CheckResult[] {
  const out: CheckResult[] = [];
  for (const c of checks) {
    out.push(c(s, out));
    if (gate && out.length === 1 && out[0]!.status === "fail") break;
  }
  return out;
}

export function report(target: string, checks: CheckResult[]): DoctorReport {
  const summary = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const c of checks) summary[c.status]++;
  return { target, ok: summary.fail === 0, summary, checks };
}

export function diagnosePod(s: PodSnapshot): DoctorReport {
  return report(`pod ${s.pod.metadata.namespace ?? "default"}/${s.pod.metadata.name} in cluster ${s.cluster.name}`, runChecks(s, POD_CHECKS));
}

export function diagnoseIdentity(s: IdentitySnapshot): DoctorReport {
  return report(`identity ${s.query.name} in resource group ${s.query.resourceGroup}`, runChecks(s, IDENTITY_CHECKS, true));
}

export function diagnoseVault(s: VaultSnapshot): DoctorReport {
  return report(`vault ${s.name}`, runChecks(s, VAULT_CHECKS, true));
}

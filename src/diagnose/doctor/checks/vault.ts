/**
 * Check 9: the vault exists (or is soft-deleted) and which permission model it uses. With access policies
 * (enableRbacAuthorization false) role assignments do not count: a policy for the identity's object id must list
 * secrets `get`.
 */
import type { AccessPolicyEntry, VaultRecord } from "../../../keyvault/index.js";
import type { CheckResult, IdentityView, PodSnapshot } from "../types.js";
import { clientIdInUse, identityByClientId, q, result } from "./common.js";

const ID = "vault";
const TITLE = "the vault and its permission model";

export function checkVaultFor(name: string | undefined, vault: VaultRecord | undefined, deleted: boolean, identity: IdentityView | undefined, source?: string): CheckResult {
  if (!name) return result(ID, TITLE, "skip", "no vault named (no KEYVAULT_URL env, no audit event; name one with --vault)");
  if (!vault) {
    return result(ID, TITLE, "fail", `there is no vault named ${name}${source ? ` (from ${source})` : ""}${deleted ? "; it is soft-deleted" : ""}: the SDK gets no answer from its host`, {
      expected: `vault ${name}`,
      actual: deleted ? "soft-deleted" : "not found",
      fix: deleted ? `az keyvault recover --name ${name}` : `az keyvault create --name ${name} --resource-group <group> --enable-rbac-authorization true`,
    });
  }
  if (vault.enableRbacAuthorization) return result(ID, TITLE, "pass", `vault ${vault.name} exists and uses Azure RBAC: role assignments decide (${vault.id})`);
  if (!identity) return result(ID, TITLE, "warn", `vault ${vault.name} uses access policies (enableRbacAuthorization is false): role assignments are ignored`);
  const policy = (vault.accessPolicies as AccessPolicyEntry[]).find((p) => p.objectId.toLowerCase() === identity.principalId.toLowerCase());
  const perms = policy?.permissions.secrets ?? [];
  if (perms.some((p) => p.toLowerCase() === "get" || p.toLowerCase() === "all")) {
    return result(ID, TITLE, "pass", `vault ${vault.name} uses access policies; the policy for ${identity.name} (object id ${identity.principalId}) allows secrets get`);
  }
  return result(ID, TITLE, "fail", `vault ${vault.name} uses access policies (enableRbacAuthorization is false), so role assignments are ignored, and ${policy ? `the policy for ${identity.name} allows secrets ${perms.join(",") || "nothing"}` : `no policy names ${identity.name}'s object id ${identity.principalId}`}: Key Vault answers 403 AccessDenied`, {
    expected: `an access policy for object id ${identity.principalId} with secrets get, or enableRbacAuthorization=true`,
    actual: policy ? `secrets permissions: ${perms.join(",") || "none"}` : "no policy for the identity",
    fix: `az keyvault set-policy --name ${q(vault.name)} --object-id ${identity.principalId} --secret-permissions get`,
  });
}

export function checkVault(s: PodSnapshot): CheckResult {
  return checkVaultFor(s.vaultRef?.name, s.vault, !!s.vaultDeleted, identityByClientId(s, clientIdInUse(s)), s.vaultRef?.source);
}

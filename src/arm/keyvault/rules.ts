import { ArmError } from "../ArmError.js";

/** Key Vault's ARM rules and error texts (reference §4.1). */
export const VAULT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;
export const RETENTION_MIN_DAYS = 7;
export const RETENTION_MAX_DAYS = 90;
export const RETENTION_DEFAULT_DAYS = 90;
export const SECRET_PERMISSIONS = ["all", "get", "list", "set", "delete", "backup", "restore", "recover", "purge"];

export function vaultNameValid(name: string): boolean {
  return VAULT_NAME.test(name) && !name.includes("--");
}

export const KvArmErrors = {
  /** [V] wording as az prints it; the code is KV's. */
  vaultNameNotValid: (name: string) =>
    new ArmError(
      400,
      "VaultNameNotValid",
      `The vault name '${name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens. Follow this link for more information: https://go.microsoft.com/fwlink/?linkid=2147742`,
    ),
  vaultAlreadyExists: (name: string) =>
    new ArmError(
      409,
      "VaultAlreadyExists",
      `The vault name '${name}' is already in use. Vault names are globally unique so it is possible that the name is already taken. If you are sure that the vault name was not taken then it is possible that a vault with the same name was recently deleted but not purged after being placed in a recoverable state. If the vault is in a recoverable state then the vault will need to be purged before reusing the name. For more information on VaultAlreadyExists, soft delete and purging a vault follow this link https://go.microsoft.com/fwlink/?linkid=2147740.`,
    ),
  /** [V] azure-cli#29115. */
  deletedVaultExists: () =>
    new ArmError(
      409,
      "ConflictError",
      "A vault with the same name already exists in deleted state. You need to either recover or purge existing key vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft delete.",
    ),
  /** [V] azure-cli#29115. */
  purgeProtectionIrreversible: () =>
    new ArmError(400, "BadRequest", 'The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection for a vault is an irreversible action.'),
  /** [I] text. */
  softDeleteIrreversible: () =>
    new ArmError(400, "BadRequest", 'The property "enableSoftDelete" cannot be set to false. Enabling the soft delete for a vault is an irreversible action.'),
  /** [I] text. */
  retentionOutOfRange: (v: unknown) =>
    new ArmError(400, "BadRequest", `The property "softDeleteRetentionInDays" has an invalid value '${String(v)}'. It must be an integer between ${RETENTION_MIN_DAYS} and ${RETENTION_MAX_DAYS}.`),
  /** [I] text; retention is fixed at creation (key-vault soft-delete-overview). */
  retentionImmutable: () => new ArmError(400, "BadRequest", 'The property "softDeleteRetentionInDays" cannot be changed once the vault has been created.'),
  /** [I] text. */
  missingProperty: (name: string) => new ArmError(400, "BadRequest", `The parameter ${name} is required.`),
  /** [I] text. */
  invalidProperty: (name: string, value: unknown) => new ArmError(400, "BadRequest", `The value '${typeof value === "string" ? value : JSON.stringify(value)}' of the parameter ${name} is invalid.`),
  /** [V] "(MethodNotAllowed) Operation 'DeletedVaultPurge' is not allowed." (AzureTRE#1446); the HTTP status is [I]. */
  purgeNotAllowed: () => new ArmError(405, "MethodNotAllowed", "Operation 'DeletedVaultPurge' is not allowed."),
  /** [I] text. */
  deletedVaultNotFound: (name: string) => new ArmError(404, "ResourceNotFound", `The specified deleted vault '${name}' was not found.`),
  /** [I] text. */
  recoverElsewhere: (name: string, id: string) =>
    new ArmError(400, "BadRequest", `The deleted vault '${name}' can only be recovered into its original subscription and resource group: '${id}'.`),
  /** [I] text. */
  invalidAccessPolicyOperation: (kind: string) => new ArmError(400, "BadRequest", `The access policy update kind '${kind}' is invalid. It must be one of 'add', 'replace', 'remove'.`),
};

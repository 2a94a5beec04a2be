/** Key Vault's ARM rules (reference §4.1); their error texts are in the ARM catalog (ArmError.ts). */
export const VAULT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;
export const RETENTION_MIN_DAYS = 7;
export const RETENTION_MAX_DAYS = 90;
export const RETENTION_DEFAULT_DAYS = 90;
export const SECRET_PERMISSIONS = ["all", "get", "list", "set", "delete", "backup", "restore", "recover", "purge"];

export function vaultNameValid(name: string): boolean {
  return VAULT_NAME.test(name) && !name.includes("--");
}

export { Vaults, type VaultRecord, type DeletedVaultRecord, type AccessPolicyEntry } from "./Vaults.js";
export { Secrets, type SecretRecord, type SecretVersionRecord, type DeletedSecretRecord } from "./Secrets.js";
export { keyVaultFace, type KeyVaultFaceDeps } from "./face.js";

export { Vaults, type VaultRecord, type DeletedVaultRecord } from "./Vaults.js";
export { keyVaultFace, type KeyVaultFaceDeps } from "./face.js";

import { KEYVAULT_API_VERSIONS } from "../../apiVersions.js";
import { SUB_BASE } from "../vaults/shared.js";

export const DELETED_IN_LOCATION_TYPE = "Microsoft.KeyVault/locations/deletedVaults";
export const DELETED_ITEM = `${SUB_BASE}/locations/{location}/deletedVaults/{vaultName}`;
/** What the operations on one location's deleted vaults share. */
export const IN_LOCATION = { type: DELETED_IN_LOCATION_TYPE, apiVersions: KEYVAULT_API_VERSIONS } as const;

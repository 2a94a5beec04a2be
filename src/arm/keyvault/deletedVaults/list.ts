import { Vaults } from "../../../keyvault/index.js";
import { KEYVAULT_API_VERSIONS } from "../../apiVersions.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { deletedVaultBody, DELETED_VAULT_TYPE } from "../vaultBody.js";
import { SUB_BASE } from "../vaults/shared.js";

/** `GET /subscriptions/{s}/providers/Microsoft.KeyVault/deletedVaults`: those still within their retention. */
export const list = defineOperation<ArmDeps>({
  method: "GET",
  path: `${SUB_BASE}/deletedVaults`,
  type: DELETED_VAULT_TYPE,
  apiVersions: KEYVAULT_API_VERSIONS,
  handler: async ({ ctx }, _req, tx) => {
    const all = (await Vaults.allDeleted(tx)).filter((d) => d.scheduledPurgeDate > ctx.clock.now());
    return { status: 200, body: { value: all.map(deletedVaultBody) } };
  },
});

import { Vaults } from "../../../keyvault/index.js";
import { KEYVAULT_API_VERSIONS } from "../../apiVersions.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { vaultBody, VAULT_TYPE } from "../vaultBody.js";
import { SUB_BASE, top } from "./shared.js";

/** `GET /subscriptions/{s}/providers/Microsoft.KeyVault/vaults` (with `$top`). */
export const listBySubscription = defineOperation<ArmDeps>({
  method: "GET",
  path: `${SUB_BASE}/vaults`,
  type: VAULT_TYPE,
  apiVersions: KEYVAULT_API_VERSIONS,
  handler: async ({ ctx }, req, tx) => {
    const sub = ctx.config.subscriptionId;
    const all = (await Vaults.all(tx)).filter((v) => v.id.split("/")[2]!.toLowerCase() === sub.toLowerCase());
    return { status: 200, body: { value: top(req, all).map((v) => vaultBody(v, ctx.hosts)) } };
  },
});

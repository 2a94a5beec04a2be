import { Vaults } from "../../../keyvault/index.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { vaultBody } from "../vaultBody.js";
import { IN_GROUP, RG_BASE, top } from "./shared.js";

/** `GET …/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults` (with `$top`). */
export const listByResourceGroup = defineOperation<ArmDeps>({
  method: "GET",
  path: RG_BASE,
  ...IN_GROUP,
  handler: async ({ ctx }, req, tx) => {
    const all = await Vaults.inResourceGroup(tx, ctx.config.subscriptionId, req.params.resourceGroupName!);
    return { status: 200, body: { value: top(req, all).map((v) => vaultBody(v, ctx.hosts)) } };
  },
});

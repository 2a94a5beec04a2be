import { ArmErrors } from "../../ArmError.js";
import { defineOperation } from "../../operation.js";
import { ResourceGroups } from "../ResourceGroup.js";
import { RG_ITEM, RG_ROUTE, type ResourceGroupDeps } from "./shared.js";

/** `DELETE /subscriptions/{s}/resourcegroups/{name}`: everything in the group goes with it (each provider's cascade). */
export const deleteOperation = defineOperation<ResourceGroupDeps>({
  method: "DELETE",
  path: RG_ITEM,
  ...RG_ROUTE,
  handler: async ({ ctx, cascades }, req, tx) => {
    const sub = ctx.config.subscriptionId;
    const rg = await ResourceGroups.get(tx, sub, req.params.resourceGroupName!);
    if (!rg) throw ArmErrors.resourceGroupNotFound(req.params.resourceGroupName!);
    for (const c of cascades) await c(tx, sub, rg.name);
    await ResourceGroups.delete(tx, sub, rg.name);
    return { status: 200 };
  },
});

import { defineOperation } from "../../operation.js";
import { ResourceGroups } from "../ResourceGroup.js";
import { RG_ITEM, RG_ROUTE, mustGetResourceGroup, type ResourceGroupDeps } from "./shared.js";

/** `DELETE /subscriptions/{s}/resourcegroups/{name}`: everything in the group goes with it (each provider's cascade). */
export const deleteOperation = defineOperation<ResourceGroupDeps>({
  method: "DELETE",
  path: RG_ITEM,
  ...RG_ROUTE,
  handler: async (d, req, tx) => {
    const { ctx, cascades } = d;
    const sub = ctx.config.subscriptionId;
    const rg = await mustGetResourceGroup(d, tx, req);
    for (const c of cascades) await c(tx, sub, rg.name);
    await ResourceGroups.delete(tx, sub, rg.name);
    return { status: 200 };
  },
});

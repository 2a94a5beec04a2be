import { isObject } from "../../ArmRoute.js";
import { defineOperation } from "../../operation.js";
import { resourceGroupBody, ResourceGroups } from "../ResourceGroup.js";
import { RG_ITEM, RG_ROUTE, mustGetResourceGroup, type ResourceGroupDeps } from "./shared.js";

/** `PATCH /subscriptions/{s}/resourcegroups/{name}`: tags only. */
export const update = defineOperation<ResourceGroupDeps>({
  method: "PATCH",
  path: RG_ITEM,
  ...RG_ROUTE,
  handler: async (d, req, tx) => {
    const { ctx } = d;
    const sub = ctx.config.subscriptionId;
    const rg = await mustGetResourceGroup(d, tx, req);
    const body = isObject(req.body) ? req.body : {};
    if (isObject(body.tags)) rg.tags = body.tags as Record<string, string>;
    await ResourceGroups.put(tx, sub, rg);
    return { status: 200, body: resourceGroupBody(sub, rg) };
  },
});

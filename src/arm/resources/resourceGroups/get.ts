import { defineOperation } from "../../operation.js";
import { resourceGroupBody } from "../ResourceGroup.js";
import { RG_ITEM, RG_ROUTE, mustGetResourceGroup, type ResourceGroupDeps } from "./shared.js";

/** `GET` (and `HEAD`: 204) `/subscriptions/{s}/resourcegroups/{name}`. */
export const get = defineOperation<ResourceGroupDeps>({
  method: "GET",
  path: RG_ITEM,
  ...RG_ROUTE,
  handler: async (d, req, tx) => {
    const { ctx } = d;
    const sub = ctx.config.subscriptionId;
    const rg = await mustGetResourceGroup(d, tx, req);
    if (req.method === "HEAD") return { status: 204 };
    return { status: 200, body: resourceGroupBody(sub, rg) };
  },
});

import { ArmErrors } from "../../ArmError.js";
import { defineOperation } from "../../operation.js";
import { resourceGroupBody, ResourceGroups } from "../ResourceGroup.js";
import { RG_ITEM, RG_ROUTE, type ResourceGroupDeps } from "./shared.js";

/** `GET` (and `HEAD`: 204) `/subscriptions/{s}/resourcegroups/{name}`. */
export const get = defineOperation<ResourceGroupDeps>({
  method: "GET",
  path: RG_ITEM,
  ...RG_ROUTE,
  handler: async ({ ctx }, req, tx) => {
    const sub = ctx.config.subscriptionId;
    const rg = await ResourceGroups.get(tx, sub, req.params.resourceGroupName!);
    if (!rg) throw ArmErrors.resourceGroupNotFound(req.params.resourceGroupName!);
    if (req.method === "HEAD") return { status: 204 };
    return { status: 200, body: resourceGroupBody(sub, rg) };
  },
});

import { defineOperation } from "../../operation.js";
import { resourceGroupBody, ResourceGroups } from "../ResourceGroup.js";
import { RG_LIST, RG_ROUTE, type ResourceGroupDeps } from "./shared.js";

/** `GET /subscriptions/{s}/resourcegroups`. */
export const list = defineOperation<ResourceGroupDeps>({
  method: "GET",
  path: RG_LIST,
  ...RG_ROUTE,
  handler: async ({ ctx }, _req, tx) => {
    const sub = ctx.config.subscriptionId;
    return { status: 200, body: { value: (await ResourceGroups.list(tx, sub)).map((rg) => resourceGroupBody(sub, rg)) } };
  },
});

import { RESOURCES_API_VERSIONS } from "../../apiVersions.js";
import type { ArmDeps } from "../../deps.js";
import { defineOperation } from "../../operation.js";
import { canSee, subscriptionBody } from "../Subscription.js";

/** `GET /subscriptions`: the lab's subscription, to a caller with any role at, above or below it (no RBAC action). */
export const list = defineOperation<ArmDeps>({
  method: "GET",
  path: "subscriptions",
  type: "Microsoft.Resources/subscriptions",
  apiVersions: RESOURCES_API_VERSIONS,
  permission: "none",
  handler: async ({ ctx }, req, tx) => {
    const visible = await canSee(tx, req.caller.oid, ctx.config.subscriptionId);
    const value = visible ? [await subscriptionBody(tx)] : [];
    return { status: 200, body: { value, count: { type: "Total", value: value.length } } };
  },
});

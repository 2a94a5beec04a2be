import { ArmErrors } from "../../ArmError.js";
import { RESOURCES_API_VERSIONS } from "../../apiVersions.js";
import type { ArmDeps } from "../../deps.js";
import { defineOperation } from "../../operation.js";
import { canSee, subscriptionBody } from "../Subscription.js";

/** `GET /subscriptions/{s}`: SubscriptionNotFound to a caller with no role at, above or below it (no RBAC action). */
export const get = defineOperation<ArmDeps>({
  method: "GET",
  path: "subscriptions/{subscriptionId}",
  type: "Microsoft.Resources/subscriptions",
  apiVersions: RESOURCES_API_VERSIONS,
  permission: "none",
  handler: async ({ ctx }, req, tx) => {
    if (!(await canSee(tx, req.caller.oid, ctx.config.subscriptionId))) throw ArmErrors.subscriptionNotFound(req.params.subscriptionId!);
    return { status: 200, body: await subscriptionBody(tx) };
  },
});

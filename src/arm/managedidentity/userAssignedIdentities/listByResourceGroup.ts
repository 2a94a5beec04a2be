import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { identityBody, UserAssignedIdentities } from "../UserAssignedIdentity.js";
import { BASE, IN_GROUP } from "./shared.js";

/** `GET …/resourcegroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`. */
export const listByResourceGroup = defineOperation<ArmDeps>({
  method: "GET",
  path: BASE,
  ...IN_GROUP,
  handler: async ({ ctx }, req, tx) => ({
    status: 200,
    body: { value: (await UserAssignedIdentities.inResourceGroup(tx, ctx.config.subscriptionId, req.params.resourceGroupName!)).map((r) => identityBody(r, req.apiVersion)) },
  }),
});

import { defineOperation } from "../../operation.js";
import { MSI_API_VERSIONS } from "../../apiVersions.js";
import type { ArmDeps } from "../../deps.js";
import { identityBody, UserAssignedIdentities } from "../UserAssignedIdentity.js";
import { TYPE } from "./shared.js";

/** `GET /subscriptions/{s}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`. */
export const listBySubscription = defineOperation<ArmDeps>({
  method: "GET",
  path: "subscriptions/{subscriptionId}/providers/Microsoft.ManagedIdentity/userAssignedIdentities",
  type: TYPE,
  apiVersions: MSI_API_VERSIONS,
  handler: async (_d, req, tx) => ({ status: 200, body: { value: (await UserAssignedIdentities.all(tx)).map((r) => identityBody(r, req.apiVersion)) } }),
});

import { RESOURCES_API_VERSIONS } from "../../apiVersions.js";
import type { ArmDeps } from "../../deps.js";
import { defineOperation } from "../../operation.js";
import { tenantBody } from "../Subscription.js";

/** `GET /tenants`: the lab's tenant (no RBAC action). */
export const list = defineOperation<ArmDeps>({
  method: "GET",
  path: "tenants",
  type: "Microsoft.Resources/tenants",
  apiVersions: RESOURCES_API_VERSIONS,
  permission: "none",
  handler: async (_d, _req, tx) => ({ status: 200, body: { value: [await tenantBody(tx)] } }),
});

import type { ArmDeps } from "../../deps.js";
import { defineOperation, type ArmOperationSpec } from "../../operation.js";
import { listBodies, rgBase, rgKey, type InfraType } from "./shared.js";

/** `GET …/resourcegroups/{rg}/providers/{type}` for a read-only infrastructure type. */
export function listByResourceGroup(t: InfraType): ArmOperationSpec<ArmDeps> {
  return defineOperation<ArmDeps>({
    method: "GET",
    path: rgBase(t),
    type: t.type,
    apiVersions: t.apiVersions,
    resourceGroupParam: "resourceGroupName",
    handler: async ({ ctx }, req, tx) => ({ status: 200, body: { value: await listBodies(tx, t, rgKey(ctx.config.subscriptionId, req.params.resourceGroupName!)) } }),
  });
}

import { ArmErrors } from "../../ArmError.js";
import type { ArmDeps } from "../../deps.js";
import { defineOperation, type ArmOperationSpec } from "../../operation.js";
import { KIND, rgBase, type InfraResource, type InfraType } from "./shared.js";

/** `GET …/providers/{type}/{name}` for a read-only infrastructure type. */
export function get(t: InfraType): ArmOperationSpec<ArmDeps> {
  return defineOperation<ArmDeps>({
    method: "GET",
    path: `${rgBase(t)}/{name}`,
    type: t.type,
    apiVersions: t.apiVersions,
    resourceGroupParam: "resourceGroupName",
    handler: async ({ ctx }, req, tx) => {
      const id = `/subscriptions/${ctx.config.subscriptionId}/resourcegroups/${req.params.resourceGroupName}/providers/${t.type}/${req.params.name}`.toLowerCase();
      const r = await tx.get<InfraResource>(KIND, id);
      if (!r) throw ArmErrors.resourceNotFound(t.type, req.params.name!, req.params.resourceGroupName!);
      return { status: 200, body: r.body };
    },
  });
}

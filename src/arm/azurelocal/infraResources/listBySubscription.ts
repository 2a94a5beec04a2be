import type { ArmDeps } from "../../deps.js";
import { defineOperation, type ArmOperationSpec } from "../../operation.js";
import { listBodies, type InfraType } from "./shared.js";

/** `GET /subscriptions/{s}/providers/{type}` for a read-only infrastructure type. */
export function listBySubscription(t: InfraType): ArmOperationSpec<ArmDeps> {
  return defineOperation<ArmDeps>({
    method: "GET",
    path: `subscriptions/{subscriptionId}/providers/${t.type}`,
    type: t.type,
    apiVersions: t.apiVersions,
    handler: async (_d, _req, tx) => ({ status: 200, body: { value: await listBodies(tx, t) } }),
  });
}

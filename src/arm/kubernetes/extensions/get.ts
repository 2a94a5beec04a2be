import { ArmErrors } from "../../ArmError.js";
import { defineOperation } from "../../operation.js";
import { mustGetCluster } from "../connectedClusters/shared.js";
import type { KubernetesDeps } from "../deps.js";
import { extensionBody, EXT_LIST, EXT_ROUTE, EXT_TYPE } from "./shared.js";

/** `GET …/extensions/wiextension`: there when the cluster has workload identity. */
export const get = defineOperation<KubernetesDeps>({
  method: "GET",
  path: `${EXT_LIST}/{extensionName}`,
  ...EXT_ROUTE,
  handler: async (d, req, tx) => {
    const c = await mustGetCluster(d, tx, req);
    if (!c.workloadIdentityEnabled || req.params.extensionName!.toLowerCase() !== "wiextension") throw ArmErrors.resourceNotFound(EXT_TYPE, `${c.name}/${req.params.extensionName}`, c.resourceGroup);
    return { status: 200, body: extensionBody(d, c) };
  },
});

import { defineOperation } from "../../operation.js";
import { mustGetCluster } from "../connectedClusters/shared.js";
import type { KubernetesDeps } from "../deps.js";
import { extensionBody, EXT_LIST, EXT_ROUTE } from "./shared.js";

/** `GET …/providers/Microsoft.KubernetesConfiguration/extensions`. */
export const list = defineOperation<KubernetesDeps>({
  method: "GET",
  path: EXT_LIST,
  ...EXT_ROUTE,
  handler: async (d, req, tx) => {
    const c = await mustGetCluster(d, tx, req);
    return { status: 200, body: { value: c.workloadIdentityEnabled ? [extensionBody(d, c)] : [] } };
  },
});

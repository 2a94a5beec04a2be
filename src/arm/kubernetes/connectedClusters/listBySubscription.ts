import { defineOperation } from "../../operation.js";
import type { KubernetesDeps } from "../deps.js";
import { connectedClusterBody } from "./body.js";
import { CC_TYPE, CONNECTED_CLUSTER_API_VERSIONS } from "./shared.js";

/** `GET /subscriptions/{s}/providers/Microsoft.Kubernetes/connectedClusters`. */
export const listBySubscription = defineOperation<KubernetesDeps>({
  method: "GET",
  path: "subscriptions/{subscriptionId}/providers/Microsoft.Kubernetes/connectedClusters",
  type: CC_TYPE,
  apiVersions: CONNECTED_CLUSTER_API_VERSIONS,
  handler: async (d, req, tx) => ({ status: 200, body: { value: (await d.clusters.all(tx)).map((c) => connectedClusterBody(d, c, req.apiVersion)) } }),
});

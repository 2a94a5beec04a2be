import { defineOperation } from "../../operation.js";
import type { KubernetesDeps } from "../deps.js";
import { connectedClusterBody } from "./body.js";
import { CC, IN_GROUP } from "./shared.js";

/** `GET …/resourcegroups/{rg}/providers/Microsoft.Kubernetes/connectedClusters`. */
export const listByResourceGroup = defineOperation<KubernetesDeps>({
  method: "GET",
  path: CC,
  ...IN_GROUP,
  handler: async (d, req, tx) => ({
    status: 200,
    body: { value: (await d.clusters.inResourceGroup(tx, d.ctx.config.subscriptionId, req.params.resourceGroupName!)).map((c) => connectedClusterBody(d, c, req.apiVersion)) },
  }),
});

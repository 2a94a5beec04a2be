import { defineOperation } from "../../operation.js";
import type { KubernetesDeps } from "../deps.js";
import { connectedClusterBody } from "./body.js";
import { CC_ITEM, IN_GROUP, mustGetCluster } from "./shared.js";

/** `GET …/connectedClusters/{name}`. */
export const get = defineOperation<KubernetesDeps>({
  method: "GET",
  path: CC_ITEM,
  ...IN_GROUP,
  handler: async (d, req, tx) => ({ status: 200, body: connectedClusterBody(d, await mustGetCluster(d, tx, req), req.apiVersion) }),
});

import { defineOperation } from "../../operation.js";
import type { KubernetesDeps } from "../deps.js";
import { CC_ITEM, deleteCluster, findCluster, IN_GROUP } from "./shared.js";

/** `DELETE …/connectedClusters/{name}`: the cluster, its objects and its issuer; 204 when there was nothing to delete. */
export const deleteOperation = defineOperation<KubernetesDeps>({
  method: "DELETE",
  path: CC_ITEM,
  ...IN_GROUP,
  handler: async (d, req, tx) => {
    const c = await findCluster(d, tx, req);
    if (!c) return { status: 204 };
    return { status: 200, afterCommit: await deleteCluster(d, tx, c) };
  },
});

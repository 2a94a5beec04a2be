import { defineOperation } from "../../operation.js";
import { findCluster } from "../connectedClusters/shared.js";
import type { KubernetesDeps } from "../deps.js";
import { PCI_ITEM, PCI_KIND, PCI_ROUTE } from "./shared.js";

/** `DELETE …/provisionedClusterInstances/{name}`: 200, or 204 when there was nothing to delete. */
export const deleteOperation = defineOperation<KubernetesDeps>({
  method: "DELETE",
  path: PCI_ITEM,
  ...PCI_ROUTE,
  handler: async (d, req, tx) => {
    const c = await findCluster(d, tx, req);
    if (!c) return { status: 204 };
    const gone = await tx.delete(PCI_KIND, c.id.toLowerCase());
    return { status: gone ? 200 : 204 };
  },
});

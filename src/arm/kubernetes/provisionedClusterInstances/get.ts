import { ArmErrors } from "../../ArmError.js";
import { defineOperation } from "../../operation.js";
import { mustGetCluster } from "../connectedClusters/shared.js";
import type { KubernetesDeps } from "../deps.js";
import { PCI_ITEM, PCI_KIND, PCI_ROUTE, PCI_TYPE, type ProvisionedInstanceRecord } from "./shared.js";

/** `GET …/provisionedClusterInstances/default`. */
export const get = defineOperation<KubernetesDeps>({
  method: "GET",
  path: PCI_ITEM,
  ...PCI_ROUTE,
  handler: async (d, req, tx) => {
    const c = await mustGetCluster(d, tx, req);
    const p = await tx.get<ProvisionedInstanceRecord>(PCI_KIND, c.id.toLowerCase());
    if (!p || req.params.instance!.toLowerCase() !== "default") throw ArmErrors.resourceNotFound(PCI_TYPE, `${c.name}/${req.params.instance}`, c.resourceGroup);
    return { status: 200, body: p.body };
  },
});

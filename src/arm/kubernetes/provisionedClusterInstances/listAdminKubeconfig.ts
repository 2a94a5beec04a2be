import { ArmErrors } from "../../ArmError.js";
import { defineOperation } from "../../operation.js";
import { kubeconfig, mustGetCluster } from "../connectedClusters/shared.js";
import type { KubernetesDeps } from "../deps.js";
import { PCI_ITEM, PCI_ROUTE } from "./shared.js";

/** `POST …/provisionedClusterInstances/default/listAdminKubeconfig` (and listUserKubeconfig): the admin kubeconfig, base64. */
export const listAdminKubeconfig = defineOperation<KubernetesDeps>({
  method: "POST",
  path: `${PCI_ITEM}/{action}`,
  ...PCI_ROUTE,
  verb: "listAdminKubeconfig",
  write: false,
  handler: async (d, req, tx) => {
    const act = req.params.action!.toLowerCase();
    if (act !== "listadminkubeconfig" && act !== "listuserkubeconfig") throw ArmErrors.invalidResourceType(`provisionedClusterInstances/${req.params.action}`, "Microsoft.HybridContainerService", req.apiVersion);
    const c = await mustGetCluster(d, tx, req);
    return { status: 200, body: { kubeconfigs: [{ name: "credentialName1", value: Buffer.from(kubeconfig(d, c)).toString("base64") }] } };
  },
});

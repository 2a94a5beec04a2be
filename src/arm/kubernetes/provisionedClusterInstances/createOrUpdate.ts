import type { ClusterRecord } from "../../../kube/index.js";
import { ArmErrors } from "../../ArmError.js";
import { isObject } from "../../ArmRoute.js";
import { defineOperation } from "../../operation.js";
import { mustGetCluster } from "../connectedClusters/shared.js";
import type { KubernetesDeps } from "../deps.js";
import { PCI_ITEM, PCI_KIND, PCI_ROUTE, PCI_TYPE, type ProvisionedInstanceRecord } from "./shared.js";

/** The instance as HybridContainerService returns it: the request's profiles, AKS Arc's defaults for the rest. */
function instanceBody(c: ClusterRecord, customLocation: string, props: Record<string, unknown>): Record<string, unknown> {
  return {
    id: `${c.id}/providers/${PCI_TYPE}/default`,
    name: "default",
    type: "microsoft.hybridcontainerservice/provisionedclusterinstances",
    extendedLocation: { type: "CustomLocation", name: customLocation },
    properties: {
      agentPoolProfiles: props.agentPoolProfiles ?? [{ name: "nodepool1", count: 1, vmSize: "Standard_A4_v2", osType: "Linux", osSKU: "CBLMariner", enableAutoScaling: false }],
      autoScalerProfile: props.autoScalerProfile ?? null,
      cloudProviderProfile: props.cloudProviderProfile ?? { infraNetworkProfile: { vnetSubnetIds: c.vnetIds ?? [] } },
      clusterVMAccessProfile: {},
      controlPlane: props.controlPlane ?? { count: 1, vmSize: "Standard_A4_v2", controlPlaneEndpoint: { hostIP: null } },
      kubernetesVersion: c.kubernetesVersion,
      licenseProfile: props.licenseProfile ?? { azureHybridBenefit: "False" },
      linuxProfile: props.linuxProfile ?? null,
      networkProfile: props.networkProfile ?? { networkPolicy: "calico", podCidr: "10.244.0.0/16", loadBalancerProfile: { count: 0 } },
      provisioningState: "Succeeded",
      status: { controlPlaneStatus: [], currentState: "Succeeded", errorMessage: null },
      storageProfile: props.storageProfile ?? { nfsCsiDriver: { enabled: true }, smbCsiDriver: { enabled: true } },
    },
  };
}

/** `PUT …/provisionedClusterInstances/default`: needs the custom location it runs on. */
export const createOrUpdate = defineOperation<KubernetesDeps>({
  method: "PUT",
  path: PCI_ITEM,
  ...PCI_ROUTE,
  handler: async (d, req, tx) => {
    const c = await mustGetCluster(d, tx, req);
    if (req.params.instance!.toLowerCase() !== "default") throw ArmErrors.provisionedInstanceName();
    if (!isObject(req.body)) throw ArmErrors.emptyBody();
    const ext = isObject(req.body.extendedLocation) ? req.body.extendedLocation : undefined;
    if (!ext || typeof ext.name !== "string") throw ArmErrors.extendedLocationRequired();
    const props = isObject(req.body.properties) ? req.body.properties : {};
    const existing = await tx.get<ProvisionedInstanceRecord>(PCI_KIND, c.id.toLowerCase());
    const body = instanceBody(c, ext.name, props);
    await tx.put<ProvisionedInstanceRecord>(PCI_KIND, c.id.toLowerCase(), { body });
    return { status: existing ? 200 : 201, body };
  },
});

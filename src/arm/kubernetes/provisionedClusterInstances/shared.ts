import { CC_ITEM } from "../connectedClusters/shared.js";

export const PCI_TYPE = "Microsoft.HybridContainerService/provisionedClusterInstances";
const PCI_API_VERSIONS = ["2022-09-01-preview", "2023-11-15-preview", "2024-01-01", "2024-05-01-preview", "2025-02-01-preview"];
export const PCI_ITEM = `${CC_ITEM}/providers/Microsoft.HybridContainerService/provisionedClusterInstances/{instance}`;
/** What every operation on a cluster's provisioned instance shares. */
export const PCI_ROUTE = { type: PCI_TYPE, apiVersions: PCI_API_VERSIONS, resourceGroupParam: "resourceGroupName" } as const;
/** The store kind of the instance's body, keyed by the cluster's id in lower case. */
export const PCI_KIND = "provisionedClusterInstance";

export interface ProvisionedInstanceRecord {
  body: Record<string, unknown>;
}

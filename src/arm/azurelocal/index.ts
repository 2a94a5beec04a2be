import type { Tx } from "../../store/index.js";
import type { ArmRoute } from "../ArmRoute.js";
import type { ArmDeps } from "../deps.js";
import { buildRoutes, type ArmOperationSpec } from "../operation.js";
import { ResourceGroups } from "../resources/ResourceGroup.js";
import * as infraResources from "./infraResources/index.js";
import { KIND, listBodies, rgKey, type InfraResource, type InfraType } from "./infraResources/shared.js";
import type { ResourceLister } from "../resources/genericResources/list.js";

/**
 * The Azure Local infrastructure an AKS Arc cluster is created on, which an infrastructure admin sets up
 * and the article only looks up: a custom location and a logical network, made once per lab in `wilab-infra`.
 */
export const INFRA_RESOURCE_GROUP = "wilab-infra";
export const DEFAULT_CUSTOM_LOCATION = "wilab-customlocation";
export const DEFAULT_LOGICAL_NETWORK = "wilab-lnet";

const CL_TYPE = "Microsoft.ExtendedLocation/customLocations";
const LNET_TYPE = "Microsoft.AzureStackHCI/logicalNetworks";
const CL_VERSIONS = ["2021-03-15-preview", "2021-08-15", "2021-08-31-preview"];
const LNET_VERSIONS = ["2023-07-01-preview", "2023-09-01-preview", "2024-01-01", "2024-02-01-preview", "2024-05-01-preview", "2024-08-01-preview", "2024-10-01-preview", "2025-02-01-preview", "2025-04-01-preview", "2025-06-01-preview"];

/** Creates the lab's infrastructure resources on first start. */
export async function bootstrapInfrastructure(tx: Tx, sub: string, location: string): Promise<void> {
  if (await ResourceGroups.get(tx, sub, INFRA_RESOURCE_GROUP)) return;
  await ResourceGroups.put(tx, sub, { name: INFRA_RESOURCE_GROUP, location, tags: { "wilab/purpose": "Azure Local infrastructure (custom location, logical network)" } });
  const rgId = `/subscriptions/${sub}/resourceGroups/${INFRA_RESOURCE_GROUP}`;
  const clId = `${rgId}/providers/${CL_TYPE}/${DEFAULT_CUSTOM_LOCATION}`;
  const hostId = `${rgId}/providers/Microsoft.ResourceConnector/appliances/wilab-arcbridge`;
  const cl: InfraResource = {
    id: clId,
    name: DEFAULT_CUSTOM_LOCATION,
    type: CL_TYPE,
    location,
    resourceGroup: INFRA_RESOURCE_GROUP,
    body: {
      id: clId,
      name: DEFAULT_CUSTOM_LOCATION,
      type: CL_TYPE,
      location,
      tags: {},
      properties: {
        authentication: {},
        clusterExtensionIds: [`${hostId}/providers/Microsoft.KubernetesConfiguration/extensions/hci-vmoperator`],
        displayName: DEFAULT_CUSTOM_LOCATION,
        hostResourceId: hostId,
        hostType: "Kubernetes",
        namespace: "default",
        provisioningState: "Succeeded",
      },
    },
  };
  const lnetId = `${rgId}/providers/${LNET_TYPE}/${DEFAULT_LOGICAL_NETWORK}`;
  const lnet: InfraResource = {
    id: lnetId,
    name: DEFAULT_LOGICAL_NETWORK,
    type: LNET_TYPE,
    location,
    resourceGroup: INFRA_RESOURCE_GROUP,
    body: {
      id: lnetId,
      name: DEFAULT_LOGICAL_NETWORK,
      type: "microsoft.azurestackhci/logicalnetworks",
      location,
      extendedLocation: { type: "CustomLocation", name: clId },
      tags: {},
      properties: {
        dhcpOptions: { dnsServers: ["192.168.200.1"] },
        provisioningState: "Succeeded",
        status: {},
        subnets: [
          {
            name: DEFAULT_LOGICAL_NETWORK,
            properties: {
              addressPrefix: "192.168.200.0/24",
              ipAllocationMethod: "Static",
              ipPools: [{ start: "192.168.200.100", end: "192.168.200.200" }],
              routeTable: { properties: { routes: [{ name: "default", properties: { addressPrefix: "0.0.0.0/0", nextHopIpAddress: "192.168.200.1" } }] } },
              vlan: 0,
            },
          },
        ],
        vmSwitchName: "ConvergedSwitch(compute_management)",
      },
    },
  };
  for (const r of [cl, lnet]) await tx.put(KIND, r.id.toLowerCase(), r, rgKey(sub, INFRA_RESOURCE_GROUP));
}

/** Removes the infrastructure records of a deleted resource group. */
export async function azureLocalCascade(tx: Tx, sub: string, rg: string): Promise<void> {
  await tx.deleteChildren(KIND, rgKey(sub, rg));
}

const CUSTOM_LOCATIONS: InfraType = { type: CL_TYPE, apiVersions: CL_VERSIONS };
const LOGICAL_NETWORKS: InfraType = { type: LNET_TYPE, apiVersions: LNET_VERSIONS };

/** Azure Local's read-only operations, in match order. */
export const azureLocalOperations: readonly ArmOperationSpec<ArmDeps>[] = [CUSTOM_LOCATIONS, LOGICAL_NETWORKS].flatMap((t) => [
  infraResources.get(t),
  infraResources.listByResourceGroup(t),
  infraResources.listBySubscription(t),
]);

/** The custom locations and logical networks as ARM's generic resource list shows them. */
export const azureLocalResources: ResourceLister = async (tx) =>
  (await Promise.all([CUSTOM_LOCATIONS, LOGICAL_NETWORKS].map((t) => listBodies(tx, t)))).flat().map((b) => ({
    id: String(b.id),
    name: String(b.name),
    type: String(b.type),
    location: typeof b.location === "string" ? b.location : undefined,
    tags: (b.tags as Record<string, string> | undefined) ?? {},
  }));

/** Read-only Microsoft.ExtendedLocation/customLocations and Microsoft.AzureStackHCI/logicalNetworks. */
export function azureLocalRoutes(ctx: ArmDeps["ctx"]): ArmRoute[] {
  return buildRoutes(azureLocalOperations, { ctx });
}

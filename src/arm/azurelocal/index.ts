import type { LabContext } from "../../platform/index.js";
import type { Tx } from "../../store/index.js";
import { ArmErrors } from "../ArmError.js";
import type { ArmRoute } from "../ArmRoute.js";
import { ResourceGroups } from "../resources/ResourceGroup.js";

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

interface InfraResource {
  id: string;
  name: string;
  type: string;
  location: string;
  resourceGroup: string;
  body: Record<string, unknown>;
}

const KIND = "infraResource";

function rgKey(sub: string, rg: string): string {
  return `/subscriptions/${sub}/resourcegroups/${rg}`.toLowerCase();
}

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

function routesFor(ctx: LabContext, ns: string, type: string, versions: string[]): ArmRoute[] {
  const full = `${ns}/${type}`;
  const base = `subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/${full}`;
  const list = async (tx: Tx, rg?: string) =>
    (await tx.list<InfraResource>(KIND, rg ? { parent: rgKey(ctx.config.subscriptionId, rg) } : {}))
      .map((r) => r.value)
      .filter((r) => r.type.toLowerCase() === full.toLowerCase())
      .map((r) => r.body);
  return [
    {
      pattern: `${base}/{name}`,
      type: full,
      apiVersions: versions,
      resourceGroupParam: "resourceGroupName",
      operations: {
        GET: {
          action: `${full}/read`,
          write: false,
          handler: async (req, tx) => {
            const id = `/subscriptions/${ctx.config.subscriptionId}/resourcegroups/${req.params.resourceGroupName}/providers/${full}/${req.params.name}`.toLowerCase();
            const r = await tx.get<InfraResource>(KIND, id);
            if (!r) throw ArmErrors.resourceNotFound(full, req.params.name!, req.params.resourceGroupName!);
            return { status: 200, body: r.body };
          },
        },
      },
    },
    {
      pattern: base,
      type: full,
      apiVersions: versions,
      resourceGroupParam: "resourceGroupName",
      operations: { GET: { action: `${full}/read`, write: false, handler: async (req, tx) => ({ status: 200, body: { value: await list(tx, req.params.resourceGroupName) } }) } },
    },
    {
      pattern: `subscriptions/{subscriptionId}/providers/${full}`,
      type: full,
      apiVersions: versions,
      operations: { GET: { action: `${full}/read`, write: false, handler: async (_req, tx) => ({ status: 200, body: { value: await list(tx) } }) } },
    },
  ];
}

/** Removes the infrastructure records of a deleted resource group. */
export async function azureLocalCascade(tx: Tx, sub: string, rg: string): Promise<void> {
  await tx.deleteChildren(KIND, rgKey(sub, rg));
}

/** Read-only Microsoft.ExtendedLocation/customLocations and Microsoft.AzureStackHCI/logicalNetworks. */
export function azureLocalRoutes(ctx: LabContext): ArmRoute[] {
  return [...routesFor(ctx, "Microsoft.ExtendedLocation", "customLocations", CL_VERSIONS), ...routesFor(ctx, "Microsoft.AzureStackHCI", "logicalNetworks", LNET_VERSIONS)];
}

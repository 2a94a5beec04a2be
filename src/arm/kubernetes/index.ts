import type { LabContext } from "../../platform/index.js";
import type { Tx } from "../../store/index.js";
import { WI_NAMESPACE, type ClusterApi, type ClusterRecord } from "../../kube/index.js";
import { ArmError, ArmErrors } from "../ArmError.js";
import { isObject, normaliseLocation, type ArmRequest, type ArmResponse, type ArmRoute } from "../ArmRoute.js";
import type { ResourceGroupCascade } from "../resources/ResourceGroup.js";

const CC_TYPE = "Microsoft.Kubernetes/connectedClusters";
const PCI_TYPE = "Microsoft.HybridContainerService/provisionedClusterInstances";
const EXT_TYPE = "Microsoft.KubernetesConfiguration/extensions";
export const CONNECTED_CLUSTER_API_VERSIONS = [
  "2020-01-01-preview", "2021-03-01", "2021-04-01-preview", "2021-10-01", "2022-05-01-preview", "2022-10-01-preview", "2023-11-01-preview",
  "2024-01-01", "2024-02-01-preview", "2024-06-01-preview", "2024-07-01-preview", "2024-07-15-preview", "2024-12-01-preview",
  "2025-08-01-preview", "2025-12-01-preview", "2026-02-01-preview", "2026-05-01",
];
/** OIDC issuer and workload identity properties exist from this api-version on (hybridkubernetes models). */
const OIDC_SINCE = "2024-07-15-preview";
const PCI_API_VERSIONS = ["2022-09-01-preview", "2023-11-15-preview", "2024-01-01", "2024-05-01-preview", "2025-02-01-preview"];
const EXT_API_VERSIONS = ["2020-07-01-preview", "2021-09-01", "2022-03-01", "2022-11-01", "2023-05-01", "2024-11-01"];
export const DEFAULT_KUBERNETES_VERSION = "1.32.3";
const AGENT_VERSION = "1.21.10";
const WI_EXTENSION_VERSION = "1.5.1";

interface ProvisionedInstanceRecord {
  body: Record<string, unknown>;
}

function versionAtLeast(v: string, min: string): boolean {
  return v.slice(0, 10) >= min.slice(0, 10);
}

/** Microsoft.Kubernetes/connectedClusters, Microsoft.HybridContainerService/provisionedClusterInstances and the workload identity extension (reference §5.2–5.3). */
export function kubernetesRoutes(ctx: LabContext, clusters: ClusterApi): { routes: ArmRoute[]; cascade: ResourceGroupCascade } {
  const sub = () => ctx.config.subscriptionId;
  const CC = "subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/Microsoft.Kubernetes/connectedClusters";

  function connectedClusterBody(c: ClusterRecord, apiVersion: string): Record<string, unknown> {
    const now = ctx.clock.now();
    const ready = now >= c.extensionReadyAt;
    const props: Record<string, unknown> = {
      agentPublicKeyCertificate: "",
      agentVersion: AGENT_VERSION,
      arcAgentProfile: { agentAutoUpgrade: "Enabled", agentErrors: [], agentState: ready ? "Succeeded" : "Updating", desiredAgentVersion: "", systemComponents: null },
      azureHybridBenefit: "NotApplicable",
      connectivityStatus: "Connected",
      distribution: "AKS",
      distributionVersion: null,
      infrastructure: "azure_stack_hci",
      kubernetesVersion: c.kubernetesVersion,
      lastConnectivityTime: new Date(now).toISOString(),
      managedIdentityCertificateExpirationTime: new Date(c.createdAt + 90 * 86_400_000).toISOString(),
      miscellaneousProperties: null,
      offering: "AzureStackHCI_AKS",
      privateLinkState: "Disabled",
      provisioningState: "Succeeded",
      totalCoreCount: 4,
      totalNodeCount: 1,
      aadProfile: { adminGroupObjectIDs: c.aadAdminGroupObjectIds ?? [], enableAzureRBAC: false, tenantID: c.tenantId },
    };
    if (versionAtLeast(apiVersion, OIDC_SINCE)) {
      props.oidcIssuerProfile = { enabled: c.oidcIssuerEnabled, ...(c.oidcIssuerEnabled ? { issuerUrl: clusters.issuerUrl(c) } : {}), selfHostedIssuerUrl: "" };
      props.securityProfile = { workloadIdentity: { enabled: c.workloadIdentityEnabled } };
      props.gateway = null;
    }
    return {
      id: c.id,
      name: c.name,
      type: "microsoft.kubernetes/connectedclusters",
      location: c.location,
      tags: c.tags,
      kind: "ProvisionedCluster",
      identity: { type: "SystemAssigned", principalId: c.clusterId, tenantId: c.tenantId },
      systemData: { createdAt: new Date(c.createdAt).toISOString(), createdByType: "User", lastModifiedAt: new Date(c.createdAt).toISOString() },
      properties: props,
    };
  }

  function extensionBody(c: ClusterRecord): Record<string, unknown> {
    const ready = ctx.clock.now() >= c.extensionReadyAt;
    return {
      id: `${c.id}/providers/${EXT_TYPE}/wiextension`,
      name: "wiextension",
      type: EXT_TYPE,
      properties: {
        extensionType: "microsoft.workloadidentity",
        autoUpgradeMinorVersion: true,
        releaseTrain: "Stable",
        version: null,
        currentVersion: WI_EXTENSION_VERSION,
        scope: { cluster: { releaseNamespace: WI_NAMESPACE } },
        provisioningState: ready ? "Succeeded" : "Creating",
        isSystemExtension: true,
        statuses: [],
        configurationSettings: {},
      },
    };
  }

  async function mustGet(tx: Tx, req: ArmRequest): Promise<ClusterRecord> {
    const c = await clusters.get(tx, sub(), req.params.resourceGroupName!, req.params.clusterName!);
    if (!c) throw ArmErrors.resourceNotFound(CC_TYPE, req.params.clusterName!, req.params.resourceGroupName!);
    return c;
  }

  function kubeconfig(c: ClusterRecord): string {
    return clusters.kubeconfig(c, `clusterAdmin_${c.resourceGroup}_${c.name}`);
  }

  async function deleteCluster(tx: Tx, c: ClusterRecord): Promise<() => Promise<void>> {
    const afterCommit = await clusters.delete(tx, c);
    await tx.delete("provisionedClusterInstance", c.id.toLowerCase());
    return afterCommit;
  }

  const flag = (o: unknown, ...path: string[]): boolean | undefined => {
    let v: unknown = o;
    for (const p of path) v = isObject(v) ? v[p] : undefined;
    return typeof v === "boolean" ? v : undefined;
  };

  /** Workload identity and the OIDC issuer are set at creation only (the article's note): refuse any change. */
  function refuseCreationOnlyChanges(c: ClusterRecord, props: Record<string, unknown>): void {
    const wi = flag(props, "securityProfile", "workloadIdentity", "enabled");
    if (wi !== undefined && wi !== c.workloadIdentityEnabled) {
      throw new ArmError(400, "BadRequest", `Workload identity can only be enabled when the cluster is created: ${wi ? "enabling" : "disabling"} it on the existing cluster '${c.name}' is not supported.`);
    }
    const oidc = flag(props, "oidcIssuerProfile", "enabled");
    if (oidc !== undefined && oidc !== c.oidcIssuerEnabled) {
      throw new ArmError(400, "BadRequest", `The OIDC issuer can only be enabled when the cluster is created: ${oidc ? "enabling" : "disabling"} it on the existing cluster '${c.name}' is not supported.`);
    }
  }

  const routes: ArmRoute[] = [
    {
      pattern: `${CC}/{clusterName}/providers/Microsoft.HybridContainerService/provisionedClusterInstances/{instance}/{action}`,
      type: PCI_TYPE,
      apiVersions: PCI_API_VERSIONS,
      resourceGroupParam: "resourceGroupName",
      operations: {
        POST: {
          action: `${PCI_TYPE}/listAdminKubeconfig/action`,
          write: false,
          handler: async (req, tx) => {
            const act = req.params.action!.toLowerCase();
            if (act !== "listadminkubeconfig" && act !== "listuserkubeconfig") throw ArmErrors.invalidResourceType(`provisionedClusterInstances/${req.params.action}`, "Microsoft.HybridContainerService", req.apiVersion);
            const c = await mustGet(tx, req);
            return { status: 200, body: { kubeconfigs: [{ name: "credentialName1", value: Buffer.from(kubeconfig(c)).toString("base64") }] } };
          },
        },
      },
    },
    {
      pattern: `${CC}/{clusterName}/providers/Microsoft.HybridContainerService/provisionedClusterInstances/{instance}`,
      type: PCI_TYPE,
      apiVersions: PCI_API_VERSIONS,
      resourceGroupParam: "resourceGroupName",
      operations: {
        GET: {
          action: `${PCI_TYPE}/read`,
          write: false,
          handler: async (req, tx) => {
            const c = await mustGet(tx, req);
            const p = await tx.get<ProvisionedInstanceRecord>("provisionedClusterInstance", c.id.toLowerCase());
            if (!p || req.params.instance!.toLowerCase() !== "default") throw ArmErrors.resourceNotFound(PCI_TYPE, `${c.name}/${req.params.instance}`, c.resourceGroup);
            return { status: 200, body: p.body };
          },
        },
        PUT: {
          action: `${PCI_TYPE}/write`,
          write: true,
          handler: async (req, tx) => {
            const c = await mustGet(tx, req);
            if (req.params.instance!.toLowerCase() !== "default") throw ArmErrors.badRequest("InvalidResourceName", "The provisioned cluster instance must be named 'default'.");
            if (!isObject(req.body)) throw ArmErrors.invalidRequestContent("The request content was empty or not a JSON object");
            const ext = isObject(req.body.extendedLocation) ? req.body.extendedLocation : undefined;
            if (!ext || typeof ext.name !== "string") throw ArmErrors.badRequest("InvalidExtendedLocation", "The extendedLocation of type CustomLocation is required.");
            const props = isObject(req.body.properties) ? req.body.properties : {};
            const existing = await tx.get<ProvisionedInstanceRecord>("provisionedClusterInstance", c.id.toLowerCase());
            const body = {
              id: `${c.id}/providers/${PCI_TYPE}/default`,
              name: "default",
              type: "microsoft.hybridcontainerservice/provisionedclusterinstances",
              extendedLocation: { type: "CustomLocation", name: ext.name },
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
            await tx.put<ProvisionedInstanceRecord>("provisionedClusterInstance", c.id.toLowerCase(), { body });
            return { status: existing ? 200 : 201, body };
          },
        },
        DELETE: {
          action: `${PCI_TYPE}/delete`,
          write: true,
          handler: async (req, tx) => {
            const c = await clusters.get(tx, sub(), req.params.resourceGroupName!, req.params.clusterName!);
            if (!c) return { status: 204 };
            const gone = await tx.delete("provisionedClusterInstance", c.id.toLowerCase());
            return { status: gone ? 200 : 204 };
          },
        },
      },
    },
    {
      pattern: `${CC}/{clusterName}/providers/Microsoft.KubernetesConfiguration/extensions/{extensionName}`,
      type: EXT_TYPE,
      apiVersions: EXT_API_VERSIONS,
      resourceGroupParam: "resourceGroupName",
      operations: {
        GET: {
          action: `${EXT_TYPE}/read`,
          write: false,
          handler: async (req, tx) => {
            const c = await mustGet(tx, req);
            if (!c.workloadIdentityEnabled || req.params.extensionName!.toLowerCase() !== "wiextension") throw ArmErrors.resourceNotFound(EXT_TYPE, `${c.name}/${req.params.extensionName}`, c.resourceGroup);
            return { status: 200, body: extensionBody(c) };
          },
        },
      },
    },
    {
      pattern: `${CC}/{clusterName}/providers/Microsoft.KubernetesConfiguration/extensions`,
      type: EXT_TYPE,
      apiVersions: EXT_API_VERSIONS,
      resourceGroupParam: "resourceGroupName",
      operations: {
        GET: {
          action: `${EXT_TYPE}/read`,
          write: false,
          handler: async (req, tx) => {
            const c = await mustGet(tx, req);
            return { status: 200, body: { value: c.workloadIdentityEnabled ? [extensionBody(c)] : [] } };
          },
        },
      },
    },
    {
      pattern: `${CC}/{clusterName}/listClusterUserCredential`,
      type: CC_TYPE,
      apiVersions: CONNECTED_CLUSTER_API_VERSIONS,
      resourceGroupParam: "resourceGroupName",
      operations: {
        POST: {
          action: `${CC_TYPE}/listClusterUserCredential/action`,
          write: false,
          handler: async (req, tx) => {
            const c = await mustGet(tx, req);
            return { status: 200, body: { hybridConnectionConfig: null, kubeconfigs: [{ name: "credentialName1", value: Buffer.from(kubeconfig(c)).toString("base64") }] } };
          },
        },
      },
    },
    {
      pattern: `${CC}/{clusterName}`,
      type: CC_TYPE,
      apiVersions: CONNECTED_CLUSTER_API_VERSIONS,
      resourceGroupParam: "resourceGroupName",
      operations: {
        GET: { action: `${CC_TYPE}/read`, write: false, handler: async (req, tx) => ({ status: 200, body: connectedClusterBody(await mustGet(tx, req), req.apiVersion) }) },
        PUT: {
          action: `${CC_TYPE}/write`,
          write: true,
          handler: async (req, tx): Promise<ArmResponse> => {
            const name = req.params.clusterName!;
            const rg = req.params.resourceGroupName!;
            if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,61}[a-zA-Z0-9]$|^[a-zA-Z0-9]$/.test(name)) {
              throw ArmErrors.badRequest("InvalidResourceName", `The resource name '${name}' is invalid. It must be 1 to 63 characters of letters, digits, '-' and '_', starting and ending with a letter or digit.`);
            }
            if (!isObject(req.body)) throw ArmErrors.invalidRequestContent("The request content was empty or not a JSON object");
            if (typeof req.body.location !== "string" || !req.body.location.trim()) throw ArmErrors.locationRequired();
            const props = isObject(req.body.properties) ? req.body.properties : {};
            const oidcAllowed = versionAtLeast(req.apiVersion, OIDC_SINCE);
            const wantOidc = oidcAllowed ? flag(props, "oidcIssuerProfile", "enabled") : undefined;
            const wantWi = oidcAllowed ? flag(props, "securityProfile", "workloadIdentity", "enabled") : undefined;
            const existing = await clusters.get(tx, sub(), rg, name);
            const tags = isObject(req.body.tags) ? (req.body.tags as Record<string, string>) : {};
            if (existing) {
              if (oidcAllowed) refuseCreationOnlyChanges(existing, props);
              existing.tags = tags;
              await clusters.update(tx, existing);
              return { status: 200, body: connectedClusterBody(existing, req.apiVersion) };
            }
            if (wantWi && !wantOidc) {
              throw new ArmError(400, "BadRequest", "Workload identity requires the OIDC issuer: set properties.oidcIssuerProfile.enabled to true as well.");
            }
            const aad = isObject(props.aadProfile) ? props.aadProfile : {};
            const c: ClusterRecord = {
              name,
              resourceGroup: rg,
              location: normaliseLocation(req.body.location),
              id: `/subscriptions/${sub()}/resourceGroups/${rg}/providers/${CC_TYPE}/${name}`,
              clusterId: ctx.random.uuid(),
              tenantId: ctx.config.tenantId,
              kubernetesVersion: typeof props.kubernetesVersion === "string" && props.kubernetesVersion ? props.kubernetesVersion : DEFAULT_KUBERNETES_VERSION,
              oidcIssuerEnabled: !!wantOidc,
              workloadIdentityEnabled: !!wantWi,
              adminToken: ctx.random.base64url(32),
              aadAdminGroupObjectIds: Array.isArray(aad.adminGroupObjectIDs) ? (aad.adminGroupObjectIDs as string[]) : [],
              tags,
              createdAt: ctx.clock.now(),
              extensionReadyAt: ctx.clock.now(),
            };
            const flush = await clusters.provision(tx, c);
            return { status: 201, body: connectedClusterBody(c, req.apiVersion), afterCommit: flush };
          },
        },
        PATCH: {
          action: `${CC_TYPE}/write`,
          write: true,
          handler: async (req, tx) => {
            const c = await mustGet(tx, req);
            const props = isObject(req.body) && isObject(req.body.properties) ? req.body.properties : {};
            if (versionAtLeast(req.apiVersion, OIDC_SINCE)) refuseCreationOnlyChanges(c, props);
            if (isObject(req.body) && isObject(req.body.tags)) c.tags = req.body.tags as Record<string, string>;
            await clusters.update(tx, c);
            return { status: 200, body: connectedClusterBody(c, req.apiVersion) };
          },
        },
        DELETE: {
          action: `${CC_TYPE}/delete`,
          write: true,
          handler: async (req, tx) => {
            const c = await clusters.get(tx, sub(), req.params.resourceGroupName!, req.params.clusterName!);
            if (!c) return { status: 204 };
            return { status: 200, afterCommit: await deleteCluster(tx, c) };
          },
        },
      },
    },
    {
      pattern: CC,
      type: CC_TYPE,
      apiVersions: CONNECTED_CLUSTER_API_VERSIONS,
      resourceGroupParam: "resourceGroupName",
      operations: {
        GET: {
          action: `${CC_TYPE}/read`,
          write: false,
          handler: async (req, tx) => ({ status: 200, body: { value: (await clusters.inResourceGroup(tx, sub(), req.params.resourceGroupName!)).map((c) => connectedClusterBody(c, req.apiVersion)) } }),
        },
      },
    },
    {
      pattern: "subscriptions/{subscriptionId}/providers/Microsoft.Kubernetes/connectedClusters",
      type: CC_TYPE,
      apiVersions: CONNECTED_CLUSTER_API_VERSIONS,
      operations: {
        GET: { action: `${CC_TYPE}/read`, write: false, handler: async (req, tx) => ({ status: 200, body: { value: (await clusters.all(tx)).map((c) => connectedClusterBody(c, req.apiVersion)) } }) },
      },
    },
  ];

  const cascade: ResourceGroupCascade = async (tx, s, rg) => {
    for (const c of await clusters.inResourceGroup(tx, s, rg)) {
      const afterCommit = await deleteCluster(tx, c);
      // Events after the resource group's transaction: deliver on the next tick (the transaction has committed by then).
      setImmediate(() => void afterCommit());
    }
  };
  return { routes, cascade };
}

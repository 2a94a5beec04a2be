import type { ClusterRecord } from "../../../kube/index.js";
import type { KubernetesDeps } from "../deps.js";
import { OIDC_SINCE, versionAtLeast } from "./shared.js";

const AGENT_VERSION = "1.21.10";

/** The properties every api-version has. */
function baseProperties({ ctx }: KubernetesDeps, c: ClusterRecord): Record<string, unknown> {
  const now = ctx.clock.now();
  const ready = now >= c.extensionReadyAt;
  return {
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
}

/** A connected cluster as Arc returns it; the OIDC issuer and workload identity from 2024-07-15-preview on. */
export function connectedClusterBody(d: KubernetesDeps, c: ClusterRecord, apiVersion: string): Record<string, unknown> {
  const props = baseProperties(d, c);
  if (versionAtLeast(apiVersion, OIDC_SINCE)) {
    props.oidcIssuerProfile = { enabled: c.oidcIssuerEnabled, ...(c.oidcIssuerEnabled ? { issuerUrl: d.clusters.issuerUrl(c) } : {}), selfHostedIssuerUrl: "" };
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
    systemData: {
      ...(c.createdBy ? { createdBy: c.createdBy } : {}),
      createdByType: c.createdByType ?? "User",
      createdAt: new Date(c.createdAt).toISOString(),
      ...(c.createdBy ? { lastModifiedBy: c.createdBy } : {}),
      lastModifiedByType: c.createdByType ?? "User",
      lastModifiedAt: new Date(c.createdAt).toISOString(),
    },
    properties: props,
  };
}

import { createHash } from "node:crypto";
import type { Tx } from "../store/index.js";
import type { Hosts } from "../platform/index.js";

/** An AKS Arc cluster of the lab: the connectedCluster, its provisioned cluster instance, issuer and API server. */
export interface ClusterRecord {
  name: string;
  resourceGroup: string;
  location: string;
  /** The connectedCluster's ARM id (KV-style `resourceGroups` casing). */
  id: string;
  /** A GUID that names the cluster in its issuer and API server URLs. */
  clusterId: string;
  tenantId: string;
  kubernetesVersion: string;
  oidcIssuerEnabled: boolean;
  workloadIdentityEnabled: boolean;
  /** The bearer token written into kubeconfigs for the cluster admin. */
  adminToken: string;
  customLocationId?: string;
  vnetIds?: string[];
  aadAdminGroupObjectIds?: string[];
  tags: Record<string, string>;
  createdAt: number;
  /** Lab-clock ms when the workload identity extension finished installing. */
  extensionReadyAt: number;
  /** Who created it, as ARM's systemData names the caller (a user's UPN or an application's client id). */
  createdBy?: string;
  createdByType?: string;
}

const KIND = "cluster";

export const Clusters = {
  get: (tx: Tx, sub: string, rg: string, name: string) =>
    tx.get<ClusterRecord>(KIND, `/subscriptions/${sub}/resourcegroups/${rg}/providers/microsoft.kubernetes/connectedclusters/${name}`.toLowerCase()),
  byClusterId: async (tx: Tx, clusterId: string): Promise<ClusterRecord | undefined> => {
    const key = await tx.get<string>("clusterById", clusterId.toLowerCase());
    return key ? tx.get<ClusterRecord>(KIND, key) : undefined;
  },
  put: async (tx: Tx, c: ClusterRecord): Promise<void> => {
    const key = c.id.toLowerCase();
    await tx.put(KIND, key, c, `/subscriptions/${c.id.split("/")[2]}/resourcegroups/${c.resourceGroup}`.toLowerCase());
    await tx.put("clusterById", c.clusterId.toLowerCase(), key);
  },
  delete: async (tx: Tx, c: ClusterRecord): Promise<void> => {
    await tx.delete(KIND, c.id.toLowerCase());
    await tx.delete("clusterById", c.clusterId.toLowerCase());
  },
  inResourceGroup: async (tx: Tx, sub: string, rg: string): Promise<ClusterRecord[]> =>
    (await tx.list<ClusterRecord>(KIND, { parent: `/subscriptions/${sub}/resourcegroups/${rg}`.toLowerCase() })).map((r) => r.value),
  all: async (tx: Tx): Promise<ClusterRecord[]> => (await tx.list<ClusterRecord>(KIND)).map((r) => r.value),
};

/** The AKS Arc issuer host for transparent mode: `oidcdiscovery-<location>-endpoint-<16 hex>.000.azurefd.net`. */
export function transparentIssuerHost(c: Pick<ClusterRecord, "location" | "clusterId">): string {
  const hex = createHash("sha256").update(c.clusterId).digest("hex").slice(0, 16);
  return `oidcdiscovery-${c.location}-endpoint-${hex}.000.azurefd.net`;
}

/** The cluster's issuer URL, ending in `/` (AKS Arc's form in transparent mode, a path under the lab host in local mode). */
export function issuerUrl(hosts: Hosts, c: Pick<ClusterRecord, "location" | "clusterId" | "tenantId">): string {
  if (hosts.mode === "transparent") return `https://${transparentIssuerHost(c)}/${c.tenantId}/${c.clusterId}/`;
  return `${hosts.localOrigin}/oidc/${c.tenantId}/${c.clusterId}/`;
}

/** The cluster's Kubernetes API server URL (what kubeconfigs point at). */
export function apiServerUrl(hosts: Hosts, c: Pick<ClusterRecord, "clusterId">): string {
  return `${hosts.localOrigin}/k8s/${c.clusterId}`;
}

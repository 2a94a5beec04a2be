import type { Tx } from "../../../store/index.js";
import { Clusters, type ClusterRecord } from "../../../kube/index.js";
import { ArmErrors } from "../../ArmError.js";
import { isObject, type ArmRequest } from "../../ArmRoute.js";
import { kubeconfigFor } from "../clusterObjects.js";
import type { KubernetesDeps } from "../deps.js";

export const CC_TYPE = "Microsoft.Kubernetes/connectedClusters";
export const CC = "subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/Microsoft.Kubernetes/connectedClusters";
export const CC_ITEM = `${CC}/{clusterName}`;
export const CONNECTED_CLUSTER_API_VERSIONS = [
  "2020-01-01-preview", "2021-03-01", "2021-04-01-preview", "2021-10-01", "2022-05-01-preview", "2022-10-01-preview", "2023-11-01-preview",
  "2024-01-01", "2024-02-01-preview", "2024-06-01-preview", "2024-07-01-preview", "2024-07-15-preview", "2024-12-01-preview",
  "2025-08-01-preview", "2025-12-01-preview", "2026-02-01-preview", "2026-05-01",
];
/** What every operation on a connected cluster in a resource group shares. */
export const IN_GROUP = { type: CC_TYPE, apiVersions: CONNECTED_CLUSTER_API_VERSIONS, resourceGroupParam: "resourceGroupName" } as const;
/** OIDC issuer and workload identity properties exist from this api-version on (hybridkubernetes models). */
export const OIDC_SINCE = "2024-07-15-preview";
export const DEFAULT_KUBERNETES_VERSION = "1.32.3";

export function versionAtLeast(v: string, min: string): boolean {
  return v.slice(0, 10) >= min.slice(0, 10);
}

/** The cluster the request names, if it exists. */
export function findCluster({ ctx }: KubernetesDeps, tx: Tx, req: ArmRequest): Promise<ClusterRecord | undefined> {
  return Clusters.get(tx, ctx.config.subscriptionId, req.params.resourceGroupName!, req.params.clusterName!);
}

/** The cluster the request names, or ARM's ResourceNotFound. */
export async function mustGetCluster(d: KubernetesDeps, tx: Tx, req: ArmRequest): Promise<ClusterRecord> {
  const c = await findCluster(d, tx, req);
  if (!c) throw ArmErrors.resourceNotFound(CC_TYPE, req.params.clusterName!, req.params.resourceGroupName!);
  return c;
}

/** The cluster admin's kubeconfig. */
export function kubeconfig({ ctx, kube }: KubernetesDeps, c: ClusterRecord): string {
  return kubeconfigFor({ clusterName: c.name, server: kube.apiServerUrl(c), caPem: ctx.ca.certPem, token: c.adminToken, user: `clusterAdmin_${c.resourceGroup}_${c.name}` });
}

/** The boolean at `path` in `o`, if there is one. */
export function flag(o: unknown, ...path: string[]): boolean | undefined {
  let v: unknown = o;
  for (const p of path) v = isObject(v) ? v[p] : undefined;
  return typeof v === "boolean" ? v : undefined;
}

/** Workload identity and the OIDC issuer are set at creation only (the article's note): refuse any change. */
export function refuseCreationOnlyChanges(c: ClusterRecord, props: Record<string, unknown>): void {
  const wi = flag(props, "securityProfile", "workloadIdentity", "enabled");
  if (wi !== undefined && wi !== c.workloadIdentityEnabled) throw ArmErrors.workloadIdentityCreationOnly(wi, c.name);
  const oidc = flag(props, "oidcIssuerProfile", "enabled");
  if (oidc !== undefined && oidc !== c.oidcIssuerEnabled) throw ArmErrors.oidcIssuerCreationOnly(oidc, c.name);
}

/** Deletes a cluster's records and Kubernetes objects in `tx`; returns what delivers their watch events once committed. */
export async function deleteCluster({ kube }: KubernetesDeps, tx: Tx, c: ClusterRecord): Promise<() => void> {
  const { ktx, flush } = kube.storage.within(tx);
  for (const p of await ktx.list(c.clusterId, "pods")) await ktx.delete(c.clusterId, "pods", p.metadata.namespace, p.metadata.name);
  for (const r of ["serviceaccounts", "configmaps", "secrets", "events", "namespaces", "mutatingwebhookconfigurations"]) await ktx.purge(c.clusterId, r);
  await tx.delete("provisionedClusterInstance", c.id.toLowerCase());
  await Clusters.delete(tx, c);
  return flush;
}

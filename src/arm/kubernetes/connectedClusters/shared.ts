import type { Tx } from "../../../store/index.js";
import type { ClusterRecord } from "../../../kube/index.js";
import { ArmErrors } from "../../ArmError.js";
import { isObject, type ArmRequest } from "../../ArmRoute.js";
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
export function findCluster({ ctx, clusters }: KubernetesDeps, tx: Tx, req: ArmRequest): Promise<ClusterRecord | undefined> {
  return clusters.get(tx, ctx.config.subscriptionId, req.params.resourceGroupName!, req.params.clusterName!);
}

/** The cluster the request names, or ARM's ResourceNotFound. */
export async function mustGetCluster(d: KubernetesDeps, tx: Tx, req: ArmRequest): Promise<ClusterRecord> {
  const c = await findCluster(d, tx, req);
  if (!c) throw ArmErrors.resourceNotFound(CC_TYPE, req.params.clusterName!, req.params.resourceGroupName!);
  return c;
}

/** The cluster admin's kubeconfig. */
export function kubeconfig({ clusters }: KubernetesDeps, c: ClusterRecord): string {
  return clusters.kubeconfig(c, `clusterAdmin_${c.resourceGroup}_${c.name}`);
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

/** Deletes a cluster (its provisioned instance, its Kubernetes objects and record) in `tx`; returns what runs once committed. */
export async function deleteCluster({ clusters }: KubernetesDeps, tx: Tx, c: ClusterRecord): Promise<() => Promise<void>> {
  await tx.delete("provisionedClusterInstance", c.id.toLowerCase());
  return clusters.delete(tx, c);
}

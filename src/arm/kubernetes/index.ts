import type { ArmRoute } from "../ArmRoute.js";
import { buildRoutes, type ArmOperationSpec } from "../operation.js";
import type { ResourceGroupCascade } from "../resources/ResourceGroup.js";
import type { ResourceLister } from "../resources/genericResources/list.js";
import type { ClusterApi } from "../../kube/index.js";
import * as connectedClusters from "./connectedClusters/index.js";
import * as extensions from "./extensions/index.js";
import * as provisionedClusterInstances from "./provisionedClusterInstances/index.js";
import { deleteCluster } from "./connectedClusters/shared.js";
import type { KubernetesDeps } from "./deps.js";

export { CONNECTED_CLUSTER_API_VERSIONS, DEFAULT_KUBERNETES_VERSION } from "./connectedClusters/shared.js";

/** The Kubernetes providers' operations, in match order (most specific path first). */
export const kubernetesOperations: readonly ArmOperationSpec<KubernetesDeps>[] = [
  provisionedClusterInstances.listAdminKubeconfig,
  provisionedClusterInstances.get,
  provisionedClusterInstances.createOrUpdate,
  provisionedClusterInstances.deleteOperation,
  extensions.get,
  extensions.list,
  connectedClusters.listClusterUserCredential,
  connectedClusters.get,
  connectedClusters.createOrUpdate,
  connectedClusters.update,
  connectedClusters.deleteOperation,
  connectedClusters.listByResourceGroup,
  connectedClusters.listBySubscription,
];

/** Deletes the clusters of a deleted resource group. */
function kubernetesCascade(deps: KubernetesDeps): ResourceGroupCascade {
  return async (tx, s, rg) => {
    for (const c of await deps.clusters.inResourceGroup(tx, s, rg)) {
      const afterCommit = await deleteCluster(deps, tx, c);
      // Events after the resource group's transaction: deliver on the next tick (the transaction has committed by then).
      setImmediate(() => void afterCommit());
    }
  };
}

/** Microsoft.Kubernetes/connectedClusters, Microsoft.HybridContainerService/provisionedClusterInstances and the workload identity extension (reference §5.2–5.3). */
export function kubernetesRoutes(ctx: KubernetesDeps["ctx"], clusters: ClusterApi): { routes: ArmRoute[]; cascade: ResourceGroupCascade; resources: ResourceLister } {
  const deps: KubernetesDeps = { ctx, clusters };
  const resources: ResourceLister = async (tx) =>
    (await clusters.all(tx)).map((c) => ({ id: c.id, name: c.name, type: "Microsoft.Kubernetes/connectedClusters", location: c.location, tags: c.tags, kind: "ProvisionedCluster", identity: { type: "SystemAssigned" } }));
  return { routes: buildRoutes(kubernetesOperations, deps), cascade: kubernetesCascade(deps), resources };
}

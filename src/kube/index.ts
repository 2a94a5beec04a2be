import type { FastifyInstance } from "fastify";
import type { LabContext } from "../platform/index.js";
import { KubeStorage } from "./KubeStorage.js";
import { ServiceAccountIssuer } from "./issuer/ServiceAccountIssuer.js";
import { issuerRoutes } from "./issuer/routes.js";
import { apiServerRoutes } from "./apiserver/index.js";
import { Clusters, apiServerUrl, issuerUrl, type ClusterRecord } from "./Cluster.js";
import type { KubeContext } from "./KubeContext.js";
import { webhookRoutes, type ServiceAccount } from "../webhook/index.js";

export { KubeStorage, type KubeObject, type ObjectMeta, type WatchEvent } from "./KubeStorage.js";
export { KubeStatusError, KubeErrors } from "./KubeStatusError.js";
export { ServiceAccountIssuer, ROTATION_MS, KEY_LIFETIME_MS } from "./issuer/ServiceAccountIssuer.js";
export { Clusters, issuerUrl, apiServerUrl, transparentIssuerHost, type ClusterRecord } from "./Cluster.js";
export type { KubeContext, PodLogSource, PodLogOptions } from "./KubeContext.js";
export { clusterApi, type ClusterApi } from "./ClusterApi.js";
export { WI_NAMESPACE } from "./clusterObjects.js";
export { startKubelet, prewarmKubelet, type Kubelet } from "./kubelet/index.js";
export { startControllers, ownerChain, controllerOf, type ControllerManager } from "./controllers/index.js";

export function createKubeContext(ctx: LabContext): KubeContext {
  return {
    ctx,
    storage: new KubeStorage(ctx.store, ctx.clock, ctx.random, ctx.log),
    issuer: new ServiceAccountIssuer(ctx.store, ctx.clock, ctx.random),
    cluster: (clusterId: string) => ctx.store.read((tx) => Clusters.byClusterId(tx, clusterId)),
    issuerUrl: (c: ClusterRecord) => issuerUrl(ctx.hosts, c),
    apiServerUrl: (c: ClusterRecord) => apiServerUrl(ctx.hosts, c),
    clusterDeleted: new Set(),
  };
}

/** The Kubernetes side of the lab: every cluster's issuer and API server. */
export async function kubeFace(app: FastifyInstance, kube: KubeContext): Promise<void> {
  await app.register(async (f) => issuerRoutes(f, kube));
  await app.register(async (f) => apiServerRoutes(f, kube), { prefix: "/k8s/:clusterId" });
  // The workload identity webhook the lab runs for each workload-identity cluster (its MutatingWebhookConfiguration's
  // service resolves here). It reads service accounts from the cluster's store, as the real one reads its informer cache.
  await app.register(
    async (f) =>
      webhookRoutes(f, {
        config: async (clusterId) => {
          const c = await kube.cluster(clusterId);
          if (!c || !c.workloadIdentityEnabled) return undefined;
          return { tenantId: c.tenantId, authorityHost: `${kube.ctx.hosts.loginOrigin}/`, serverVersion: `v${c.kubernetesVersion}` };
        },
        getServiceAccount: (clusterId, ns, name) =>
          kube.storage.read(async (tx) => (await tx.get(clusterId, "serviceaccounts", ns, name)) as ServiceAccount | undefined),
      }),
    { prefix: "/webhooks/azure-wi/:clusterId" },
  );
}

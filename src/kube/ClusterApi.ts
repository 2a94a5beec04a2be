import type { Tx } from "../store/index.js";
import { Clusters, transparentIssuerHost, type ClusterRecord } from "./Cluster.js";
import type { KubeContext } from "./KubeContext.js";
import type { KubeObject } from "./KubeStorage.js";
import { initialObjects, kubeconfigFor } from "./clusterObjects.js";

/**
 * The one way ARM (Microsoft.Kubernetes/connectedClusters, AKS Arc) reaches Kubernetes: it reads and saves the
 * cluster records, provisions and deletes clusters inside its own store transaction, and reads a cluster's issuer
 * URL and kubeconfig. The cluster's object storage, its service-account issuer and the components that hold state
 * per cluster stay behind this interface. The lab makes one with `clusterApi(kube)` and hands it to ARM.
 */
export interface ClusterApi {
  get(tx: Tx, subscriptionId: string, resourceGroup: string, name: string): Promise<ClusterRecord | undefined>;
  inResourceGroup(tx: Tx, subscriptionId: string, resourceGroup: string): Promise<ClusterRecord[]>;
  all(tx: Tx): Promise<ClusterRecord[]>;
  /** Saves a changed cluster record (its tags). */
  update(tx: Tx, c: ClusterRecord): Promise<void>;
  /**
   * A new cluster, in the caller's transaction: its record and the objects it starts with (namespaces, default
   * service accounts, the root CA, with workload identity the webhook's registration); in transparent mode its
   * issuer's hostname joins the hosts file. Returns what to run once the transaction has committed (watch events).
   */
  provision(tx: Tx, c: ClusterRecord): Promise<() => void>;
  /**
   * Deletes a cluster, in the caller's transaction: its pods, its objects and its record. Returns what to run once
   * the transaction has committed: watch events, then the issuer's keys, then every component holding state for it.
   */
  delete(tx: Tx, c: ClusterRecord): Promise<() => Promise<void>>;
  /** The issuer URL of a cluster in the lab's current host mode (ends in `/`). */
  issuerUrl(c: ClusterRecord): string;
  /** A kubeconfig for the cluster's admin token, as `aksarc get-credentials` and `connectedk8s proxy` write it. */
  kubeconfig(c: ClusterRecord, user: string): string;
}

/** Objects a cluster's delete purges (pods are deleted one by one first, as their owners would see it). */
const PURGED = ["deployments", "replicasets", "jobs", "serviceaccounts", "configmaps", "secrets", "events", "namespaces", "mutatingwebhookconfigurations"];

export function clusterApi(kube: KubeContext): ClusterApi {
  const { ctx } = kube;
  return {
    get: (tx, sub, rg, name) => Clusters.get(tx, sub, rg, name),
    inResourceGroup: (tx, sub, rg) => Clusters.inResourceGroup(tx, sub, rg),
    all: (tx) => Clusters.all(tx),
    update: (tx, c) => Clusters.put(tx, c),
    async provision(tx, c) {
      await Clusters.put(tx, c);
      const { ktx, flush } = kube.storage.within(tx);
      for (const { resource, object } of initialObjects({ workloadIdentity: c.workloadIdentityEnabled, caPem: ctx.ca.certPem, tenantId: c.tenantId })) {
        await ktx.create(c.clusterId, resource, object as KubeObject);
      }
      if (ctx.config.mode === "transparent" && c.oidcIssuerEnabled) ctx.etcHosts?.add([transparentIssuerHost(c)]);
      return flush;
    },
    async delete(tx, c) {
      const { ktx, flush } = kube.storage.within(tx);
      for (const p of await ktx.list(c.clusterId, "pods")) await ktx.delete(c.clusterId, "pods", p.metadata.namespace, p.metadata.name);
      for (const r of PURGED) await ktx.purge(c.clusterId, r);
      await Clusters.delete(tx, c);
      return async () => {
        flush();
        await kube.issuer.remove(c.clusterId);
        for (const l of kube.clusterDeleted) l(c.clusterId);
      };
    },
    issuerUrl: (c) => kube.issuerUrl(c),
    kubeconfig: (c, user) => kubeconfigFor({ clusterName: c.name, server: kube.apiServerUrl(c), caPem: ctx.ca.certPem, token: c.adminToken, user }),
  };
}

import type { ClusterApi } from "../../kube/index.js";
import type { ArmDeps } from "../deps.js";

/** The Kubernetes providers' operations also reach the clusters, through the kube side's cluster API only. */
export interface KubernetesDeps extends ArmDeps {
  /** The one way ARM reaches Kubernetes. */
  clusters: ClusterApi;
}

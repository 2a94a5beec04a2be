import type { KubeContext } from "../../kube/index.js";
import type { ArmDeps } from "../deps.js";

/** The Kubernetes providers' operations also reach the clusters. */
export interface KubernetesDeps extends ArmDeps {
  kube: KubeContext;
}

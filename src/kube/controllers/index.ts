/**
 * The lab's kube-controller-manager: the deployment, replicaset and job controllers and the garbage
 * collector, for every cluster of the lab. Started by the lab like the kubelet.
 */
import type { KubeContext } from "../KubeContext.js";
import { ControllerClient } from "./client.js";
import { DeploymentController } from "./DeploymentController.js";
import { ReplicaSetController } from "./ReplicaSetController.js";
import { JobController } from "./JobController.js";
import { GarbageCollector } from "./GarbageCollector.js";
import { Reconciler } from "./reconciler.js";

export { computeHash, POD_TEMPLATE_HASH_LABEL } from "./podTemplateHash.js";
export { deploymentStatus, fenceposts, newRSNewReplicas, oldScaleDowns } from "./deploymentUtil.js";
export { replicaCounts, replicaSetStatus } from "./ReplicaSetController.js";
export { jobCounts, jobOutcome, jobStatus, wantedActive, nextCreateAt } from "./JobController.js";
export { newReplicaSet, REVISION } from "./DeploymentController.js";
export { podFromTemplate } from "./pods.js";
export { ownerChain } from "./ownerChain.js";
export { controllerOf, ownerReferences, type OwnerReference } from "./client.js";

export interface ControllerManager {
  /** Enqueues every object of every cluster now (they are every 2 seconds anyway). */
  resync(): Promise<void>;
  stop(): Promise<void>;
}

export async function startControllers(kube: KubeContext): Promise<ControllerManager> {
  const r = new Reconciler(kube, [
    new DeploymentController(new ControllerClient(kube, "deployment-controller")),
    new ReplicaSetController(new ControllerClient(kube, "replicaset-controller")),
    new JobController(new ControllerClient(kube, "job-controller")),
    new GarbageCollector(new ControllerClient(kube, "generic-garbage-collector")),
  ]);
  await r.start();
  return { resync: () => r.resync(), stop: () => r.stop() };
}

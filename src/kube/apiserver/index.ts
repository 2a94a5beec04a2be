import type { FastifyInstance } from "fastify";
import type { KubeContext } from "../KubeContext.js";

/** The Kubernetes API server subset each lab cluster serves under `/k8s/<clusterId>`. */
export async function apiServerRoutes(_app: FastifyInstance, _kube: KubeContext): Promise<void> {
  // Built out in src/kube/apiserver.
}

import type { FastifyInstance } from "fastify";
import type { LabContext } from "../platform/index.js";
import type { LabRecord } from "../entra/index.js";
import type { ArmRoute } from "./ArmRoute.js";
import { genericResourceRoutes, metadataEndpoints, resourceGroupRoutes, subscriptionRoutes } from "./resources/index.js";
import { managedIdentityRoutes } from "./managedidentity/index.js";
import { authorizationRoutes } from "./authorization/index.js";
import { keyVaultRoutes } from "./keyvault/index.js";
import { azureLocalRoutes, azureLocalCascade, azureLocalResources } from "./azurelocal/index.js";
import { kubernetesRoutes } from "./kubernetes/index.js";
import type { ClusterApi } from "../kube/index.js";

export { armFace } from "./face.js";
export { ArmError, ArmErrors } from "./ArmError.js";

/** Every ARM resource provider the lab serves, in match order (most specific first). */
export function armRoutes(ctx: LabContext, clusters: ClusterApi): ArmRoute[] {
  const mi = managedIdentityRoutes(ctx);
  const kv = keyVaultRoutes(ctx);
  const authz = authorizationRoutes(ctx);
  const k8s = kubernetesRoutes(ctx, clusters);
  return [
    ...authz.routes,
    ...mi.routes,
    ...kv.routes,
    ...azureLocalRoutes(ctx),
    ...k8s.routes,
    ...genericResourceRoutes(ctx, [mi.resources, kv.resources, k8s.resources, azureLocalResources]),
    ...resourceGroupRoutes(ctx, [mi.cascade, kv.cascade, authz.cascade, azureLocalCascade, k8s.cascade]),
    ...subscriptionRoutes(ctx),
  ];
}

/** ARM endpoints that need no token: cloud metadata. */
export async function armPublicRoutes(app: FastifyInstance, d: { ctx: LabContext; lab: () => LabRecord }): Promise<void> {
  app.get("/metadata/endpoints", async (req, reply) => metadataEndpoints(d.ctx, req, reply));
}

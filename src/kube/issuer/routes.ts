import type { FastifyInstance, FastifyReply } from "fastify";
import type { KubeContext } from "../KubeContext.js";
import type { ClusterRecord } from "../Cluster.js";

// Bodies are sent as Buffers: Fastify would append "; charset=utf-8" to a string body's content type.
const HEADERS = { "cache-control": "public, max-age=3600" };

/**
 * Each cluster's OIDC issuer, exactly as kube-apiserver serves it: `/.well-known/openid-configuration`
 * (application/json) and `/openid/v1/jwks` (application/jwk-set+json), both `Cache-Control: public, max-age=3600`.
 * Local mode: under `/oidc/<tenant>/<cluster>/`; transparent mode: also on the AKS Arc issuer host.
 */
export async function issuerRoutes(app: FastifyInstance, kube: KubeContext): Promise<void> {
  async function find(tenant: string, clusterId: string): Promise<ClusterRecord | undefined> {
    const c = await kube.cluster(clusterId);
    return c && c.oidcIssuerEnabled && c.tenantId.toLowerCase() === tenant.toLowerCase() ? c : undefined;
  }
  const notFound = (reply: FastifyReply) => reply.code(404).header("content-type", "text/plain; charset=utf-8").send("404 page not found\n");

  const discovery = async (tenant: string, clusterId: string, reply: FastifyReply) => {
    const c = await find(tenant, clusterId);
    if (!c) return notFound(reply);
    const issuer = kube.issuerUrl(c);
    return reply
      .code(200)
      .headers({ ...HEADERS, "content-type": "application/json" })
      .send(
        Buffer.from(JSON.stringify({
          issuer,
          jwks_uri: `${issuer}openid/v1/jwks`,
          response_types_supported: ["id_token"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256"],
        })),
      );
  };
  const jwks = async (tenant: string, clusterId: string, reply: FastifyReply) => {
    const c = await find(tenant, clusterId);
    if (!c) return notFound(reply);
    return reply
      .code(200)
      .headers({ ...HEADERS, "content-type": "application/jwk-set+json" })
      .send(Buffer.from(JSON.stringify(await kube.issuer.jwks(c.clusterId))));
  };

  type P = { Params: { tenant: string; cluster: string } };
  app.get<P>("/oidc/:tenant/:cluster/.well-known/openid-configuration", (req, reply) => discovery(req.params.tenant, req.params.cluster, reply));
  app.get<P>("/oidc/:tenant/:cluster/openid/v1/jwks", (req, reply) => jwks(req.params.tenant, req.params.cluster, reply));
  const host = /^oidcdiscovery-[a-z0-9]+-endpoint-[0-9a-f]{16}\.000\.azurefd\.net(:\d+)?$/i;
  app.get<P>("/:tenant/:cluster/.well-known/openid-configuration", { constraints: { host } }, (req, reply) => discovery(req.params.tenant, req.params.cluster, reply));
  app.get<P>("/:tenant/:cluster/openid/v1/jwks", { constraints: { host } }, (req, reply) => jwks(req.params.tenant, req.params.cluster, reply));
}

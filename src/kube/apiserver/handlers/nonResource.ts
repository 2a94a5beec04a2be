/** The non-resource paths: `/`, `/version`, health, OpenAPI v2/v3 and discovery (`/api`, `/apis/...`). */
import type { FastifyReply } from "fastify";
import type { ClusterRecord } from "../../Cluster.js";
import { KubeErrors } from "../../KubeStatusError.js";
import { apiGroup, apiGroupList, apiResourceList, apiVersions, openApiV2Protobuf, openApiV3Docs, openApiV3Index, rootPaths, versionInfo } from "../discovery.js";
import { methodNotAllowed, send, type Call } from "./context.js";

/** OpenAPI v3 documents, built once per Kubernetes version. */
export type OpenApiCache = Map<string, Map<string, string>>;

function openapi(reply: FastifyReply, cluster: ClusterRecord, p: string[], cache: OpenApiCache): unknown {
  const b = p[1];
  if (b === "v2" && p.length === 2) {
    return reply.code(200).header("content-type", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf").send(openApiV2Protobuf(cluster));
  }
  if (b !== "v3") throw KubeErrors.notFoundPath();
  let docs = cache.get(cluster.kubernetesVersion);
  if (!docs) cache.set(cluster.kubernetesVersion, (docs = openApiV3Docs(cluster)));
  if (p.length === 2) return send(reply, 200, openApiV3Index(docs));
  const doc = docs.get(p.slice(2).join("/"));
  if (!doc) throw KubeErrors.notFoundPath();
  return reply.code(200).header("content-type", "application/json").header("cache-control", "public, immutable").send(Buffer.from(doc));
}

/** `/api`, `/api/v1`, `/apis`, `/apis/<group>` and `/apis/<group>/<version>`. */
function discovery(call: Call, p: string[]): unknown {
  const [a, b, c] = p;
  const { reply } = call;
  if (a === "api") {
    if (p.length === 1) return send(reply, 200, apiVersions(call.req.headers.host ?? "localhost"));
    if (b !== "v1") throw KubeErrors.notFoundPath();
    return send(reply, 200, apiResourceList("", "v1"));
  }
  if (p.length === 1) return send(reply, 200, apiGroupList());
  const found = p.length === 2 ? apiGroup(b!) : apiResourceList(b!, c!);
  if (!found) throw KubeErrors.notFoundPath();
  return send(reply, 200, found);
}

export function serveNonResource(call: Call, p: string[], cache: OpenApiCache): unknown {
  const { req, reply, cluster } = call;
  const [a] = p;
  if (p.length === 0) return req.method === "GET" || req.method === "HEAD" ? send(reply, 200, rootPaths()) : methodNotAllowed();
  if (a === "version" && p.length === 1) return send(reply, 200, versionInfo(cluster));
  if ((a === "healthz" || a === "livez" || a === "readyz") && p.length === 1) {
    return reply.code(200).header("content-type", "text/plain; charset=utf-8").send("ok");
  }
  if (a === "openapi") return openapi(reply, cluster, p, cache);
  if (a === "api" || a === "apis") return discovery(call, p);
  throw KubeErrors.notFoundPath();
}

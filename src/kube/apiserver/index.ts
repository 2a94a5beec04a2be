/**
 * The Kubernetes API server each lab cluster serves under `/k8s/<clusterId>`, in kube-apiserver's
 * pipeline: authenticate (auth.ts) → request info (requestInfo.ts: verb, group, version, resource,
 * subresource, namespace, name) → discovery, OpenAPI and health (handlers/nonResource.ts) or, for a
 * resource, authorize and one handler per verb or subresource (handlers/) → the registry (registry.ts)
 * with each kind's strategy (strategies/) and the admission plugins (../admission) → storage.
 * Every failure is a `Status` from the catalog (KubeErrors), with its lab-log line.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { KubeContext } from "../KubeContext.js";
import { KubeErrors, KubeStatusError } from "../KubeStatusError.js";
import { pathOf } from "../../platform/http.js";
import { authenticate, bearer } from "./auth.js";
import { Registry } from "./registry.js";
import { WatchHub } from "./watch.js";
import { pathSegments, requestInfo } from "./requestInfo.js";
import { queryAll, sendError, serveResource, type ApiServer, type Call } from "./handlers/index.js";
import { serveNonResource, type OpenApiCache } from "./handlers/nonResource.js";
import { StoreConflictError, StoreUnavailableError } from "../../store/index.js";

export { requestToken } from "./token.js";
export { verifyServiceAccountToken } from "./auth.js";
export { Registry, rfc3339, type OpContext } from "./registry.js";
export { RESOURCES, findKind, findResource, groupVersion, type ResourceDef } from "./resources.js";
export { matchesLabelSelector, type LabelSelectorObject } from "./labelSelector.js";
export { jsonEqual } from "./validation.js";
export { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from "./propagation.js";
export { JOB_LABELS } from "./strategies/job.js";
export { requestInfo, type RequestInfo, type ResourceRequestInfo } from "./requestInfo.js";

/**
 * The lab-log line for a failed API request. A `get` that finds nothing is how `kubectl apply` probes, so
 * NotFound on get/list is `debug`; server errors are `error`; every other failure is `warn`.
 */
function logKubeFailure(kube: KubeContext, req: FastifyRequest, e: KubeStatusError, call: Call | undefined): void {
  const verbGet = call?.op?.startsWith("get ") || call?.op?.startsWith("list ") || call?.op?.startsWith("watch ");
  const level = e.status >= 500 ? "error" : e.status === 404 && (verbGet || req.method === "GET") ? "debug" : "warn";
  kube.ctx.labLog.log({
    level,
    face: "kube",
    op: call?.op ?? `${req.method} ${pathOf(req)}`,
    status: e.status,
    code: e.reason,
    caller: call ? { upn: call.user.username } : undefined,
    hint: e.hint,
    message: e.message,
    fields: { cluster: call?.cluster.name },
  });
}

export async function apiServerRoutes(app: FastifyInstance, kube: KubeContext): Promise<void> {
  const hub = new WatchHub(kube.storage);
  const registry = new Registry(kube);
  const forget = (clusterId: string) => hub.forget(clusterId);
  kube.clusterDeleted.add(forget);
  app.addHook("onClose", async () => {
    kube.clusterDeleted.delete(forget);
    hub.close();
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  const calls = new WeakMap<FastifyRequest, Call>();
  /** Sends a Status error and writes its lab-log line (op, status, reason, user). */
  const fail = (req: FastifyRequest, reply: FastifyReply, e: KubeStatusError, warnings: string[] = []): FastifyReply => {
    logKubeFailure(kube, req, e, calls.get(req));
    return sendError(reply, e, warnings);
  };
  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    if (err instanceof KubeStatusError) return fail(req, reply, err);
    if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") return fail(req, reply, KubeErrors.tooLarge());
    if (err.statusCode && err.statusCode < 500) return fail(req, reply, KubeErrors.badRequest(err.message));
    // The store unreachable (PostgreSQL down) is kube-apiserver's storage failure: 500 InternalError, not the client's fault.
    if (err instanceof StoreUnavailableError || err instanceof StoreConflictError) return fail(req, reply, KubeErrors.internal(err.message));
    kube.ctx.log.warn(`kube-apiserver: ${err.stack ?? err.message}`);
    return fail(req, reply, KubeErrors.badRequest(err.message));
  });

  const server: ApiServer = { kube, registry, hub };
  const openapiCache: OpenApiCache = new Map();

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const segs = pathSegments(pathOf(req));
    const cluster = await kube.cluster(segs[1] ?? "");
    if (!cluster) return fail(req, reply, KubeErrors.notFoundPath());
    const user = await authenticate(kube, cluster, bearer(req.headers.authorization));
    if (!user) return fail(req, reply, KubeErrors.unauthorized());
    await hub.ensure(cluster.clusterId);
    const call: Call = { req, reply, cluster, user, query: queryAll(req), warnings: [] };
    calls.set(req, call);
    try {
      const info = requestInfo(req.method, segs.slice(2), call.query);
      return await (info.isResourceRequest ? serveResource(server, call, info) : serveNonResource(call, info.parts, openapiCache));
    } catch (e) {
      if (e instanceof KubeStatusError) return fail(req, reply, e, call.warnings);
      throw e;
    }
  };

  app.all("/", handler);
  app.all("/*", handler);
}

/**
 * The Kubernetes API server each lab cluster serves under `/k8s/<clusterId>`: authentication, discovery,
 * OpenAPI v3, the resource verbs (registry.ts), watch streams, `pods/log`, `serviceaccounts/token`,
 * Table output, and kube-apiserver's `Status` errors.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { KubeContext } from "../KubeContext.js";
import type { ClusterRecord } from "../Cluster.js";
import type { KubeObject, WatchEvent } from "../KubeStorage.js";
import { KubeErrors, KubeStatusError } from "../KubeStatusError.js";
import { pathOf } from "../../platform/http.js";
import { authenticate, bearer, verifyServiceAccountToken, type AuthenticatedUser } from "./auth.js";
import { apiGroup, apiGroupList, apiResourceList, apiVersions, openApiV2Protobuf, openApiV3Docs, openApiV3Index, rootPaths, versionInfo } from "./discovery.js";
import { findResource, type ResourceDef } from "./resources.js";
import { Registry, listItem, parseBody, rfc3339, withTypeMeta, type FieldValidation, type OpContext } from "./registry.js";
import { parseLabelSelector, matchRequirements, SelectorParseError, type Requirement } from "./labelSelector.js";
import { parseFieldSelector, checkFieldSelector, matchFields, FieldSelectorError, type FieldRequirement } from "./fieldSelector.js";
import { toTable, wantsTable, type IncludeObject } from "./table.js";
import { WatchHub } from "./watch.js";
import { requestToken } from "./token.js";
import { eventExpired } from "../events.js";
import { scaleSubresource } from "./scale.js";

export { requestToken } from "./token.js";
export { verifyServiceAccountToken } from "./auth.js";
export { Registry, type OpContext } from "./registry.js";
export { RESOURCES, findKind, findResource, groupVersion, type ResourceDef } from "./resources.js";
export { matchesLabelSelector, type LabelSelectorObject } from "./labelSelector.js";
export { jsonEqual } from "./validation.js";
export { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from "./propagation.js";
export { JOB_LABELS } from "./strategies/job.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

interface Call {
  req: FastifyRequest;
  reply: FastifyReply;
  cluster: ClusterRecord;
  user: AuthenticatedUser;
  query: Record<string, string>;
  warnings: string[];
  /** `<verb> <resource>` once the request is routed to a resource (for the lab log). */
  op?: string;
}

function send(reply: FastifyReply, code: number, body: unknown, warnings: string[] = [], contentType = "application/json"): FastifyReply {
  if (warnings.length) reply.header("warning", warnings.map((w) => `299 - ${JSON.stringify(w)}`));
  reply.code(code).header("content-type", contentType).header("cache-control", "no-cache, private");
  return reply.send(Buffer.from(JSON.stringify(body)));
}

function sendError(reply: FastifyReply, e: KubeStatusError, warnings: string[] = []): FastifyReply {
  return send(reply, e.status, e.toStatus(), warnings);
}

function queryAll(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = req.raw.url ?? "";
  const i = raw.indexOf("?");
  if (i >= 0) for (const [k, v] of new URLSearchParams(raw.slice(i + 1))) if (!(k in out)) out[k] = v;
  return out;
}

function fieldValidationOf(q: Record<string, string>): FieldValidation {
  const v = q.fieldValidation;
  if (v === undefined || v === "") return "Warn";
  if (v === "Strict" || v === "Warn" || v === "Ignore") return v;
  throw KubeErrors.badRequest(`fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`);
}

function dryRunOf(req: FastifyRequest, body?: Obj): boolean {
  const raw = req.raw.url ?? "";
  const i = raw.indexOf("?");
  const values = i >= 0 ? new URLSearchParams(raw.slice(i + 1)).getAll("dryRun") : [];
  if (body && Array.isArray(body.dryRun)) values.push(...(body.dryRun as string[]));
  for (const v of values) if (v !== "All") throw KubeErrors.badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

function includeOf(q: Record<string, string>): IncludeObject {
  const v = q.includeObject;
  return v === "None" || v === "Object" ? v : "Metadata";
}

function selectors(def: ResourceDef, q: Record<string, string>): { label: Requirement[]; field: FieldRequirement[] } {
  try {
    const label = q.labelSelector ? parseLabelSelector(q.labelSelector) : [];
    const field = q.fieldSelector ? parseFieldSelector(q.fieldSelector) : [];
    checkFieldSelector(def.resource, field);
    return { label, field };
  } catch (e) {
    if (e instanceof SelectorParseError || e instanceof FieldSelectorError) throw KubeErrors.badRequest(e.message);
    throw e;
  }
}

function verbOf(method: string, hasName: boolean, watch: boolean): string {
  switch (method) {
    case "GET":
    case "HEAD":
      return watch ? "watch" : hasName ? "get" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return hasName ? "delete" : "deletecollection";
    default:
      return method.toLowerCase();
  }
}

/** No RBAC objects exist in a lab cluster: only cluster admins may touch resources. */
function authorize(user: AuthenticatedUser, verb: string, def: ResourceDef, sub: string, ns: string | undefined, name: string | undefined): void {
  if (user.groups.includes("system:masters")) return;
  if (def.resource === "selfsubjectreviews" && verb === "create") return;
  const res = sub ? `${def.resource}/${sub}` : def.resource;
  const where = def.namespaced && ns ? `in the namespace "${ns}"` : "at the cluster scope";
  throw KubeErrors.forbidden(
    def.group ? `${def.resource}.${def.group}` : def.resource,
    name ?? "",
    `User "${user.username}" cannot ${verb} resource "${res}" in API group "${def.group}" ${where}`,
  );
}

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
    kube.ctx.log.warn(`kube-apiserver: ${err.stack ?? err.message}`);
    return fail(req, reply, KubeErrors.badRequest(err.message));
  });

  const openapiCache = new Map<string, Map<string, string>>();

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const segs = pathOf(req)
      .split("/")
      .filter(Boolean)
      .map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      });
    const clusterId = segs[1] ?? "";
    const rest = segs.slice(2);
    const cluster = await kube.cluster(clusterId);
    if (!cluster) return fail(req, reply, KubeErrors.notFoundPath());
    const user = await authenticate(kube, cluster, bearer(req.headers.authorization));
    if (!user) return fail(req, reply, KubeErrors.unauthorized());
    await hub.ensure(cluster.clusterId);
    const call: Call = { req, reply, cluster, user, query: queryAll(req), warnings: [] };
    calls.set(req, call);
    try {
      return await route(call, rest);
    } catch (e) {
      if (e instanceof KubeStatusError) return fail(req, reply, e, call.warnings);
      throw e;
    }
  };

  async function route(call: Call, p: string[]): Promise<unknown> {
    const { req, reply, cluster } = call;
    const method = req.method;
    const get = method === "GET" || method === "HEAD";
    const [a, b, c2] = p;
    if (p.length === 0) return get ? send(reply, 200, rootPaths()) : methodNotAllowed();
    if (a === "version" && p.length === 1) return send(reply, 200, versionInfo(cluster));
    if ((a === "healthz" || a === "livez" || a === "readyz") && p.length === 1) {
      return reply.code(200).header("content-type", "text/plain; charset=utf-8").send("ok");
    }
    if (a === "openapi") {
      if (b === "v2" && p.length === 2) {
        return reply.code(200).header("content-type", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf").send(openApiV2Protobuf(cluster));
      }
      if (b !== "v3") throw KubeErrors.notFoundPath();
      let docs = openapiCache.get(cluster.kubernetesVersion);
      if (!docs) openapiCache.set(cluster.kubernetesVersion, (docs = openApiV3Docs(cluster)));
      if (p.length === 2) return send(reply, 200, openApiV3Index(docs));
      const doc = docs.get(p.slice(2).join("/"));
      if (!doc) throw KubeErrors.notFoundPath();
      return reply.code(200).header("content-type", "application/json").header("cache-control", "public, immutable").send(Buffer.from(doc));
    }
    if (a === "api") {
      if (p.length === 1) return send(reply, 200, apiVersions(req.headers.host ?? "localhost"));
      if (b !== "v1") throw KubeErrors.notFoundPath();
      if (p.length === 2) return send(reply, 200, apiResourceList("", "v1"));
      return resource(call, "", "v1", p.slice(2));
    }
    if (a === "apis") {
      if (p.length === 1) return send(reply, 200, apiGroupList());
      if (p.length === 2) {
        const g = apiGroup(b!);
        if (!g) throw KubeErrors.notFoundPath();
        return send(reply, 200, g);
      }
      if (p.length === 3) {
        const l = apiResourceList(b!, c2!);
        if (!l) throw KubeErrors.notFoundPath();
        return send(reply, 200, l);
      }
      return resource(call, b!, c2!, p.slice(3));
    }
    throw KubeErrors.notFoundPath();
  }

  function methodNotAllowed(): never {
    throw new KubeStatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {});
  }

  async function resource(call: Call, group: string, version: string, p: string[]): Promise<unknown> {
    let ns: string | undefined;
    let rp = p;
    // namespaces/{ns}/{resource}... (but namespaces/{name}[/status|finalize] is the Namespace itself)
    if (p[0] === "namespaces" && p.length >= 3 && !(p.length === 3 && (p[2] === "status" || p[2] === "finalize"))) {
      ns = p[1];
      rp = p.slice(2);
    }
    const [res, name, sub = "", extra] = rp;
    if (!res || extra !== undefined) throw KubeErrors.notFoundPath();
    const def = findResource(group, version, res);
    if (!def) throw KubeErrors.notFoundPath();
    if (ns !== undefined && !def.namespaced) throw KubeErrors.notFoundPath();
    if (sub && !def.subresources.some((s) => s.name === sub)) throw KubeErrors.notFoundPath();
    const { req, reply, query } = call;
    const method = req.method;
    const watch = query.watch === "true" || query.watch === "1";
    const verb = verbOf(method, !!name, watch);
    call.op = `${verb} ${sub ? `${def.resource}/${sub}` : def.resource}${def.group ? `.${def.group}` : ""}`;
    authorize(call.user, verb, def, sub, ns, name);

    const ctx = (body?: Obj): OpContext => ({
      cluster: call.cluster,
      user: call.user,
      dryRun: dryRunOf(req, body),
      fieldValidation: fieldValidationOf(query),
      fieldManager: query.fieldManager || undefined,
      warnings: call.warnings,
    });
    const raw = Buffer.isBuffer(req.body) ? req.body : undefined;
    const contentType = String(req.headers["content-type"] ?? "application/json");
    const now = kube.ctx.clock.now();
    const table = wantsTable(req.headers.accept);

    if (def.virtual) {
      if (method !== "POST" || name) methodNotAllowed();
      return virtualCreate(call, def, raw, contentType);
    }

    // ---- subresources ----
    if (sub === "log") {
      if (!ns || !name || !(method === "GET" || method === "HEAD")) methodNotAllowed();
      return podLogs(call, ns, name);
    }
    if (sub === "scale") {
      if (!ns || !name || !["GET", "HEAD", "PUT", "PATCH"].includes(method)) methodNotAllowed();
      const scale = await scaleSubresource(registry, def, ns, name, { method, contentType, raw }, ctx());
      return send(reply, 200, scale, call.warnings);
    }
    if (sub === "token") {
      if (method !== "POST" || !ns || !name) methodNotAllowed();
      const body = raw && raw.length ? parseBody(raw, contentType) : {};
      const r = await requestToken(kube, call.cluster, ns, name, body);
      call.warnings.push(...r.warnings);
      return send(reply, 201, r.response, call.warnings);
    }

    if (!name) {
      if (method === "GET" || method === "HEAD") {
        if (def.namespaced && ns === undefined && !def.verbs.includes("list")) methodNotAllowed();
        if (watch) return watchStream(call, def, ns);
        const sel = selectors(def, query);
        const limit = query.limit ? Number(query.limit) : undefined;
        const r = await registry.list(call.cluster, def, ns, { ...sel, limit, continueToken: query.continue || undefined });
        const meta: Obj = { resourceVersion: r.resourceVersion, ...(r.continueToken ? { continue: r.continueToken } : {}), ...(r.remaining !== undefined ? { remainingItemCount: r.remaining } : {}) };
        if (table) return send(reply, 200, toTable(def.kind, r.items.map((o) => withTypeMeta(def, o)), now, includeOf(query), meta));
        return send(reply, 200, { kind: `${def.kind}List`, apiVersion: def.group ? `${def.group}/${def.version}` : def.version, metadata: meta, items: r.items.map(listItem) });
      }
      if (method === "POST") {
        if (def.namespaced && ns === undefined) methodNotAllowed();
        const body = parseBody(raw, contentType);
        const o = ctx();
        const created = await registry.create(def, ns, body, o);
        return send(reply, o.dryRun ? 200 : 201, table ? toTable(def.kind, [created], now, includeOf(query)) : created, call.warnings);
      }
      if (method === "DELETE") {
        if (def.namespaced && ns === undefined) methodNotAllowed();
        if (!def.verbs.includes("deletecollection")) methodNotAllowed();
        const options = raw && raw.length ? parseBody(raw, contentType) : {};
        const o = ctx(isObj(options) ? options : undefined);
        const sel = selectors(def, query);
        const r = await registry.list(call.cluster, def, ns, sel);
        const gone: KubeObject[] = [];
        for (const item of r.items) {
          try {
            const [, body] = await registry.delete(def, item.metadata.namespace, item.metadata.name, isObj(options) ? options : {}, o);
            if (isObj(body) && body.kind !== "Status") gone.push(body as unknown as KubeObject);
            else gone.push(item);
          } catch (e) {
            if (!(e instanceof KubeStatusError && e.reason === "NotFound")) throw e;
          }
        }
        return send(reply, 200, { kind: `${def.kind}List`, apiVersion: def.group ? `${def.group}/${def.version}` : def.version, metadata: { resourceVersion: r.resourceVersion }, items: gone.map(listItem) }, call.warnings);
      }
      methodNotAllowed();
    }

    // ---- one object (or its status) ----
    const objName = name!;
    if (sub === "status" && !["GET", "HEAD", "PUT", "PATCH"].includes(method)) methodNotAllowed();
    switch (method) {
      case "GET":
      case "HEAD": {
        if (watch) return watchStream(call, def, ns, objName);
        const o = await registry.get(call.cluster, def, ns, objName);
        return send(reply, 200, table ? toTable(def.kind, [o], now, includeOf(query), { resourceVersion: o.metadata.resourceVersion }) : o);
      }
      case "PUT": {
        const body = parseBody(raw, contentType);
        const o = ctx();
        const updated = await registry.update(def, ns, objName, sub, body, o);
        return send(reply, 200, updated, call.warnings);
      }
      case "PATCH": {
        const o = ctx();
        const r = await registry.patch(def, ns, objName, sub, contentType, raw, o);
        return send(reply, r.created ? 201 : 200, r.obj, call.warnings);
      }
      case "DELETE": {
        const options = raw && raw.length ? parseBody(raw, contentType) : {};
        const opts: Obj = isObj(options) ? { ...options } : {};
        if (call.query.gracePeriodSeconds !== undefined) opts.gracePeriodSeconds = Number(call.query.gracePeriodSeconds);
        if (call.query.propagationPolicy) opts.propagationPolicy = call.query.propagationPolicy;
        const o = ctx(opts);
        const [code, body] = await registry.delete(def, ns, objName, opts, o);
        return send(reply, code, body, call.warnings);
      }
      default:
        methodNotAllowed();
    }
  }

  async function virtualCreate(call: Call, def: ResourceDef, raw: Buffer | undefined, contentType: string): Promise<unknown> {
    const body = parseBody(raw, contentType);
    const now = rfc3339(kube.ctx.clock.now());
    const { serviceAccount: _sa, ...user } = call.user;
    if (def.resource === "selfsubjectreviews") {
      return send(call.reply, 201, { kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1", metadata: { creationTimestamp: now }, status: { userInfo: user } });
    }
    const spec = isObj(body) && isObj(body.spec) ? body.spec : {};
    const token = typeof spec.token === "string" ? spec.token : "";
    if (!token) throw KubeErrors.invalid("TokenReview", "", [{ reason: "FieldValueRequired", message: "Required value", field: "spec.token" }], "authentication.k8s.io");
    const auds = Array.isArray(spec.audiences) ? (spec.audiences as string[]) : undefined;
    const who = token === call.cluster.adminToken ? undefined : await verifyServiceAccountToken(kube, call.cluster, token, auds);
    const status = who
      ? { authenticated: true, user: { username: who.username, uid: who.uid, groups: who.groups, ...(who.extra ? { extra: who.extra } : {}) }, audiences: auds ?? [kube.issuerUrl(call.cluster)] }
      : { user: {}, error: "[invalid bearer token, service account token has been invalidated]" };
    return send(call.reply, 201, { kind: "TokenReview", apiVersion: "authentication.k8s.io/v1", metadata: { creationTimestamp: null }, spec, status });
  }

  async function podLogs(call: Call, ns: string, name: string): Promise<unknown> {
    const pod = await registry.get(call.cluster, findResource("", "v1", "pods")!, ns, name);
    const spec = isObj(pod.spec) ? pod.spec : {};
    const names = (f: string) => (Array.isArray(spec[f]) ? (spec[f] as Obj[]).map((c) => String(c.name)) : []);
    const containers = names("containers");
    const inits = names("initContainers");
    const ephemeral = names("ephemeralContainers");
    let container = call.query.container;
    if (!container) {
      if (containers.length === 1) container = containers[0]!;
      else {
        let msg = `a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]`;
        if (inits.length) msg += ` or one of the init containers: [${inits.join(" ")}]`;
        if (ephemeral.length) msg += ` or one of the ephemeral containers: [${ephemeral.join(" ")}]`;
        throw KubeErrors.badRequest(msg);
      }
    } else if (![...containers, ...inits, ...ephemeral].includes(container)) {
      throw KubeErrors.badRequest(`container ${container} is not valid for pod ${name}`);
    }
    const num = (k: string) => (call.query[k] !== undefined && call.query[k] !== "" ? Number(call.query[k]) : undefined);
    const stream = await kube.podLogs?.logs(call.cluster.clusterId, ns, name, {
      container,
      follow: call.query.follow === "true" || call.query.follow === "1",
      previous: call.query.previous === "true",
      tailLines: num("tailLines"),
      sinceSeconds: num("sinceSeconds"),
      timestamps: call.query.timestamps === "true",
    });
    if (!stream) {
      const status = isObj(pod.status) ? pod.status : {};
      const cs = (Array.isArray(status.containerStatuses) ? (status.containerStatuses as Obj[]) : []).find((c) => c.name === container);
      const waiting = cs && isObj(cs.state) && isObj(cs.state.waiting) ? String(cs.state.waiting.reason ?? "ContainerCreating") : "ContainerCreating";
      throw KubeErrors.badRequest(`container "${container}" in pod "${name}" is waiting to start: ${waiting}`);
    }
    const { reply, req } = call;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "text/plain", "cache-control": "no-cache, private", "transfer-encoding": "chunked" });
    const cleanup = () => {
      stream.destroy();
    };
    req.raw.on("close", cleanup);
    stream.on("data", (chunk: Buffer | string) => res.write(chunk));
    stream.on("end", () => res.end());
    stream.on("error", () => res.end());
    return undefined;
  }

  async function watchStream(call: Call, def: ResourceDef, ns: string | undefined, name?: string): Promise<unknown> {
    const { req, reply, query } = call;
    const clusterId = call.cluster.clusterId;
    const sel = selectors(def, query);
    if (name) sel.field.push({ field: "metadata.name", op: "=", value: name });
    const table = wantsTable(req.headers.accept);
    const include = includeOf(query);
    const bookmarks = query.allowWatchBookmarks === "true";
    const initialEvents = query.sendInitialEvents === "true";
    const rvParam = query.resourceVersion ?? "";
    const timeout = query.timeoutSeconds ? Math.max(1, Number(query.timeoutSeconds)) : 1800 + Math.floor(Math.random() * 1800);

    const matches = (o: KubeObject) =>
      (!def.namespaced || ns === undefined || o.metadata.namespace === ns) &&
      matchRequirements(o.metadata.labels, sel.label) &&
      matchFields(def.resource, o, sel.field) &&
      (def.resource !== "events" || !eventExpired(o, kube.ctx.clock.now()));
    const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;

    const { items, rv } = await kube.storage.read(async (tx) => ({
      items: await tx.list(clusterId, def.resource, def.namespaced ? ns : undefined),
      rv: await tx.currentVersion(clusterId),
    }));
    const fromRv = rvParam === "" || rvParam === "0" ? Number(rv) : Number(rvParam);
    if (!Number.isFinite(fromRv)) throw KubeErrors.badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a valid resource version`);
    const visible = new Set(items.filter(matches).map(keyOf));

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-cache, private", "transfer-encoding": "chunked" });
    // Headers go out now: client-go's reflector only sees its stop signal once Watch() has returned, so a
    // watch on an object that does not change (`rollout status` of a finished rollout) would hang otherwise.
    res.flushHeaders();
    const write = (type: string, obj: unknown) => res.write(JSON.stringify({ type, object: obj }) + "\n");
    const render = (o: KubeObject) => (table ? toTable(def.kind, [withTypeMeta(def, o)], kube.ctx.clock.now(), include) : withTypeMeta(def, o));
    const bookmark = (rvNow: string, annotations?: Record<string, string>) =>
      write("BOOKMARK", { kind: def.kind, apiVersion: def.group ? `${def.group}/${def.version}` : def.version, metadata: { resourceVersion: rvNow, ...(annotations ? { annotations } : {}) } });

    let lastRv = String(fromRv);
    const onEvent = (e: WatchEvent) => {
      if (e.resource !== def.resource) return;
      const o = e.object;
      const key = keyOf(o);
      const m = matches(o);
      lastRv = o.metadata.resourceVersion;
      if (e.type === "DELETED") {
        if (visible.delete(key) || m) write("DELETED", render(o));
        return;
      }
      if (m) {
        write(visible.has(key) ? (e.type === "ADDED" ? "ADDED" : "MODIFIED") : "ADDED", render(o));
        visible.add(key);
      } else if (visible.has(key)) {
        visible.delete(key);
        write("DELETED", render(o));
      }
    };

    if (rvParam === "" || rvParam === "0" || initialEvents) {
      for (const o of items.filter(matches)) write("ADDED", render(o));
      if (initialEvents) bookmark(rv, { "k8s.io/initial-events-end": "true" });
    }
    const unsubscribe = hub.subscribe(clusterId, fromRv, onEvent);
    if (!unsubscribe) {
      write("ERROR", {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: `too old resource version: ${fromRv} (${hub.horizon(clusterId)})`,
        reason: "Expired",
        code: 410,
      });
      res.end();
      return undefined;
    }
    const tick = bookmarks ? setInterval(() => bookmark(lastRv), 60_000) : undefined;
    tick?.unref();
    const timer = setTimeout(() => finish(), timeout * 1000);
    timer.unref();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      unsubscribe();
      clearTimeout(timer);
      if (tick) clearInterval(tick);
      res.end();
    };
    req.raw.on("close", finish);
    res.on("close", finish);
    return undefined;
  }

  app.all("/", handler);
  app.all("/*", handler);
}

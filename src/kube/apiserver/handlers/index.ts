/**
 * A resource request's way to its handler: resolve the resource from the request info (404 for what the
 * cluster does not serve), authorize, then one handler per verb — or per subresource (log, token, scale,
 * status) and for the create-only virtual resources.
 */
import { KubeErrors } from "../../KubeStatusError.js";
import type { AuthenticatedUser } from "../auth.js";
import { findResource, type ResourceDef } from "../resources.js";
import type { ResourceRequestInfo } from "../requestInfo.js";
import { methodNotAllowed, type ApiServer, type Call, type Handler, type ResourceCall } from "./context.js";
import { get } from "./get.js";
import { list } from "./list.js";
import { watch } from "./watch.js";
import { create } from "./create.js";
import { update } from "./update.js";
import { patch } from "./patch.js";
import { del } from "./delete.js";
import { deletecollection } from "./deletecollection.js";
import { log } from "./log.js";
import { token } from "./token.js";
import { scale } from "./scale.js";
import { review } from "./review.js";
import { attach, exec, portforward } from "./stream.js";

export { send, sendError, queryAll, methodNotAllowed, type ApiServer, type Call } from "./context.js";

/** A namespaced resource's collection verbs need a namespace, except list and watch when the resource allows listing across all. */
const inNamespace = (h: Handler): Handler => (s, call) => {
  if (call.def.namespaced && call.info.namespace === undefined) methodNotAllowed();
  return h(s, call);
};
const acrossNamespaces = (h: Handler): Handler => (s, call) => {
  if (call.def.namespaced && call.info.namespace === undefined && !call.def.verbs.includes("list")) methodNotAllowed();
  return h(s, call);
};

/** The table's handler of a verb; MethodNotAllowed for a verb it does not serve. */
const pick = (table: Record<string, Handler>, verb: string): Handler => (Object.hasOwn(table, verb) ? table[verb]! : methodNotAllowed);

/** Handlers of the collection (no name in the path). */
const COLLECTION: Record<string, Handler> = {
  list: acrossNamespaces(list),
  watch: acrossNamespaces(watch),
  create: inNamespace(create),
  deletecollection: inNamespace(deletecollection),
};

/** Handlers of one object (and of its `status`). */
const OBJECT: Record<string, Handler> = { get, watch, update, patch, delete: del };

/** `status` serves get, update and patch of the object's status (and a watch of the object). */
const status: Handler = (s, call) => {
  if (!["GET", "HEAD", "PUT", "PATCH"].includes(call.req.method)) methodNotAllowed();
  return object(s, call);
};
const object: Handler = (s, call) => pick(OBJECT, call.info.verb)(s, call);

const SUBRESOURCES: Record<string, Handler> = { log, token, scale, status, exec, attach, portforward };

/**
 * The streaming (connect) subresources: whether asked with POST (SPDY) or GET (WebSocket), they are authorized
 * and recorded as `create` (kube-apiserver's check that a WebSocket upgrade may create pods/exec).
 */
const CONNECT = new Set(["exec", "attach", "portforward"]);

/** No RBAC objects exist in a lab cluster: only cluster admins may touch resources. */
function authorize(user: AuthenticatedUser, info: ResourceRequestInfo, def: ResourceDef): void {
  if (user.groups.includes("system:masters")) return;
  if (def.resource === "selfsubjectreviews" && info.verb === "create") return;
  const sub = info.subresource;
  const res = sub ? `${def.resource}/${sub}` : def.resource;
  const where = def.namespaced && info.namespace ? `in the namespace "${info.namespace}"` : "at the cluster scope";
  throw KubeErrors.forbidden(
    def.group ? `${def.resource}.${def.group}` : def.resource,
    info.name ?? "",
    `User "${user.username}" cannot ${info.verb} resource "${res}" in API group "${def.group}" ${where}`,
  );
}

/** The served resource a request is about (NotFound for a path the cluster does not serve). */
function resolve(info: ResourceRequestInfo): ResourceDef {
  if (!info.resource || info.parts.length > 3) throw KubeErrors.notFoundPath();
  const def = findResource(info.group, info.version, info.resource);
  if (!def) throw KubeErrors.notFoundPath();
  if (info.namespace !== undefined && !def.namespaced) throw KubeErrors.notFoundPath();
  if (info.subresource && !def.subresources.some((s) => s.name === info.subresource)) throw KubeErrors.notFoundPath();
  return def;
}

/** The handler of a resolved, authorized request. */
function handlerOf(call: ResourceCall): Handler {
  const { def, info } = call;
  if (def.virtual) return review;
  if (info.subresource) return Object.hasOwn(SUBRESOURCES, info.subresource) ? SUBRESOURCES[info.subresource]! : object;
  if (!info.name) return pick(COLLECTION, info.verb);
  return object;
}

export async function serveResource(s: ApiServer, c: Call, info: ResourceRequestInfo): Promise<unknown> {
  const def = resolve(info);
  if (def.resource === "pods" && CONNECT.has(info.subresource) && info.verb === "get") info = { ...info, verb: "create" };
  c.op = `${info.verb} ${info.subresource ? `${def.resource}/${info.subresource}` : def.resource}${def.group ? `.${def.group}` : ""}`;
  authorize(c.user, info, def);
  const call: ResourceCall = Object.assign(c, { info, def });
  return handlerOf(call)(s, call);
}

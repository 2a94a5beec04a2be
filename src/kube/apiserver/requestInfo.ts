/**
 * What a request to the API server is about, from its method, path and query alone (k8s.io/apiserver's
 * RequestInfoFactory): a resource request (`/api/v1/...`, `/apis/<group>/<version>/...`) with its verb,
 * group, version, resource, subresource, namespace and name, or a non-resource request (discovery,
 * OpenAPI, health, version). Pure: whether the resource exists is the router's question.
 *
 * As in kube-apiserver, `namespaces/<ns>/<resource>...` is a request inside namespace <ns>, while
 * `namespaces/<name>` and `namespaces/<name>/{status,finalize}` are about the Namespace object itself
 * (its name is `name`; `namespace` stays unset, the Namespace being cluster-scoped).
 */

export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";

export interface NonResourceRequestInfo {
  isResourceRequest: false;
  /** The lower-cased method (`get`, `post`, …), as kube-apiserver names non-resource verbs. */
  verb: string;
  /** The decoded path segments. */
  parts: string[];
}

export interface ResourceRequestInfo {
  isResourceRequest: true;
  /** One of the {@link Verb}s, or the lower-cased method when it maps to none (`options`, …). */
  verb: Verb | string;
  apiPrefix: "api" | "apis";
  group: string;
  version: string;
  resource: string;
  /** `""` when the request is for the resource itself. */
  subresource: string;
  namespace?: string;
  name?: string;
  /** The segments from the resource on: `[resource, name?, subresource?, …]` (more than 3 is no valid path). */
  parts: string[];
}

export type RequestInfo = NonResourceRequestInfo | ResourceRequestInfo;

const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

/** Path segments, each URI-decoded (a segment that does not decode stays as it is). */
export function pathSegments(path: string): string[] {
  return path
    .split("/")
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

/** The verb of a resource request: GET is get, list or watch; DELETE is delete or deletecollection. */
export function verbOf(method: string, hasName: boolean, watch: boolean): string {
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

/**
 * The request info of `method path?query` (`path` is the API server's own path, without the
 * `/k8s/<clusterId>` prefix; `query` holds the first value of each parameter).
 */
export function requestInfo(method: string, path: string | string[], query: Record<string, string>): RequestInfo {
  const segs = typeof path === "string" ? pathSegments(path) : path;
  const [prefix, a, b] = segs;
  const isResource = (prefix === "api" && segs.length >= 3) || (prefix === "apis" && segs.length >= 4);
  if (!isResource) return { isResourceRequest: false, verb: method.toLowerCase(), parts: segs };
  const group = prefix === "api" ? "" : a!;
  const version = prefix === "api" ? a! : b!;
  let parts = segs.slice(prefix === "api" ? 2 : 3);
  let namespace: string | undefined;
  if (parts[0] === "namespaces" && parts.length >= 3 && !(parts.length === 3 && NAMESPACE_SUBRESOURCES.has(parts[2]!))) {
    namespace = parts[1];
    parts = parts.slice(2);
  }
  const [resource = "", name, subresource = ""] = parts;
  const watch = query.watch === "true" || query.watch === "1";
  return {
    isResourceRequest: true,
    verb: verbOf(method, name !== undefined, watch),
    apiPrefix: prefix as "api" | "apis",
    group,
    version,
    resource,
    subresource,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    parts,
  };
}

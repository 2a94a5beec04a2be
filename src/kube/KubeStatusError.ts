import { FaceError } from "../platform/index.js";

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

/** A Kubernetes `Status` error (metav1.Status), as kube-apiserver returns it. */
export class KubeStatusError extends FaceError {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number },
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      // Status.reason is omitempty in Go: an error that is no API status (a proxy's dial error) has none.
      ...(this.reason ? { reason: this.reason } : {}),
      // StatusDetails' fields are omitempty in Go: an empty group (core resources) or name is left out [V].
      ...(this.details ? { details: Object.fromEntries(Object.entries(this.details).filter(([, v]) => v !== "" && v !== undefined)) } : {}),
      code: this.status,
    };
  }
}

function gr(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

/** One factory per kube-apiserver reason, with its message format (k8s.io/apimachinery/pkg/api/errors). */
export const KubeErrors = {
  notFound: (resource: string, name: string, group = "") =>
    new KubeStatusError(404, "NotFound", `${gr(resource, group)} "${name}" not found`, { name, group, kind: resource }),
  alreadyExists: (resource: string, name: string, group = "") =>
    new KubeStatusError(409, "AlreadyExists", `${gr(resource, group)} "${name}" already exists`, { name, group, kind: resource }),
  conflict: (resource: string, name: string, group = "") =>
    new KubeStatusError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${gr(resource, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, group, kind: resource },
    ),
  invalid: (kind: string, name: string, causes: StatusCause[], group = "") =>
    new KubeStatusError(
      422,
      "Invalid",
      `${kind}${group ? `.${group}` : ""} "${name}" is invalid: ${causes.length === 1 ? `${causes[0]!.field ? causes[0]!.field + ": " : ""}${causes[0]!.message}` : `[${causes.map((c) => `${c.field ? c.field + ": " : ""}${c.message}`).join(", ")}]`}`,
      { name, group, kind, causes },
    ),
  badRequest: (message: string) => new KubeStatusError(400, "BadRequest", message),
  forbidden: (resource: string, name: string, why: string, group = "") =>
    new KubeStatusError(403, "Forbidden", `${gr(resource, group)}${name ? ` "${name}"` : ""} is forbidden: ${why}`, { name, group, kind: resource }),
  unauthorized: () => new KubeStatusError(401, "Unauthorized", "Unauthorized"),
  methodNotAllowed: (verb: string, resource: string) =>
    new KubeStatusError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`, { kind: resource, causes: [{ reason: "MethodNotAllowed", message: verb }] }),
  /** 405 with empty details: a method the path does not serve (kube-apiserver's MethodNotSupported at the route). */
  methodNotAllowedHere: () => new KubeStatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {}),
  /** 415 for a request body in a media type the decoder does not know. */
  unsupportedBodyType: () =>
    new KubeStatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`),
  /** 422 for a JSON patch that does not apply. */
  jsonPatchFailed: (message: string) =>
    new KubeStatusError(422, "Invalid", "the server rejected our request due to an error in our request", { causes: [{ reason: "UnexpectedServerResponse", message }] }),
  /** 409 for a DeleteOptions precondition (`UID` or `ResourceVersion`) that the stored object does not meet. */
  preconditionFailed: (resource: string, name: string, group: string, field: "UID" | "ResourceVersion", wanted: string, actual: string) =>
    new KubeStatusError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${gr(resource, group)} "${name}": Precondition failed: ${field} in precondition: ${wanted}, ${field} in object meta: ${actual}`,
      { name, group, kind: resource },
    ),
  /** 409 for a TokenRequest bound to a Pod whose uid is not the stored one. */
  boundObjectUidMismatch: (uid: string) =>
    new KubeStatusError(409, "Conflict", `the UID in the bound object reference (${uid}) does not match the UID in record. The object might have been deleted and then recreated`),
  /** 410 for a watch from a resourceVersion older than the watch cache holds. */
  expired: (message: string) => new KubeStatusError(410, "Expired", message),
  /** 500 for a webhook call that failed (failurePolicy Fail): the message is also the one cause. */
  webhookCallFailed: (msg: string) => new KubeStatusError(500, "InternalError", `Internal error occurred: ${msg}`, { causes: [{ reason: "", message: msg }] }),
  /** A webhook's denial: its own code (at least 400), reason, message and details. */
  webhookDenied: (code: number, reason: string, message: string, details?: KubeStatusError["details"]) => new KubeStatusError(code, reason, message, details),
  unsupportedMediaType: (type: string) => new KubeStatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json; got ${type}`),
  /** An unknown path: `"details":{}`, as kube-apiserver's NotFound handler answers [V]. */
  notFoundPath: () => new KubeStatusError(404, "NotFound", "the server could not find the requested resource", {}),
  /**
   * The proxy to a node's kubelet could not connect: apiserver's ErrorToAPIStatus of a plain Go error (500, no
   * reason), so kubectl prints "Error from server: <message>". `pods/log` names the kubelet URL it tried, the
   * streaming verbs say "error dialing backend" [V: "Error from server: error dialing backend: dial tcp
   * 100.96.225.185:10250: connect: connection refused" for exec; "Error from server: Get
   * https://kube-node-2:10250/containerLogs/default/nginx-…/nginx: dial tcp: …" for logs, in public troubleshooting
   * captures; Go ≥ 1.14 quotes the URL].
   */
  kubeletUnreachable: (message: string) => new KubeStatusError(500, "", message),
  internal: (why: string) => new KubeStatusError(500, "InternalError", `Internal error occurred: ${why}`),
  tooLarge: () => new KubeStatusError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728"),
};

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
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
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
  unsupportedMediaType: (type: string) => new KubeStatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json; got ${type}`),
  notFoundPath: () => new KubeStatusError(404, "NotFound", "the server could not find the requested resource"),
  internal: (why: string) => new KubeStatusError(500, "InternalError", `Internal error occurred: ${why}`),
  tooLarge: () => new KubeStatusError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728"),
};

import { FaceError } from "../platform/index.js";

/**
 * A Microsoft Graph error, rendered as `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
 * Texts marked [V] were seen in real responses; [I] texts are inferred.
 */
export class GraphError extends FaceError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const INSUFFICIENT = "Insufficient privileges to complete the operation.";

export const GraphErrors = {
  // ---- authentication (401, with Graph's WWW-Authenticate challenge) ----
  /** [V] */
  tokenMissing: () => new GraphError(401, "InvalidAuthenticationToken", "Access token is empty."),
  /** [V] */
  tokenMalformed: () => new GraphError(401, "InvalidAuthenticationToken", "CompactToken parsing failed with error code: 80049217"),
  /** [V] */
  tokenExpired: () => new GraphError(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."),
  /** [V] */
  invalidAudience: () => new GraphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience."),
  /** [V] */
  invalidToken: () => new GraphError(401, "InvalidAuthenticationToken", "Access token validation failure."),

  // ---- authorization ----
  /** [V] */
  insufficientPrivileges: () => new GraphError(403, "Authorization_RequestDenied", INSUFFICIENT),
  /** [V] `/me` with an application token. */
  meWithoutUser: () => new GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow."),

  // ---- requests ----
  /** [V] */
  segmentNotFound: (segment: string) => new GraphError(400, "BadRequest", `Resource not found for the segment '${segment}'.`),
  /** [V] */
  methodNotAllowed: () => new GraphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target."),
  /** [V] */
  resourceNotFound: (id: string) => new GraphError(404, "Request_ResourceNotFound", `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`),
  /** [V] */
  invalidObjectId: (id: string) => new GraphError(400, "Request_BadRequest", `Invalid object identifier '${id}'.`),
  /** [V] directory objects: a `$filter` that does not parse. */
  directoryFilterInvalid: () => new GraphError(400, "Request_BadRequest", "Invalid filter clause"),
  /** [V] */
  unsupportedFilterProperty: (property: string, resource: string) =>
    new GraphError(400, "Request_UnsupportedQuery", `Unsupported or invalid query filter clause specified for property '${property}' of resource '${resource}'.`),
  /** [V] e.g. `NotEqualsMatch` for `ne`. */
  unsupportedFilterOperator: (operator: string) => new GraphError(400, "Request_UnsupportedQuery", `Unsupported property filter clause operator '${operator}'.`),
  /** [V] */
  unsupportedQuery: () => new GraphError(400, "Request_UnsupportedQuery", "Unsupported Query."),
  /** [V] sign-in logs: any `$filter` the reporting service does not take. */
  reportFilterInvalid: () => new GraphError(400, "BadRequest", "Invalid filter clause"),
  /** [V] directory; the sign-in logs' maximum is 1000 [I]. */
  invalidPageSize: (raw: string, max: number) => new GraphError(400, "Request_BadRequest", `Invalid page size specified: '${raw}'. Must be between 1 and ${max} inclusive.`),
  /** [I] */
  invalidSkipToken: () => new GraphError(400, "Request_BadRequest", "The specified page token value has expired or is invalid."),
  /** [I] */
  badBody: (detail: string) => new GraphError(400, "BadRequest", `Unable to read JSON request payload. ${detail}`.trim()),
  /** [I] text; getByIds takes at most 1000 ids. */
  tooManyIds: () => new GraphError(400, "Request_BadRequest", "The maximum number of object identifiers per request is 1000."),
  /** [I] */
  internal: () => new GraphError(500, "InternalServerError", "An internal server error occurred."),
};

import { FaceError } from "../platform/index.js";

/** An ARM error: `{"error":{"code","message","target"?,"details"?}}`. */
export class ArmError extends FaceError {
  details?: { code: string; message: string; target?: string }[];
  target?: string;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const NOT_FOUND_FIX = "For more details please go to https://aka.ms/ARMResourceNotFoundFix";

/** One factory per ARM error code, with ARM's text (reference §5.1). */
export const ArmErrors = {
  missingApiVersion: () => new ArmError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."),
  noRegisteredProvider: (location: string, version: string, type: string, supported: string[]) =>
    new ArmError(
      400,
      "NoRegisteredProviderFound",
      `No registered resource provider found for location '${location}' and API version '${version}' for type '${type.split("/").slice(1).join("/")}'. The supported api-versions are '${supported.join(", ")}'. The supported locations are ''.`,
    ),
  invalidApiVersion: (version: string) =>
    new ArmError(400, "InvalidApiVersionParameter", `The api-version '${version}' is invalid. The supported versions are '2025-04-01,2024-11-01,2024-07-01,2024-03-01,2023-07-01,2022-12-01,2022-09-01,2022-01-01,2021-04-01,2021-01-01,2020-10-01,2020-06-01,2019-11-01,2019-10-01,2019-08-01,2019-07-01,2019-06-01,2019-05-10,2019-05-01,2018-05-01,2018-02-01,2018-01-01,2017-12-01,2017-08-01,2017-06-01,2017-05-10,2017-05-01,2017-03-01,2016-09-01,2016-07-01,2016-06-01,2016-02-01,2015-11-01,2015-01-01,2014-04-01-preview,2014-04-01,2014-01-01'.`),
  authenticationMissing: () =>
    new ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.").withHeader(
      "www-authenticate",
      'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."',
    ),
  authenticationMalformed: () =>
    new ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is provided in an invalid format.").withHeader(
      "www-authenticate",
      'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="The authentication failed because of invalid format of \'Authorization\' header."',
    ),
  invalidToken: () =>
    new ArmError(401, "InvalidAuthenticationToken", "The access token is invalid.").withHeader(
      "www-authenticate",
      'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="The access token is invalid."',
    ),
  expiredToken: (exp: string, now: string) =>
    new ArmError(401, "ExpiredAuthenticationToken", `The access token expiry UTC time '${exp}' is earlier than current UTC time '${now}'.`).withHeader(
      "www-authenticate",
      'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="The access token has expired."',
    ),
  wrongAudience: (aud: string) =>
    new ArmError(
      401,
      "InvalidAuthenticationTokenAudience",
      `The access token has been obtained for wrong audience or resource '${aud}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.`,
    ).withHeader("www-authenticate", 'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="The access token has been obtained for wrong audience or resource."'),
  wrongTenant: (iss: string, tenantId: string) =>
    new ArmError(
      401,
      "InvalidAuthenticationTokenTenant",
      `The access token is from the wrong issuer '${iss}'. It must match the tenant 'https://sts.windows.net/${tenantId}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/${tenantId}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.`,
    ),
  authorizationFailed: (oid: string, action: string, scope: string) =>
    new ArmError(
      403,
      "AuthorizationFailed",
      `The client '${oid}' with object id '${oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    ),
  subscriptionNotFound: (s: string) => new ArmError(404, "SubscriptionNotFound", `The subscription '${s}' could not be found.`),
  invalidSubscriptionId: (s: string) => new ArmError(400, "InvalidSubscriptionId", `The provided subscription identifier '${s}' is malformed or invalid.`),
  resourceGroupNotFound: (rg: string) => new ArmError(404, "ResourceGroupNotFound", `Resource group '${rg}' could not be found.`),
  resourceNotFound: (type: string, name: string, rg: string) =>
    new ArmError(404, "ResourceNotFound", `The Resource '${type}/${name}' under resource group '${rg}' was not found. ${NOT_FOUND_FIX}`),
  invalidResourceType: (type: string, ns: string, version: string) =>
    new ArmError(400, "InvalidResourceType", `The resource type '${type}' could not be found in the namespace '${ns}' for api version '${version}'.`),
  notRegistered: (ns: string) =>
    new ArmError(409, "MissingSubscriptionRegistration", `The subscription is not registered to use namespace '${ns}'. See https://aka.ms/rps-not-found for how to register subscriptions.`),
  invalidRequestContent: (detail: string) => new ArmError(400, "InvalidRequestContent", `The request content was invalid and could not be deserialized: '${detail}'.`),
  tooLarge: () => new ArmError(413, "RequestEntityTooLarge", "The request entity size exceeds the maximum allowed size of 4194304 bytes."),
  methodNotAllowed: (method: string) => new ArmError(405, "MethodNotAllowed", `The requested method '${method}' is not allowed for this resource.`),
  locationRequired: () => new ArmError(400, "LocationRequired", "The location property is required for this definition."),
  invalidLocation: (loc: string) =>
    new ArmError(400, "LocationNotAvailableForResourceGroup", `The provided location '${loc}' is not available for resource group. List of available regions is 'eastus,eastus2,westus,westus2,westus3,centralus,northeurope,westeurope,uksouth,...'.`),
  invalidResourceGroupName: (name: string) =>
    new ArmError(400, "InvalidResourceGroup", `The provided resource group name '${name}' has these invalid characters: '${name.replace(/[-\w._()]/g, "")}'. The name can only be a letter, digit, '-', '.', '_', '(', and ')'. Consider using different name.`),
  badRequest: (code: string, message: string) => new ArmError(400, code, message),
  conflict: (code: string, message: string) => new ArmError(409, code, message),
  /**
   * ARM's subscription throttling (429 with Retry-After): "Number of {read|write} requests for subscription '{id}'
   * exceeded the limit of '{n}' for time interval '01:00:00'. Please try again after '{t}' minutes." (Azure SDK issues).
   */
  throttled: (write: boolean, subscriptionId: string, retryAfterS: number) =>
    new ArmError(
      429,
      "SubscriptionRequestsThrottled",
      `Number of ${write ? "write" : "read"} requests for subscription '${subscriptionId}' exceeded the limit of '${write ? 1200 : 12000}' for time interval '01:00:00'. Please try again after '${retryAfterS % 60 === 0 && retryAfterS > 0 ? retryAfterS / 60 : retryAfterS}' ${retryAfterS % 60 === 0 && retryAfterS > 0 ? "minutes" : "seconds"}.`,
    ),
  internal: () => new ArmError(500, "InternalServerError", "Encountered internal server error. Diagnostic information: timestamp, subscription id, tracking id, request correlation id."),
};

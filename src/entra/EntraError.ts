import { FaceError } from "../platform/index.js";

/** An Entra STS error: HTTP status, OAuth `error`, AADSTS code and Entra's message text. */
export class EntraError extends FaceError {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const TAIL =
  "Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation";
const NOT_FOUND_TAIL =
  "This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.";

/** One factory per AADSTS code, with Entra's text (reference/entra-arm-keyvault.md §1.2). */
export const EntraErrors = {
  tenantNotFound: (t: string) =>
    new EntraError(
      400,
      "invalid_request",
      90002,
      `Tenant '${t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  missingParameter: (name: string) =>
    new EntraError(400, "invalid_request", 900144, `The request body must contain the following parameter: '${name}'.`),
  missingCredential: () =>
    new EntraError(400, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  unsupportedGrantType: (g: string) =>
    new EntraError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${g}'.`),
  invalidAssertionType: (t: string) =>
    new EntraError(400, "invalid_request", 50027, `Invalid client_assertion_type '${t}'. It must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.`),
  scopeNotDefault: (s: string) =>
    new EntraError(
      400,
      "invalid_scope",
      1002012,
      `The provided value for scope ${s} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  scopeMalformed: (s: string) =>
    new EntraError(400, "invalid_scope", 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${s} is not valid.`),
  applicationNotFound: (clientId: string, tenant: string) =>
    new EntraError(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. ${NOT_FOUND_TAIL}`,
    ),
  invalidClientSecret: (appId: string) =>
    new EntraError(
      401,
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`,
    ),
  invalidJwt: (why: string) => new EntraError(400, "invalid_request", 50027, `JWT token is invalid or malformed. ${why}`.trim()),
  invalidJwtType: () =>
    new EntraError(400, "invalid_request", 5002727, "Invalid JWT header type specified, must be 'JWT' or 'http://openid.net/specs/jwt/1.0'."),
  aadIssuedAssertion: () => new EntraError(401, "invalid_client", 700222, "AAD-issued tokens may not be used for federated identity flows."),
  noMatchingIssuer: (iss: string) =>
    new EntraError(401, "invalid_client", 700211, `No matching federated identity record found for presented assertion issuer '${iss}'. ${TAIL}`),
  externalOidcFailed: () => new EntraError(400, "invalid_request", 50166, "Request to External OIDC endpoint failed."),
  keyNotFound: (kid: string, issuer: string) =>
    new EntraError(
      401,
      "invalid_client",
      7000272,
      `The certificate with identifier ${kid} used to sign the federated credential could not be found in the metadata of identity provider ${issuer}. Please validate that your Identity Provider's metadata exposes the key used to sign the incoming token.`,
    ),
  invalidSignature: () =>
    new EntraError(401, "invalid_client", 7000274, "Client assertion contains an invalid signature."),
  lifetimeTooLong: (iat: string, exp: string) =>
    new EntraError(
      401,
      "invalid_client",
      70023,
      `External OIDC Provider token must have a lifetime of less than or equal to 1.01:00:00. Token issued at ${iat}. Token expires on ${exp}.`,
    ),
  notInValidRange: (now: string, nbf: string, exp: string) =>
    new EntraError(
      401,
      "invalid_client",
      700024,
      `Client assertion is not within its valid time range. Current time: ${now}, assertion valid from ${nbf}, expiry time of assertion ${exp}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
    ),
  noMatchingSubject: (sub: string) =>
    new EntraError(
      401,
      "invalid_client",
      700213,
      `No matching federated identity record found for presented assertion subject '${sub}'. ${TAIL.replace("Please check", "Check")}`,
    ),
  subjectCaseMismatch: (sub: string) =>
    new EntraError(
      401,
      "invalid_client",
      7002138,
      `No matching federated identity record found for presented assertion subject '${sub}'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison. ${TAIL}`,
    ),
  noMatchingAudience: (aud: string) =>
    new EntraError(401, "invalid_client", 700212, `No matching federated identity record found for presented assertion audience '${aud}'. ${TAIL}`),
  notYetPropagated: (iss: string, sub: string, aud: string) =>
    new EntraError(
      400,
      "invalid_request",
      70021,
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. Assertion Audience: '${aud}'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
    ),
  resourceNotFound: (res: string, tenant: string) =>
    new EntraError(400, "invalid_resource", 500011, `The resource principal named ${res} was not found in the tenant named ${tenant}. ${NOT_FOUND_TAIL}`),
  invalidGrant: (why: string) => new EntraError(400, "invalid_grant", 50126, why),
  malformedBody: () => new EntraError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'."),
  bodyTooLarge: () => new EntraError(413, "invalid_request", 90056, "The request is too large."),
  notFound: () => new EntraError(404, "invalid_request", 90014, "The requested endpoint does not exist."),
  /**
   * Throttling (wilab's throttle fault). For client_credentials Entra answers 429 with `Retry-After` (MSAL.NET
   * "Client and server throttling"); the code is TenantThrottlingError, AADSTS90055, with the error-code
   * reference's text [D]. `temporarily_unavailable` is OAuth's retryable error (RFC 6749 §5.2 / MSAL's IsRetryable).
   */
  throttled: () =>
    new EntraError(429, "temporarily_unavailable", 90055, "There are too many incoming requests. This exception is thrown for blocked tenants."),
};

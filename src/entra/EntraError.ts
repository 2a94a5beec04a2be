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
/** AADSTS7002138's own ending: the documentation, then the August 2024 breaking change (case-sensitive matching). */
const CASE_TAIL =
  "Check your federated identity credential Subject, Audience and Issuer against the presented assertion. See documentation at: https://learn.microsoft.com/entra/workload-id/workload-identity-federation. See breaking change notification and remediation at: https://learn.microsoft.com/en-us/entra/identity-platform/reference-breaking-changes#august-2024.";
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
  // [V] MicrosoftDocs/azure-dev-docs#934 (the v2.0 token endpoint, a repeated 'scope'): "AADSTS9000411: The request is
  // not properly formatted. The parameter 'scope' is duplicated."
  duplicatedParameter: (name: string) => new EntraError(400, "invalid_request", 9000411, `The request is not properly formatted. The parameter '${name}' is duplicated.`),
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
      // [V] Azure/login issue #515 (2025-02-22), the whole text as GitHub's azure/login printed it.
      `No matching federated identity record found for presented assertion subject '${sub}'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison. ${CASE_TAIL}`,
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
  // The authorization code flow (the portal's sign-in). Texts as Entra words them [D]; the tags in
  // codeFlow.ts say which are inferred.
  redirectUriMismatch: (uri: string, appId: string) =>
    new EntraError(
      400,
      "invalid_request",
      50011,
      `The redirect URI '${uri}' specified in the request does not match the redirect URIs configured for the application '${appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
    ),
  userNotFound: (upn: string, tenant: string) =>
    new EntraError(
      400,
      "invalid_grant",
      50034,
      `The user account ${upn} does not exist in the ${tenant} directory. To sign into this application, the account must be added to the directory.`,
    ),
  badPassword: () => new EntraError(400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password."),
  invalidRequestFlow: () => new EntraError(400, "invalid_request", 90100, "flowToken parameter is empty or not valid."),
  pkceRequired: () => new EntraError(400, "invalid_request", 9002325, "Proof Key for Code Exchange is required for cross-origin authorization code redemption."),
  pkceMismatch: () => new EntraError(400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."),
  invalidCode: () => new EntraError(400, "invalid_grant", 70000, "The provided value for the 'code' parameter is not valid."),
  codeRedeemed: () =>
    new EntraError(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."),
  codeExpired: () =>
    new EntraError(
      400,
      "invalid_grant",
      70008,
      "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
    ),
  codeRedirectMismatch: () =>
    new EntraError(400, "invalid_grant", 70000, "The provided value for the 'redirect_uri' is not valid. The value must exactly match the redirect URI used to obtain the authorization code."),
  codeClientMismatch: () => new EntraError(400, "invalid_grant", 70000, "The provided authorization code was issued to a different client."),
  invalidRefreshToken: () => new EntraError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."),
  refreshExpired: (issued: string, inactive: string) =>
    new EntraError(400, "invalid_grant", 700082, `The refresh token has expired due to inactivity. The token was issued on ${issued} and was inactive for ${inactive}.`),
  refreshRevoked: () =>
    new EntraError(400, "invalid_grant", 70000, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password."),
  unsupportedResponseType: (t: string) =>
    new EntraError(400, "unsupported_response_type", 700054, `response_type '${t}' is not enabled for the application.`),
  invalidResponseMode: (m: string) => new EntraError(400, "invalid_request", 900144, `The provided value for the input parameter 'response_mode' is not valid: '${m}'.`),
  invalidCodeChallengeMethod: () =>
    new EntraError(400, "invalid_request", 50147, "The code_challenge_method provided is invalid. Supported methods are 'plain' and 'S256'."),
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

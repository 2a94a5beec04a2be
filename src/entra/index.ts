export { EntraError, EntraErrors } from "./EntraError.js";
export { Directory, sha256, type ServicePrincipalRecord, type UserRecord, type PrincipalRef } from "./Directory.js";
export { FederatedIdentityCredentials, type FederatedIdentityCredentialRecord } from "./FederatedIdentityCredential.js";
export { validateFederatedAssertion, MAX_ASSERTION_LIFETIME_S, CLOCK_SKEW_S } from "./FederatedAssertion.js";
export { OidcKeySource, OidcFetchError } from "./OidcKeySource.js";
export { TokenService, loadStsKeys, stsIssuer, AccessTokenInvalid, type AccessTokenClaims, type VerifyFailure } from "./Sts.js";
export { TokenEndpoint, resourceFromRequest, JWT_BEARER } from "./TokenEndpoint.js";
export { entraFace } from "./routes.js";
export { federatedTrust, type FederatedTrust } from "./FederatedTrust.js";

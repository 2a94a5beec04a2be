import { FaceError } from "../platform/index.js";
import { RETENTION_MAX_DAYS, RETENTION_MIN_DAYS } from "./keyvault/rules.js";

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
  /** ARM's own answer for the Microsoft.Resources namespace [V] (azure-rest-api-specs#11711, azure-powershell#6031): "The api-version '…' is invalid. The supported versions are '…'." */
  invalidApiVersion: (version: string, supported: readonly string[]) =>
    new ArmError(400, "InvalidApiVersionParameter", `The api-version '${version}' is invalid. The supported versions are '${[...supported].sort().reverse().join(",")}'.`),
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
  /**
   * [V] The caller is named by its UPN for a user ("The client 'user@contoso.com' with object id '…'") and by its
   * object id for a service principal or managed identity — the object id twice, as azure-sdk-for-net#5026 and
   * azure-tools-for-java#3643 record it for service principals.
   */
  authorizationFailed: (oid: string, action: string, scope: string, upn?: string) =>
    new ArmError(
      403,
      "AuthorizationFailed",
      `The client '${upn ?? oid}' with object id '${oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
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
  // [V] 413 RequestContentTooLarge: azd's ARM error telemetry (service.arm.413); the text as ARM answered it in
  // Azure/Azure-Landing-Zones issue #2644 and Azure/azure-api-management-devops-resource-kit issue #594.
  tooLarge: () => new ArmError(413, "RequestContentTooLarge", "The request content size exceeds the maximum size of 4 MB."),
  methodNotAllowed: (method: string) => new ArmError(405, "MethodNotAllowed", `The requested method '${method}' is not allowed for this resource.`),
  locationRequired: () => new ArmError(400, "LocationRequired", "The location property is required for this definition."),
  invalidLocation: (loc: string) =>
    new ArmError(400, "LocationNotAvailableForResourceGroup", `The provided location '${loc}' is not available for resource group. List of available regions is 'eastus,eastus2,westus,westus2,westus3,centralus,northeurope,westeurope,uksouth,...'.`),
  invalidResourceGroupName: (name: string) =>
    new ArmError(400, "InvalidResourceGroup", `The provided resource group name '${name}' has these invalid characters: '${name.replace(/[-\w._()]/g, "")}'. The name can only be a letter, digit, '-', '.', '_', '(', and ')'. Consider using different name.`),
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
  /** A face error that is not an ARM one (e.g. a body the platform refused), as ARM's BadRequest with its status. */
  fromFaceError: (status: number, message: string) => new ArmError(status, "BadRequest", message),
  pathNotFound: (path: string) => new ArmError(404, "NotFound", `The requested resource path '${path}' was not found.`),
  /** ARM's answer to a `$filter` outside the grammar a resource list takes [I]. */
  invalidFilter: (filter: string) => new ArmError(400, "InvalidFilterInQueryString", `Invalid $filter '${filter}' specified in the query string.`),
  invalidRequestUri: (path: string) => new ArmError(400, "InvalidRequestUri", `The request URI '${path}' is not valid.`),
  emptyBody: (): ArmError => ArmErrors.invalidRequestContent("The request content was empty or not a JSON object"),

  // Microsoft.ManagedIdentity (reference §2).
  parentIdentityNotFound: () => new ArmError(404, "NotFound", "The parent user-assigned identity doesn't exist."),
  invalidIdentityName: (name: string) =>
    new ArmError(
      400,
      "InvalidResourceName",
      `Resource name ${name} is invalid. The name can be 3-128 characters long and can only contain letters, numbers, hyphens and underscores. The first character must be a letter or number.`,
    ),
  ficRuleBroken: (message: string) => new ArmError(400, "BadRequest", message),
  ficIssuerSubjectExists: () => new ArmError(400, "BadRequest", "Issuer and subject combination already exists for this Managed Identity."),
  /**
   * [V] code and text: Azure/bicep-registry-modules#1447 and kubernetes-sigs/cluster-api-provider-azure#5397 (az CLI:
   * "(ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity) Too many Federated Identity Credentials
   * are written concurrently for the managed identity '/subscriptions/…/resourcegroups/…/providers/
   * microsoft.managedidentity/userassignedidentities/…'. Concurrent Federated Identity Credentials writes under the
   * same managed identity are not supported."). [D] status: "Creating multiple federated identity credentials under
   * the same user-assigned managed identity concurrently triggers concurrency detection logic, which causes requests
   * to fail with 409-conflict HTTP status code." (entra-docs workload-id/workload-identity-federation-considerations.md).
   */
  concurrentFicWrites: (identityId: string) =>
    new ArmError(
      409,
      "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity",
      `Too many Federated Identity Credentials are written concurrently for the managed identity '${identityId}'. Concurrent Federated Identity Credentials writes under the same managed identity are not supported.`,
    ),
  tooManyFics: (max: number) =>
    new ArmError(400, "BadRequest", `Too many Federated Identity Credentials are associated with this Managed Identity. The maximum number of Federated Identity Credentials per Managed Identity is ${max}.`),

  // Microsoft.Authorization (reference §3).
  roleAssignmentNotFound: (name: string) => new ArmError(404, "RoleAssignmentNotFound", `The role assignment '${name}' is not found.`),
  roleDefinitionNotFound: (id: string) => new ArmError(404, "RoleDefinitionDoesNotExist", `The specified role definition with ID '${id}' does not exist.`),
  invalidRoleAssignmentId: (name: string) =>
    new ArmError(400, "InvalidRoleAssignmentId", `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`),
  roleAssignmentFieldsRequired: () =>
    new ArmError(400, "InvalidRequestContent", "The request content was invalid: 'properties.roleDefinitionId' and 'properties.principalId' are required."),
  roleDefinitionDoesNotExist: (guid: string) => new ArmError(400, "RoleDefinitionDoesNotExist", `The specified role definition with ID '${guid}' does not exist.`),
  /** [V] "The PrincipalId '634c8d99dc1442e18389ece9c4fe7e8a' has type 'ServicePrincipal', which is different from specified PrincipalType 'User'." (the id without dashes, as ARM prints it) */
  unmatchedPrincipalType: (principalId: string, actual: string, declared: string) =>
    new ArmError(400, "UnmatchedPrincipalType", `The PrincipalId '${principalId.replace(/-/g, "").toLowerCase()}' has type '${actual}', which is different from specified PrincipalType '${declared}'.`),
  principalNotFound: (principalId: string, tenantId: string) =>
    new ArmError(
      400,
      "PrincipalNotFound",
      `Principal ${principalId.replace(/-/g, "")} does not exist in the directory ${tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`,
    ),
  roleAssignmentUpdateNotPermitted: () =>
    new ArmError(400, "RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope are not allowed to be updated."),
  roleAssignmentExists: (existingName: string) =>
    new ArmError(409, "RoleAssignmentExists", `The role assignment already exists. The ID of the existing role assignment is ${existingName.replace(/-/g, "")}.`),

  // Microsoft.Kubernetes, Microsoft.HybridContainerService (reference §5.2–5.3).
  invalidClusterName: (name: string) =>
    new ArmError(400, "InvalidResourceName", `The resource name '${name}' is invalid. It must be 1 to 63 characters of letters, digits, '-' and '_', starting and ending with a letter or digit.`),
  workloadIdentityCreationOnly: (enable: boolean, cluster: string) =>
    new ArmError(400, "BadRequest", `Workload identity can only be enabled when the cluster is created: ${enable ? "enabling" : "disabling"} it on the existing cluster '${cluster}' is not supported.`),
  oidcIssuerCreationOnly: (enable: boolean, cluster: string) =>
    new ArmError(400, "BadRequest", `The OIDC issuer can only be enabled when the cluster is created: ${enable ? "enabling" : "disabling"} it on the existing cluster '${cluster}' is not supported.`),
  workloadIdentityNeedsOidc: () => new ArmError(400, "BadRequest", "Workload identity requires the OIDC issuer: set properties.oidcIssuerProfile.enabled to true as well."),
  provisionedInstanceName: () => new ArmError(400, "InvalidResourceName", "The provisioned cluster instance must be named 'default'."),
  extendedLocationRequired: () => new ArmError(400, "InvalidExtendedLocation", "The extendedLocation of type CustomLocation is required."),

  // Microsoft.Resources (reference §5.1).
  resourceGroupLocationConflict: (location: string, existing: string) =>
    new ArmError(409, "InvalidResourceGroupLocation", `Invalid resource group location '${location}'. The Resource group already exists in location '${existing}'.`),

  // Microsoft.KeyVault (reference §4.1).

  /** [V] wording as az prints it; the code is KV's. */
  vaultNameNotValid: (name: string) =>
    new ArmError(
      400,
      "VaultNameNotValid",
      `The vault name '${name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens. Follow this link for more information: https://go.microsoft.com/fwlink/?linkid=2147742`,
    ),
  vaultAlreadyExists: (name: string) =>
    new ArmError(
      409,
      "VaultAlreadyExists",
      `The vault name '${name}' is already in use. Vault names are globally unique so it is possible that the name is already taken. If you are sure that the vault name was not taken then it is possible that a vault with the same name was recently deleted but not purged after being placed in a recoverable state. If the vault is in a recoverable state then the vault will need to be purged before reusing the name. For more information on VaultAlreadyExists, soft delete and purging a vault follow this link https://go.microsoft.com/fwlink/?linkid=2147740.`,
    ),
  /** [V] azure-cli#29115. */
  deletedVaultExists: () =>
    new ArmError(
      409,
      "ConflictError",
      "A vault with the same name already exists in deleted state. You need to either recover or purge existing key vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft delete.",
    ),
  /** [V] azure-cli#29115. */
  purgeProtectionIrreversible: () =>
    new ArmError(400, "BadRequest", 'The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection for a vault is an irreversible action.'),
  /** [I] text. */
  softDeleteIrreversible: () =>
    new ArmError(400, "BadRequest", 'The property "enableSoftDelete" cannot be set to false. Enabling the soft delete for a vault is an irreversible action.'),
  /** [I] text. */
  retentionOutOfRange: (v: unknown) =>
    new ArmError(400, "BadRequest", `The property "softDeleteRetentionInDays" has an invalid value '${String(v)}'. It must be an integer between ${RETENTION_MIN_DAYS} and ${RETENTION_MAX_DAYS}.`),
  /** [I] text; retention is fixed at creation (key-vault soft-delete-overview). */
  retentionImmutable: () => new ArmError(400, "BadRequest", 'The property "softDeleteRetentionInDays" cannot be changed once the vault has been created.'),
  /** [I] text. */
  missingProperty: (name: string) => new ArmError(400, "BadRequest", `The parameter ${name} is required.`),
  /** [I] text. */
  invalidProperty: (name: string, value: unknown) => new ArmError(400, "BadRequest", `The value '${typeof value === "string" ? value : JSON.stringify(value)}' of the parameter ${name} is invalid.`),
  /** [V] "(MethodNotAllowed) Operation 'DeletedVaultPurge' is not allowed." (AzureTRE#1446); the HTTP status is [I]. */
  purgeNotAllowed: () => new ArmError(405, "MethodNotAllowed", "Operation 'DeletedVaultPurge' is not allowed."),
  /** [I] text. */
  deletedVaultNotFound: (name: string) => new ArmError(404, "ResourceNotFound", `The specified deleted vault '${name}' was not found.`),
  /** [I] text. */
  recoverElsewhere: (name: string, id: string) =>
    new ArmError(400, "BadRequest", `The deleted vault '${name}' can only be recovered into its original subscription and resource group: '${id}'.`),
  /** [I] text. */
  invalidAccessPolicyOperation: (kind: string) => new ArmError(400, "BadRequest", `The access policy update kind '${kind}' is invalid. It must be one of 'add', 'replace', 'remove'.`),
};

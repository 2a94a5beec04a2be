import { FaceError } from "../platform/index.js";

/**
 * A Key Vault data-plane error, rendered as `{"error":{"code","message","innererror"?:{"code"}}}`.
 * Texts marked [V] were seen in real responses (reference §3.3, §4.2, §4.3); [I] texts are inferred.
 */
export class KeyVaultError extends FaceError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
  ) {
    super(message);
  }
}

const SECRET_NOT_FOUND_TAIL =
  "If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182";

/** The caller as Key Vault prints it in 403 texts. */
export interface KvCallerText {
  appid: string;
  oid: string;
  iss: string;
}

export const KeyVaultErrors = {
  // ---- authentication (401; the face adds the WWW-Authenticate challenge to every one) ----
  /** [V] */
  missingToken: () => new KeyVaultError(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token."),
  /** [V] */
  invalidAudience: (expected: string, found: string) => new KeyVaultError(401, "Unauthorized", `AKV10022: Invalid audience. Expected ${expected}, found: ${found}.`),
  /** [V] (the list of accepted issuers is abbreviated as in the reference) */
  invalidIssuer: (tenantId: string, found: string) =>
    new KeyVaultError(
      401,
      "Unauthorized",
      `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${tenantId}/, https://login.microsoftonline.com/${tenantId}/v2.0, https://login.windows.net/${tenantId}/, https://login.microsoft.com/${tenantId}/, found ${found}.`,
    ),
  /** [V] */
  unknownSigningKey: (encodedHeader: string) =>
    new KeyVaultError(401, "Unauthorized", `AKV10046: Unable to resolve the key used for signature validation. EncodedJwtHeader: '${encodedHeader}'`),
  /** [V] azure-sdk-for-python#27266: "(Unauthorized) [TokenExpired] Error validating token: 'S2S12086'." */
  tokenExpired: () => new KeyVaultError(401, "Unauthorized", "[TokenExpired] Error validating token: 'S2S12086'."),
  /** "Token not yet valid" [V] (azure-sdk-for-java#26624). */
  tokenNotYetValid: () => new KeyVaultError(401, "Unauthorized", "Token not yet valid."),
  /** [I] text. */
  tokenMalformed: () => new KeyVaultError(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token."),
  /** [I] text. */
  tokenInvalidSignature: () => new KeyVaultError(401, "Unauthorized", "Invalid token signature."),

  // ---- request validation (400) ----
  /** [I] (reference §6: the missing api-version text is unverified). */
  missingApiVersion: () => new KeyVaultError(400, "BadParameter", "The request URI contains an invalid api-version: api-version is required."),
  /** Same text as Key Vault's other emulators and the az/Fog parsers expect. */
  unknownApiVersion: (v: string, latest: string) =>
    new KeyVaultError(400, "BadParameter", `The specified version (${v}) is not recognized. Consider using the latest supported version (${latest}).`),
  /** [V] */
  invalidName: (name: string) => new KeyVaultError(400, "BadParameter", `The request URI contains an invalid name: ${name}`),
  /** [I] */
  badBody: (detail: string) => new KeyVaultError(400, "BadParameter", `The request body is invalid: ${detail}`),
  /** [I] */
  bodyTooLarge: (limit: number) => new KeyVaultError(413, "RequestEntityTooLarge", `The request body is larger than the maximum of ${limit} bytes.`),
  /** [I] */
  badParameter: (message: string) => new KeyVaultError(400, "BadParameter", message),
  /** [I] text; Key Vault refuses backups from another subscription or geography ("Cannot decrypt backup blob", azure-cli#8767). */
  badBackup: () => new KeyVaultError(400, "BadParameter", "Cannot decrypt backup blob"),

  // ---- state ----
  /** [V] */
  secretNotFound: (nameOrId: string) => new KeyVaultError(404, "SecretNotFound", `A secret with (name/id) ${nameOrId} was not found in this key vault. ${SECRET_NOT_FOUND_TAIL}`),
  /** [I] text; the code follows SecretNotFound. */
  deletedSecretNotFound: (name: string) => new KeyVaultError(404, "SecretNotFound", `Deleted Secret not found: ${name}`),
  /** [V] */
  deletedButRecoverable: (name: string) =>
    new KeyVaultError(
      409,
      "Conflict",
      `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
      "ObjectIsDeletedButRecoverable",
    ),
  /** [I] */
  secretAlreadyExists: (name: string) => new KeyVaultError(409, "Conflict", `There was a conflict restoring the secret '${name}'. A secret with this name already exists in this vault.`),
  /** [V] */
  secretDisabled: (operation: string) => new KeyVaultError(403, "Forbidden", `Operation ${operation} is not allowed on a disabled secret.`, "SecretDisabled"),
  /** [V] */
  purgeProtected: (vault: string, location: string) =>
    new KeyVaultError(
      403,
      "Forbidden",
      `Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed. Vault: ${vault};location=${location}`,
    ),
  /** Real Azure: the vault's DNS name does not resolve. The lab answers on every vault host, so it says so. [I] */
  vaultNotFound: (name: string) => new KeyVaultError(404, "VaultNotFound", `The vault '${name}' does not exist.`),

  // ---- authorization (403) ----
  /** [V] verbatim, including the space before the last \r\n of DecisionReason. */
  forbiddenByRbac: (c: KvCallerText, action: string, resource: string, vault: string, location: string) =>
    new KeyVaultError(
      403,
      "Forbidden",
      `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=${c.appid};oid=${c.oid};iss=${c.iss}\r\nAction: '${action}'\r\nResource: '${resource.toLowerCase()}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: ${vault};location=${location}\r\n`,
      "ForbiddenByRbac",
    ),
  /** [V] */
  accessDenied: (c: KvCallerText, permission: string, vault: string, location: string) =>
    new KeyVaultError(
      403,
      "Forbidden",
      `The user, group or application 'appid=${c.appid};oid=${c.oid};iss=${c.iss}' does not have secrets ${permission} permission on key vault '${vault};location=${location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
      "AccessDenied",
    ),

  /** [I] */
  internal: () => new KeyVaultError(500, "InternalServerError", "The server encountered an internal error."),
  /** [V] 429 with Retry-After (seen from real vaults, e.g. vcsjones/AzureSignTool#219); `reason` as the service names it. */
  throttled: (reason = "VaultRequestTypeLimitReached") =>
    new KeyVaultError(429, "Throttled", `Request was not processed because too many requests were received. Reason: ${reason}`),
};

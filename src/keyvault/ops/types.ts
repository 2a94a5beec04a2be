import type { LabContext } from "../../platform/index.js";
import type { AccessTokenClaims } from "../../entra/index.js";
import type { Tx } from "../../store/index.js";
import type { VaultRecord } from "../Vaults.js";

/** An access-policy secret permission (the RBAC-off model). */
export type SecretPermission = "get" | "list" | "set" | "delete" | "recover" | "backup" | "restore" | "purge";

const KV = "Microsoft.KeyVault/vaults/secrets";
/**
 * The data action each access-policy permission stands for under RBAC (reference §3.2). [D] Every name is in
 * Microsoft's resource provider operations list (azure-docs role-based-access-control/permissions/security.md,
 * Microsoft.KeyVault DataActions): secrets/delete, backup/action, purge/action, update/action, recover/action,
 * restore/action, readMetadata/action ("List or view the properties of a secret, but not its value"),
 * getSecret/action ("Gets the value of a secret") and setSecret/action.
 */
export const DATA_ACTIONS = {
  get: `${KV}/getSecret/action`,
  readMetadata: `${KV}/readMetadata/action`,
  set: `${KV}/setSecret/action`,
  update: `${KV}/update/action`,
  delete: `${KV}/delete`,
  recover: `${KV}/recover/action`,
  backup: `${KV}/backup/action`,
  restore: `${KV}/restore/action`,
  purge: `${KV}/purge/action`,
} as const;

/** Everything an operation handler sees: one request, inside its one transaction. */
export interface KvCall {
  ctx: LabContext;
  tx: Tx;
  vault: VaultRecord;
  claims: AccessTokenClaims;
  /** `https://{vault host as requested}` (port kept unless 443). */
  origin: string;
  apiVersion: string;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  /** Whether the transaction may write (for lazy expiry of soft-deleted secrets). */
  write: boolean;
}

export interface KvResult {
  status: number;
  body?: unknown;
  hint?: string;
}

export interface KvOperation {
  method: "GET" | "PUT" | "PATCH" | "DELETE" | "POST";
  /** The operation's name in Key Vault's AuditEvent log (`SecretGet`, `SecretSet`, …). */
  operationName: string;
  /** Fastify path (`:name` parameters; the router ignores a trailing slash). */
  url: string;
  /** Access-policy permission checked when RBAC authorization is off. */
  permission: SecretPermission;
  /** Data action checked when RBAC authorization is on. */
  dataAction: string;
  write: boolean;
  /** The path parameter naming the secret (validated and used as RBAC scope); absent → the vault scope. */
  nameParam?: string;
  bodyLimit?: number;
  handler(call: KvCall): Promise<KvResult>;
}

import type { AccessTokenClaims } from "../entra/index.js";
import type { Store, Tx } from "../store/index.js";
import type { LabClock, LabLog, Random } from "../platform/index.js";

/** What the Graph face needs from the lab (the lab passes its context, which has all of this). */
export interface GraphContext {
  config: { tenantId: string; mode: "local" | "transparent" };
  hosts: { loginOrigin: string; localOrigin: string; remoteNames: readonly string[]; labOrigins(): string[] };
  clock: LabClock;
  random: Random;
  store: Store;
  labLog: LabLog;
  log: { warn(msg: string): void };
  /** The batched sign-in and audit records: flushed before the sign-in log is read. */
  records: { flush(): Promise<void> };
}

export type GraphVersion = "v1.0" | "beta";

/** Who calls: a user (delegated token) or an application, and whether the tenant made it a directory admin. */
export interface GraphCaller {
  claims: AccessTokenClaims;
  isUser: boolean;
  isAdmin: boolean;
}

/** Everything an operation handler sees: one request, inside its one (read) transaction. */
export interface GraphCall {
  ctx: GraphContext;
  tx: Tx;
  caller: GraphCaller;
  version: GraphVersion;
  /** `https://graph.microsoft.com` or the lab's origin, as the request addressed it. */
  origin: string;
  /** The request path after the version, as sent (for `@odata.nextLink`). */
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

export interface GraphResult {
  status: number;
  body: unknown;
}

/**
 * What a caller needs: `self` (a user's own object: any delegated token), `directory` (reading users and
 * service principals: Directory.Read.All or a directory role) or `auditLog` (AuditLog.Read.All and a reader role).
 */
export type GraphAccess = "self" | "directory" | "auditLog";

export interface GraphOperation {
  method: "GET" | "POST";
  /** Path segments after the version; `:name` is a parameter. Matched case-insensitively, as Graph does. */
  path: string[];
  versions: GraphVersion[];
  access: GraphAccess;
  handler(call: GraphCall): Promise<GraphResult>;
}

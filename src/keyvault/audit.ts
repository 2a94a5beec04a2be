import type { LabContext } from "../platform/index.js";
import type { AccessTokenClaims } from "../entra/index.js";
import type { AuditEventRecord } from "../diagnose/index.js";
import type { LogEntry } from "../platform/index.js";
import type { KvAuthorization } from "./access.js";
import type { VaultRecord } from "./Vaults.js";

/** What the face learned about one data-plane request, whatever its outcome. */
export interface KvRequestFacts {
  operationName: string;
  vaultName: string;
  vault?: VaultRecord;
  claims?: AccessTokenClaims;
  authorization?: KvAuthorization;
  /** The object the request named (`https://<vault>/secrets/<name>`), when it named one. */
  objectId?: string;
  requestUri: string;
  apiVersion?: string;
  callerIpAddress: string;
  clientInfo?: string;
  correlationId: string;
  httpStatusCode: number;
  durationMs: number;
  /** Key Vault's error code (the inner code when there is one: `ForbiddenByRbac`), message and the lab's hint. */
  errorCode?: string;
  errorMessage?: string;
  hint?: string;
  /** Whether the request carried a bearer token (the SDKs' first request does not, by design: it asks for the challenge). */
  tokenPresented: boolean;
}

const REASONS: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "NoContent",
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  413: "RequestEntityTooLarge",
  429: "TooManyRequests",
  500: "InternalServerError",
  503: "ServiceUnavailable",
};

/** Azure Monitor's `AuditEvent` for one Key Vault request (pure). */
export function auditEvent(f: KvRequestFacts, id: string, now: number): AuditEventRecord {
  const c = f.claims;
  const claim: AuditEventRecord["identity"]["claim"] = c
    ? { oid: c.oid, appid: c.appid, ...(c.upn ? { upn: c.upn } : {}), "http://schemas.microsoft.com/identity/claims/objectidentifier": c.oid }
    : {};
  const ok = f.httpStatusCode < 400;
  const a = f.authorization;
  return {
    id,
    time: new Date(now).toISOString(),
    resourceId: f.vault?.id ?? f.vaultName,
    operationName: f.operationName,
    operationVersion: f.apiVersion ?? "",
    category: "AuditEvent",
    resultType: ok ? "Success" : "Failure",
    resultSignature: REASONS[f.httpStatusCode] ?? String(f.httpStatusCode),
    ...(ok || !f.errorMessage ? {} : { resultDescription: f.errorMessage }),
    durationMs: f.durationMs,
    callerIpAddress: f.callerIpAddress,
    correlationId: f.correlationId,
    identity: { claim },
    properties: {
      ...(f.objectId ? { id: f.objectId } : {}),
      ...(f.clientInfo ? { clientInfo: f.clientInfo } : {}),
      httpStatusCode: f.httpStatusCode,
      requestUri: f.requestUri,
      ...(a ? (a.model === "rbac" ? { isRbacAuthorized: !a.deniedReason } : { isAccessPolicyMatch: !a.deniedReason }) : {}),
      tlsVersion: "TLS1_2",
    },
    authorization: a ?? (f.httpStatusCode === 401 ? { model: f.vault?.enableRbacAuthorization === false ? "accessPolicy" : "rbac", deniedReason: "the request was not authenticated" } : undefined),
  };
}

/**
 * The lab log line for a request: a warning (error for 5xx) when it failed, a debug line otherwise — and for the
 * 401 challenge that every SDK asks for with a first request without a token, which is no failure.
 */
export function auditLogEntry(f: KvRequestFacts): LogEntry {
  const caller = f.claims ? { clientId: f.claims.appid, objectId: f.claims.oid, upn: f.claims.upn } : undefined;
  const fields = { vault: f.vaultName, object: f.objectId?.replace(/^https:\/\/[^/]+/, ""), role: f.authorization?.roleDefinitionName };
  const challenge = f.httpStatusCode === 401 && !f.tokenPresented;
  const level = f.httpStatusCode >= 500 ? "error" : f.httpStatusCode >= 400 && !challenge ? "warn" : "debug";
  return { level, face: "keyvault", op: f.operationName, status: f.httpStatusCode, code: f.errorCode, caller, hint: f.hint, fields, correlationId: f.correlationId };
}

/** Logs the line and hands the audit event to the recorder; never throws (recording never fails the request). */
export function recordAudit(ctx: LabContext, f: KvRequestFacts): void {
  try {
    ctx.labLog.log(auditLogEntry(f));
    if (!f.vault) return; // no such vault: nothing a vault's diagnostic settings would see
    ctx.records.addAuditEvent(f.vaultName, auditEvent(f, ctx.random.uuid(), ctx.clock.now()));
  } catch (err) {
    ctx.log.warn(`keyvault: could not record an audit event: ${(err as Error).message}`);
  }
}

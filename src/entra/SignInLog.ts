import { createHash } from "node:crypto";
import type { LabContext } from "../platform/index.js";
import type { SignInRecord } from "../diagnose/index.js";
import type { LogEntry } from "../platform/index.js";
import { AZURE_CLI_CLIENT_ID, type ServicePrincipalRecord, type UserRecord } from "./Directory.js";
import type { PresentedAssertion } from "./FederatedAssertion.js";
import { EntraError } from "./EntraError.js";

/** The Azure CLI's public client id (the password grant's client). */
const AZURE_CLI_APP = { appId: AZURE_CLI_CLIENT_ID, displayName: "Microsoft Azure CLI" };

/** The first-party resource principals, as sign-in logs name them (resourceId is the resource's appId). */
const RESOURCES = {
  arm: { appId: "797f4846-ba00-4fd7-ba43-dac1f8f63013", displayName: "Windows Azure Service Management API" },
  keyVault: { appId: "cfa8b339-82a2-471a-a3c9-0fc0be7a4093", displayName: "Azure Key Vault" },
  graph: { appId: "00000003-0000-0000-c000-000000000000", displayName: "Microsoft Graph" },
  aadGraph: { appId: "00000002-0000-0000-c000-000000000000", displayName: "Windows Azure Active Directory" },
} as const;

/** What the token endpoint learned about one request, filled in as it goes (whatever the outcome). */
export interface SignInAttempt {
  correlationId: string;
  ipAddress?: string;
  clientId?: string;
  sp?: ServicePrincipalRecord;
  user?: UserRecord;
  resource?: string;
  /** `clientSecret`, `federatedIdentityCredential`, `none` (password). */
  credentialType: string;
  assertion?: PresentedAssertion & { tokenId: string };
  credential?: SignInRecord["federatedCredential"];
}

export interface SignInOutcome {
  errorCode: number;
  failureReason?: string;
  hint?: string;
  status: number;
}

/** The outcome of a failed token request: Entra's code and text, or AADSTS50000 for an unexpected error. */
export function failureOutcome(err: unknown): SignInOutcome {
  if (err instanceof EntraError) return { errorCode: err.code, failureReason: err.message, hint: err.hint, status: err.status };
  return { errorCode: 50000, failureReason: "There was an error issuing a token or an authorization code.", status: 500 };
}

/** The `federatedTokenId`: the assertion's jti, else a hash of the assertion (never the assertion itself). */
export function federatedTokenId(assertion: string, jti: string | undefined): string {
  return jti ?? createHash("sha256").update(assertion).digest("base64url").slice(0, 22);
}

function fold(r: string): string {
  return r.toLowerCase().replace(/\/+$/, "");
}

/** The resource principal a resource URI names (undefined when the lab does not know it). */
export function resourcePrincipal(ctx: Pick<LabContext, "hosts">, resource: string): { appId: string; displayName: string } | undefined {
  const f = fold(resource);
  if (ctx.hosts.armResources().some((r) => fold(r) === f)) return RESOURCES.arm;
  if (ctx.hosts.vaultResources().some((r) => fold(r) === f)) return RESOURCES.keyVault;
  if (f === "https://graph.microsoft.com" || f === RESOURCES.graph.appId) return RESOURCES.graph;
  if (f === "https://graph.windows.net" || f === RESOURCES.aadGraph.appId) return RESOURCES.aadGraph;
  return undefined;
}

/** Graph beta's `signIn` resource for one token request (pure). */
export function signInRecord(ctx: Pick<LabContext, "hosts">, a: SignInAttempt, o: SignInOutcome, id: string, now: number): SignInRecord {
  const mi = a.sp?.servicePrincipalType === "ManagedIdentity";
  const res = a.resource ? resourcePrincipal(ctx, a.resource) : undefined;
  const appId = a.sp?.appId ?? a.clientId ?? "";
  const r: SignInRecord = {
    id,
    createdDateTime: new Date(now).toISOString(),
    appId,
    appDisplayName: a.sp?.displayName ?? (appId.toLowerCase() === AZURE_CLI_APP.appId ? AZURE_CLI_APP.displayName : undefined),
    servicePrincipalId: a.sp?.objectId,
    servicePrincipalName: a.sp?.displayName,
    resourceId: res?.appId,
    resourceDisplayName: res?.displayName ?? a.resource,
    ipAddress: a.ipAddress,
    correlationId: a.correlationId,
    clientCredentialType: a.credentialType,
    signInEventTypes: a.user || a.credentialType === "none" ? ["interactiveUser"] : [mi ? "managedIdentity" : "servicePrincipal"],
    isInteractive: a.credentialType === "none",
    status: { errorCode: o.errorCode, ...(o.failureReason ? { failureReason: o.failureReason } : {}), ...(o.hint ? { additionalDetails: o.hint } : {}) },
  };
  if (a.user) {
    r.userId = a.user.objectId;
    r.userPrincipalName = a.user.userPrincipalName;
  }
  if (mi || a.assertion) {
    r.managedServiceIdentity = {
      msiType: mi ? "userAssigned" : "none",
      ...(a.sp?.miResourceId ? { associatedResourceId: a.sp.miResourceId } : {}),
      ...(a.assertion ? { federatedTokenId: a.assertion.tokenId, federatedTokenIssuer: a.assertion.issuer } : {}),
    };
  }
  if (a.assertion) r.federatedAssertion = { issuer: a.assertion.issuer, subject: a.assertion.subject, audiences: a.assertion.audiences };
  if (a.credential) r.federatedCredential = a.credential;
  return r;
}

/** The lab log line for a token request: one per failure (warn), one per token issued (info). */
export function signInLogEntry(a: SignInAttempt, o: SignInOutcome): LogEntry {
  const caller = { clientId: a.sp?.appId ?? a.clientId, objectId: a.user?.objectId ?? a.sp?.objectId, upn: a.user?.userPrincipalName };
  const fields: LogEntry["fields"] = { resource: a.resource, credential: a.credentialType };
  if (a.assertion) {
    fields.issuer = a.assertion.issuer;
    fields.subject = a.assertion.subject;
    fields.audience = a.assertion.audiences.join(",");
  }
  if (a.credential) fields.fic = `${a.credential.name}${a.credential.matched ? "" : " (nearest)"}`;
  if (o.errorCode === 0) return { level: "info", face: "entra", op: "token", status: 200, caller, fields, correlationId: a.correlationId };
  return { level: "warn", face: "entra", op: "token", status: o.status, code: `AADSTS${o.errorCode}`, caller, hint: o.hint, fields, correlationId: a.correlationId };
}

/** Logs the line and hands the sign-in record to the recorder; never throws (a failure to record never fails the request). */
export function recordSignIn(ctx: LabContext, a: SignInAttempt, o: SignInOutcome): void {
  try {
    ctx.labLog.log(signInLogEntry(a, o));
    ctx.records.addSignIn(signInRecord(ctx, a, o, ctx.random.uuid(), ctx.clock.now()));
  } catch (err) {
    ctx.log.warn(`entra: could not record a sign-in: ${(err as Error).message}`);
  }
}

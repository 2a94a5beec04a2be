/**
 * The fixes the portal applies itself, through ARM with the signed-in user's token (the same requests
 * `az identity federated-credential create` and `az role assignment create` send): ARM validates them and
 * RBAC decides, exactly as for the CLI. The body is checked here only for shape.
 */
import type { LabContext } from "../platform/index.js";
import type { ChainAction } from "./chain.js";
import { callLab, upstreamError, type Json } from "./labClient.js";
import { PortalErrors } from "./PortalError.js";

const FIC_API = "2023-01-31";
const ROLE_API = "2022-04-01";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function str(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== "string" || v.trim() === "") throw PortalErrors.badRequest(`'${k}' must be a non-empty string`);
  return v.trim();
}

/** Reads a ChainAction from a request body (shape only). */
export function parseAction(body: unknown): ChainAction {
  if (!body || typeof body !== "object") throw PortalErrors.badRequest("the body must be a JSON object with 'kind'");
  const o = body as Record<string, unknown>;
  if (o.kind === "addFederatedCredential") {
    const identityId = str(o, "identityId");
    if (!/^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.managedidentity\/userassignedidentities\/[^/]+$/i.test(identityId)) {
      throw PortalErrors.badRequest("'identityId' must be a user-assigned identity's resource id");
    }
    return { kind: "addFederatedCredential", identityId, identityName: identityId.split("/").pop()!, name: str(o, "name"), issuer: str(o, "issuer"), subject: str(o, "subject"), audience: str(o, "audience") };
  }
  if (o.kind === "assignRole") {
    const principalId = str(o, "principalId");
    const roleDefinitionId = str(o, "roleDefinitionId");
    if (!GUID.test(principalId) || !GUID.test(roleDefinitionId)) throw PortalErrors.badRequest("'principalId' and 'roleDefinitionId' must be GUIDs");
    const scope = str(o, "scope");
    if (!scope.startsWith("/subscriptions/")) throw PortalErrors.badRequest("'scope' must be a resource id");
    return { kind: "assignRole", principalId, principalName: typeof o.principalName === "string" ? o.principalName : principalId, scope, roleDefinitionId, roleName: typeof o.roleName === "string" ? o.roleName : roleDefinitionId };
  }
  throw PortalErrors.badRequest("'kind' must be 'addFederatedCredential' or 'assignRole'");
}

/** Sends the fix to ARM as the user; ARM's answer (or its error, with its status and code). */
export async function applyFix(ctx: LabContext, bearer: string, a: ChainAction): Promise<{ status: number; resource: Json | undefined }> {
  const arm = { origin: ctx.hosts.armOrigin, ca: ctx.ca.certPem };
  const r =
    a.kind === "addFederatedCredential"
      ? await callLab(arm, "PUT", `${a.identityId}/federatedIdentityCredentials/${encodeURIComponent(a.name)}?api-version=${FIC_API}`, {
          bearer,
          json: { properties: { issuer: a.issuer, subject: a.subject, audiences: [a.audience] } },
        })
      : await callLab(arm, "PUT", `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${ctx.random.uuid()}?api-version=${ROLE_API}`, {
          bearer,
          json: { properties: { roleDefinitionId: `/subscriptions/${ctx.config.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${a.roleDefinitionId}`, principalId: a.principalId, principalType: "ServicePrincipal" } },
        });
  if (r.status >= 300) throw upstreamError(r);
  ctx.labLog.log({ level: "info", face: "portal", op: a.kind, status: r.status, hint: a.kind === "addFederatedCredential" ? `credential ${a.name} on ${a.identityName}` : `${a.roleName} for ${a.principalName} at ${a.scope}` });
  return { status: r.status, resource: r.json };
}

import type { FastifyReply, FastifyRequest } from "fastify";
import { queryOf, sendJson } from "../../platform/index.js";
import type { LabContext } from "../../platform/index.js";
import { RoleAssignments, scopeCovers } from "../../rbac/index.js";
import type { Tx } from "../../store/index.js";
import { LabRecords } from "../../entra/index.js";

export async function subscriptionBody(tx: Tx): Promise<Record<string, unknown>> {
  const lab = (await LabRecords.get(tx))!;
  return {
    id: `/subscriptions/${lab.subscriptionId}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    subscriptionId: lab.subscriptionId,
    tenantId: lab.tenantId,
    displayName: lab.subscriptionName,
    state: "Enabled",
    subscriptionPolicies: { locationPlacementId: "Public_2014-09-01", quotaId: "PayAsYouGo_2014-09-01", spendingLimit: "Off" },
  };
}

/** True when the caller holds any role at, above or below the subscription (as ARM lists subscriptions). */
export async function canSee(tx: Tx, oid: string, sub: string): Promise<boolean> {
  const subScope = `/subscriptions/${sub}`;
  return (await RoleAssignments.forPrincipal(tx, oid)).some((a) => scopeCovers(a.scope, subScope) || scopeCovers(subScope, a.scope));
}

/** The lab's one tenant, as `GET /tenants` lists it. */
export async function tenantBody(tx: Tx): Promise<Record<string, unknown>> {
  const lab = (await LabRecords.get(tx))!;
  return { id: `/tenants/${lab.tenantId}`, tenantId: lab.tenantId, tenantCategory: "Home", displayName: "wilab", defaultDomain: lab.tenantDomain, domains: [lab.tenantDomain], tenantType: "AAD" };
}

/** `GET /metadata/endpoints`: the 2015-01-01 object, or the 2019-05-01+ array of clouds. */
export function metadataEndpoints(ctx: LabContext, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const v = queryOf(req)["api-version"];
  if (!v) return sendJson(reply, 400, { error: { code: "MissingApiVersionParameter", message: "The api-version query parameter (?api-version=) is required for all requests." } });
  // In local mode the login endpoint is the lab's /adfs authority, as Azure Stack Hub's is: az and MSAL then
  // skip instance and user-realm discovery (which would go to login.microsoftonline.com, or drop the port).
  const login = ctx.config.mode === "transparent" ? `${ctx.hosts.loginOrigin}/` : `${ctx.hosts.loginOrigin}/adfs`;
  const arm = `${ctx.hosts.armOrigin}/`;
  const audiences = ["https://management.core.windows.net/", "https://management.azure.com/"];
  if (v < "2019-05-01") {
    return sendJson(reply, 200, {
      galleryEndpoint: "https://gallery.azure.com/",
      graphEndpoint: "https://graph.windows.net/",
      portalEndpoint: ctx.config.mode === "transparent" ? "https://portal.azure.com/" : `${ctx.hosts.localOrigin}/portal/`,
      authentication: { loginEndpoint: login, audiences },
    });
  }
  return sendJson(reply, 200, [
    {
      portal: "https://portal.azure.com",
      authentication: ctx.config.mode === "transparent" ? { loginEndpoint: login, audiences, tenant: "common", identityProvider: "AAD" } : { loginEndpoint: login, audiences, tenant: "adfs", identityProvider: "ADFS" },
      media: "https://rest.media.azure.net",
      graphAudience: "https://graph.windows.net/",
      graph: "https://graph.windows.net/",
      name: ctx.config.mode === "transparent" ? "AzureCloud" : "wilab",
      suffixes: {
        azureDataLakeStoreFileSystem: "azuredatalakestore.net",
        acrLoginServer: "azurecr.io",
        sqlServerHostname: "database.windows.net",
        azureDataLakeAnalyticsCatalogAndJob: "azuredatalakeanalytics.net",
        keyVaultDns: ctx.hosts.vaultDnsSuffix,
        storage: "core.windows.net",
        azureFrontDoorEndpointSuffix: "azurefd.net",
      },
      batch: "https://batch.core.windows.net/",
      resourceManager: arm,
      vmImageAliasDoc: "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/main/arm-compute/quickstart-templates/aliases.json",
      activeDirectoryDataLake: "https://datalake.azure.net/",
      sqlManagement: "https://management.core.windows.net:8443/",
      gallery: "https://gallery.azure.com/",
      microsoftGraphResourceId: "https://graph.microsoft.com/",
    },
  ]);
}

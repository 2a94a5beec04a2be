import type { LabContext } from "../../platform/index.js";
import { Directory, FederatedIdentityCredentials, type FederatedIdentityCredentialRecord } from "../../entra/index.js";
import { ArmError, ArmErrors } from "../ArmError.js";
import { isObject, normaliseLocation, type ArmRequest, type ArmRoute } from "../ArmRoute.js";
import { FIC_API_VERSIONS, MSI_API_VERSIONS } from "../apiVersions.js";
import type { ResourceGroupCascade } from "../resources/ResourceGroup.js";
import type { Tx } from "../../store/index.js";
import { identityBody, identityId, UserAssignedIdentities, type UserAssignedIdentityRecord } from "./UserAssignedIdentity.js";
import { ficViolation, FIC_MAX_PER_IDENTITY, IDENTITY_NAME } from "./rules.js";

const TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities";
const FIC_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials";
const BASE = "subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/Microsoft.ManagedIdentity/userAssignedIdentities";

function ficBody(f: FederatedIdentityCredentialRecord): Record<string, unknown> {
  return { id: f.id, name: f.name, type: FIC_TYPE, properties: { issuer: f.issuer, subject: f.subject, audiences: f.audiences } };
}

export { UserAssignedIdentities, identityId, type UserAssignedIdentityRecord } from "./UserAssignedIdentity.js";

/** Microsoft.ManagedIdentity: user-assigned identities and their federated identity credentials (reference §2). */
export function managedIdentityRoutes(ctx: LabContext): { routes: ArmRoute[]; cascade: ResourceGroupCascade } {
  const sub = () => ctx.config.subscriptionId;

  async function mustGet(tx: Tx, req: ArmRequest): Promise<UserAssignedIdentityRecord> {
    const r = await UserAssignedIdentities.get(tx, sub(), req.params.resourceGroupName!, req.params.resourceName!);
    if (!r) throw ArmErrors.resourceNotFound(TYPE, req.params.resourceName!, req.params.resourceGroupName!);
    return r;
  }

  async function parent(tx: Tx, req: ArmRequest): Promise<UserAssignedIdentityRecord> {
    const r = await UserAssignedIdentities.get(tx, sub(), req.params.resourceGroupName!, req.params.resourceName!);
    if (!r) throw new ArmError(404, "NotFound", "The parent user-assigned identity doesn't exist.");
    return r;
  }

  async function deleteIdentity(tx: Tx, r: UserAssignedIdentityRecord): Promise<void> {
    await FederatedIdentityCredentials.deleteAll(tx, r.id);
    await Directory.deleteServicePrincipal(tx, r.clientId);
    await UserAssignedIdentities.delete(tx, r);
  }

  const routes: ArmRoute[] = [
    {
      pattern: `${BASE}/{resourceName}/federatedIdentityCredentials/{ficName}`,
      type: FIC_TYPE,
      apiVersions: FIC_API_VERSIONS,
      resourceGroupParam: "resourceGroupName",
      operations: {
        GET: {
          action: `${FIC_TYPE}/read`,
          write: false,
          handler: async (req, tx) => {
            const id = await parent(tx, req);
            const f = await FederatedIdentityCredentials.get(tx, id.id, req.params.ficName!);
            if (!f) throw ArmErrors.resourceNotFound(FIC_TYPE, `${id.name}/${req.params.ficName}`, req.params.resourceGroupName!);
            return { status: 200, body: ficBody(f) };
          },
        },
        PUT: {
          action: `${FIC_TYPE}/write`,
          write: true,
          handler: async (req, tx) => {
            const id = await parent(tx, req);
            const name = req.params.ficName!;
            if (!isObject(req.body)) throw ArmErrors.invalidRequestContent("The request content was empty or not a JSON object");
            const p = isObject(req.body.properties) ? req.body.properties : {};
            const violation = ficViolation(name, p);
            if (violation) throw ArmErrors.badRequest("BadRequest", violation);
            const all = await FederatedIdentityCredentials.list(tx, id.id);
            const existing = all.find((f) => f.name.toLowerCase() === name.toLowerCase());
            const issuer = p.issuer as string;
            const subject = p.subject as string;
            const clash = all.find((f) => f !== existing && f.issuer === issuer && f.subject === subject);
            if (clash) {
              throw ArmErrors.badRequest("BadRequest", "Issuer and subject combination already exists for this Managed Identity.").withHint(`credential '${clash.name}' already trusts this issuer and subject`);
            }
            if (!existing && all.length >= FIC_MAX_PER_IDENTITY) {
              throw ArmErrors.badRequest("BadRequest", `Too many Federated Identity Credentials are associated with this Managed Identity. The maximum number of Federated Identity Credentials per Managed Identity is ${FIC_MAX_PER_IDENTITY}.`);
            }
            const rec: FederatedIdentityCredentialRecord = {
              name: existing?.name ?? name,
              id: `${id.id}/federatedIdentityCredentials/${existing?.name ?? name}`,
              issuer,
              subject,
              audiences: p.audiences as string[],
              updatedAt: ctx.clock.now(),
            };
            await FederatedIdentityCredentials.put(tx, id.id, rec);
            return { status: existing ? 200 : 201, body: ficBody(rec) };
          },
        },
        DELETE: {
          action: `${FIC_TYPE}/delete`,
          write: true,
          handler: async (req, tx) => {
            const id = await parent(tx, req);
            const gone = await FederatedIdentityCredentials.delete(tx, id.id, req.params.ficName!);
            return { status: gone ? 200 : 204 };
          },
        },
      },
    },
    {
      pattern: `${BASE}/{resourceName}/federatedIdentityCredentials`,
      type: FIC_TYPE,
      apiVersions: FIC_API_VERSIONS,
      resourceGroupParam: "resourceGroupName",
      operations: {
        GET: {
          action: `${FIC_TYPE}/read`,
          write: false,
          handler: async (req, tx) => {
            const id = await parent(tx, req);
            return { status: 200, body: { value: (await FederatedIdentityCredentials.list(tx, id.id)).map(ficBody) } };
          },
        },
      },
    },
    {
      pattern: `${BASE}/{resourceName}`,
      type: TYPE,
      apiVersions: MSI_API_VERSIONS,
      resourceGroupParam: "resourceGroupName",
      operations: {
        GET: { action: `${TYPE}/read`, write: false, handler: async (req, tx) => ({ status: 200, body: identityBody(await mustGet(tx, req), req.apiVersion) }) },
        PUT: {
          action: `${TYPE}/write`,
          write: true,
          handler: async (req, tx) => {
            const name = req.params.resourceName!;
            const rgName = req.params.resourceGroupName!;
            if (!IDENTITY_NAME.test(name)) {
              throw ArmErrors.badRequest(
                "InvalidResourceName",
                `Resource name ${name} is invalid. The name can be 3-128 characters long and can only contain letters, numbers, hyphens and underscores. The first character must be a letter or number.`,
              );
            }
            if (!isObject(req.body)) throw ArmErrors.invalidRequestContent("The request content was empty or not a JSON object");
            if (typeof req.body.location !== "string" || !req.body.location.trim()) throw ArmErrors.locationRequired();
            const tags = isObject(req.body.tags) ? (req.body.tags as Record<string, string>) : {};
            const existing = await UserAssignedIdentities.get(tx, sub(), rgName, name);
            if (existing) {
              existing.tags = tags;
              await UserAssignedIdentities.put(tx, existing);
              return { status: 200, body: identityBody(existing, req.apiVersion) };
            }
            const rec: UserAssignedIdentityRecord = {
              name,
              id: identityId(sub(), rgName, name),
              resourceGroup: rgName,
              location: normaliseLocation(req.body.location),
              tags,
              tenantId: ctx.config.tenantId,
              principalId: ctx.random.uuid(),
              clientId: ctx.random.uuid(),
              createdAt: ctx.clock.now(),
            };
            await UserAssignedIdentities.put(tx, rec);
            await Directory.putServicePrincipal(tx, {
              objectId: rec.principalId,
              appId: rec.clientId,
              displayName: name,
              servicePrincipalType: "ManagedIdentity",
              miResourceId: rec.id,
            });
            return { status: 201, body: identityBody(rec, req.apiVersion), headers: { location: `${ctx.hosts.armOrigin}${rec.id}?api-version=${req.apiVersion}` } };
          },
        },
        PATCH: {
          action: `${TYPE}/write`,
          write: true,
          handler: async (req, tx) => {
            const r = await mustGet(tx, req);
            if (isObject(req.body) && isObject(req.body.tags)) r.tags = req.body.tags as Record<string, string>;
            await UserAssignedIdentities.put(tx, r);
            return { status: 200, body: identityBody(r, req.apiVersion) };
          },
        },
        DELETE: {
          action: `${TYPE}/delete`,
          write: true,
          handler: async (req, tx) => {
            const r = await UserAssignedIdentities.get(tx, sub(), req.params.resourceGroupName!, req.params.resourceName!);
            if (!r) return { status: 204 };
            await deleteIdentity(tx, r);
            return { status: 200 };
          },
        },
      },
    },
    {
      pattern: BASE,
      type: TYPE,
      apiVersions: MSI_API_VERSIONS,
      resourceGroupParam: "resourceGroupName",
      operations: {
        GET: {
          action: `${TYPE}/read`,
          write: false,
          handler: async (req, tx) => ({
            status: 200,
            body: { value: (await UserAssignedIdentities.inResourceGroup(tx, sub(), req.params.resourceGroupName!)).map((r) => identityBody(r, req.apiVersion)) },
          }),
        },
      },
    },
    {
      pattern: "subscriptions/{subscriptionId}/providers/Microsoft.ManagedIdentity/userAssignedIdentities",
      type: TYPE,
      apiVersions: MSI_API_VERSIONS,
      operations: {
        GET: {
          action: `${TYPE}/read`,
          write: false,
          handler: async (req, tx) => ({ status: 200, body: { value: (await UserAssignedIdentities.all(tx)).map((r) => identityBody(r, req.apiVersion)) } }),
        },
      },
    },
  ];

  const cascade: ResourceGroupCascade = async (tx, s, rg) => {
    for (const r of await UserAssignedIdentities.inResourceGroup(tx, s, rg)) await deleteIdentity(tx, r);
  };
  return { routes, cascade };
}

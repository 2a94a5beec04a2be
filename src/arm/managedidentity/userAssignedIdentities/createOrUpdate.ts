import { Directory } from "../../../entra/index.js";
import type { Tx } from "../../../store/index.js";
import { ArmErrors } from "../../ArmError.js";
import { isObject, normaliseLocation, type ArmRequest, type ArmResponse } from "../../ArmRoute.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { identityBody, identityId, UserAssignedIdentities, type UserAssignedIdentityRecord } from "../UserAssignedIdentity.js";
import { IDENTITY_NAME } from "../rules.js";
import { IN_GROUP, ITEM } from "./shared.js";

/** A new identity: its record and its service principal (type ManagedIdentity). */
async function create({ ctx }: ArmDeps, tx: Tx, req: ArmRequest, location: string, tags: Record<string, string>): Promise<ArmResponse> {
  const name = req.params.resourceName!;
  const sub = ctx.config.subscriptionId;
  const rec: UserAssignedIdentityRecord = {
    name,
    id: identityId(sub, req.params.resourceGroupName!, name),
    resourceGroup: req.params.resourceGroupName!,
    location: normaliseLocation(location),
    tags,
    tenantId: ctx.config.tenantId,
    principalId: ctx.random.uuid(),
    clientId: ctx.random.uuid(),
    createdAt: ctx.clock.now(),
  };
  await UserAssignedIdentities.put(tx, rec);
  await Directory.putServicePrincipal(tx, { objectId: rec.principalId, appId: rec.clientId, displayName: name, servicePrincipalType: "ManagedIdentity", miResourceId: rec.id });
  return { status: 201, body: identityBody(rec, req.apiVersion), headers: { location: `${ctx.hosts.armOrigin}${rec.id}?api-version=${req.apiVersion}` } };
}

/** `PUT …/userAssignedIdentities/{name}`: creates the identity, or replaces an existing one's tags. */
export const createOrUpdate = defineOperation<ArmDeps>({
  method: "PUT",
  path: ITEM,
  ...IN_GROUP,
  handler: async (d, req, tx) => {
    const name = req.params.resourceName!;
    if (!IDENTITY_NAME.test(name)) throw ArmErrors.invalidIdentityName(name);
    if (!isObject(req.body)) throw ArmErrors.emptyBody();
    if (typeof req.body.location !== "string" || !req.body.location.trim()) throw ArmErrors.locationRequired();
    const tags = isObject(req.body.tags) ? (req.body.tags as Record<string, string>) : {};
    const existing = await UserAssignedIdentities.get(tx, d.ctx.config.subscriptionId, req.params.resourceGroupName!, name);
    if (!existing) return create(d, tx, req, req.body.location, tags);
    existing.tags = tags;
    await UserAssignedIdentities.put(tx, existing);
    return { status: 200, body: identityBody(existing, req.apiVersion) };
  },
});

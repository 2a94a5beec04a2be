import type { Tx } from "../../../store/index.js";
import { Vaults, type DeletedVaultRecord, type VaultRecord } from "../../../keyvault/index.js";
import { ArmErrors } from "../../ArmError.js";
import { isObject, normaliseLocation, resourceId, type ArmRequest, type ArmResponse } from "../../ArmRoute.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { vaultNameValid } from "../rules.js";
import { applyVaultProperties } from "../vaultInput.js";
import { vaultBody } from "../vaultBody.js";
import { callerName, IN_GROUP, liveDeleted, publishHost, sameId, VAULT_ITEM } from "./shared.js";

interface PutInput {
  name: string;
  rgName: string;
  id: string;
  location: string;
  props: Record<string, unknown>;
  tags: Record<string, string> | undefined;
  who: { by: string; type: string };
  t: number;
}

/** The request's body, checked in ARM's order: name, JSON object, location, properties. */
function putInput({ ctx }: ArmDeps, req: ArmRequest): PutInput {
  const name = req.params.vaultName!;
  const rgName = req.params.resourceGroupName!;
  if (!vaultNameValid(name)) throw ArmErrors.vaultNameNotValid(name);
  const body = req.body;
  if (!isObject(body)) throw ArmErrors.emptyBody();
  if (typeof body.location !== "string" || !body.location.trim()) throw ArmErrors.locationRequired();
  const props = body.properties;
  if (!isObject(props)) throw ArmErrors.missingProperty("properties");
  const tags = isObject(body.tags) ? (body.tags as Record<string, string>) : undefined;
  const id = resourceId(ctx.config.subscriptionId, rgName, "Microsoft.KeyVault", "vaults", name);
  return { name, rgName, id, location: body.location, props, tags, who: callerName(req.caller), t: ctx.clock.now() };
}

/** createMode "recover": the soft-deleted vault back where it was, with the request's tags. */
async function recover(d: ArmDeps, tx: Tx, i: PutInput, deleted: DeletedVaultRecord | undefined): Promise<ArmResponse> {
  if (!deleted) throw ArmErrors.deletedVaultNotFound(i.name);
  if (!sameId(deleted.vault.id, i.id)) throw ArmErrors.recoverElsewhere(i.name, deleted.vault.id);
  const v: VaultRecord = { ...deleted.vault, ...(i.tags ? { tags: i.tags } : {}), updatedAt: i.t, updatedBy: i.who.by, updatedByType: i.who.type };
  await Vaults.deleteDeleted(tx, i.name);
  await Vaults.put(tx, v);
  await publishHost(d, tx, v);
  return { status: 200, body: vaultBody(v, d.ctx.hosts) };
}

/** The vault a full PUT starts from: what is kept of an existing vault, defaults for the rest. */
function baseVault(i: PutInput, existing: VaultRecord | undefined): VaultRecord {
  return {
    name: existing?.name ?? i.name,
    id: existing?.id ?? i.id,
    resourceGroup: existing?.resourceGroup ?? i.rgName,
    location: existing?.location ?? normaliseLocation(i.location),
    ...(i.tags ? { tags: i.tags } : {}),
    tenantId: existing?.tenantId ?? "",
    sku: existing?.sku ?? { family: "A", name: "standard" },
    accessPolicies: [],
    enableRbacAuthorization: false,
    enableSoftDelete: true,
    softDeleteRetentionInDays: existing?.softDeleteRetentionInDays ?? 90,
    ...(existing?.enablePurgeProtection ? { enablePurgeProtection: true } : {}),
    publicNetworkAccess: "Enabled",
    createdAt: existing?.createdAt ?? i.t,
    updatedAt: i.t,
    createdBy: existing?.createdBy ?? i.who.by,
    createdByType: existing?.createdByType ?? i.who.type,
    updatedBy: i.who.by,
    updatedByType: i.who.type,
  };
}

/** `PUT …/vaults/{name}`: create, replace, or recover (createMode "recover") a vault. */
export const createOrUpdate = defineOperation<ArmDeps>({
  method: "PUT",
  path: VAULT_ITEM,
  ...IN_GROUP,
  handler: async (d, req, tx) => {
    const i = putInput(d, req);
    const existing = await Vaults.get(tx, i.name);
    if (existing && !sameId(existing.id, i.id)) throw ArmErrors.vaultAlreadyExists(i.name);
    const deleted = existing ? undefined : await liveDeleted(d, tx, i.name, true);
    const mode = typeof i.props.createMode === "string" ? i.props.createMode.toLowerCase() : "default";
    if (mode !== "default" && mode !== "recover") throw ArmErrors.invalidProperty("createMode", i.props.createMode);
    if (mode === "recover" && !existing) return recover(d, tx, i, deleted);
    if (deleted) {
      throw ArmErrors.deletedVaultExists().withHint(`vault '${deleted.vault.name}' was deleted on ${new Date(deleted.deletionDate).toISOString()}; recover it (createMode "recover") or purge it`);
    }
    const v = baseVault(i, existing);
    applyVaultProperties(v, i.props, { create: !existing, full: true, previous: existing });
    await Vaults.put(tx, v);
    await publishHost(d, tx, v);
    return { status: existing ? 200 : 201, body: vaultBody(v, d.ctx.hosts) };
  },
});

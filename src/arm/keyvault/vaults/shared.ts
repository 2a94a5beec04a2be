import type { Tx } from "../../../store/index.js";
import { ETC_HOSTS_TOPIC } from "../../../platform/index.js";
import { Secrets, Vaults, type DeletedVaultRecord, type VaultRecord } from "../../../keyvault/index.js";
import { ArmErrors } from "../../ArmError.js";
import { resourceId, type ArmRequest } from "../../ArmRoute.js";
import { KEYVAULT_API_VERSIONS } from "../../apiVersions.js";
import type { ArmDeps } from "../../deps.js";
import { VAULT_TYPE } from "../vaultBody.js";

const DAY_MS = 86_400_000;
export const RG_BASE = "subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/vaults";
export const VAULT_ITEM = `${RG_BASE}/{vaultName}`;
export const SUB_BASE = "subscriptions/{subscriptionId}/providers/Microsoft.KeyVault";
/** What every operation on a vault in a resource group shares. */
export const IN_GROUP = { type: VAULT_TYPE, apiVersions: KEYVAULT_API_VERSIONS, resourceGroupParam: "resourceGroupName" } as const;

export const sameId = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export { callerName } from "../../caller.js";

/** Removes a soft-deleted vault and its secrets for good. */
export async function purgeVault(tx: Tx, name: string): Promise<void> {
  await Secrets.purgeVault(tx, name);
  await Vaults.deleteDeleted(tx, name);
}

/** The soft-deleted vault of that name, unless its retention has run out (then it is purged, in a write transaction). */
export async function liveDeleted({ ctx }: ArmDeps, tx: Tx, name: string, write: boolean): Promise<DeletedVaultRecord | undefined> {
  const d = await Vaults.getDeleted(tx, name);
  if (!d) return undefined;
  if (d.scheduledPurgeDate > ctx.clock.now()) return d;
  if (write) await purgeVault(tx, d.vault.name);
  return undefined;
}

/** Moves a vault to the deleted vaults, to be purged after its retention. */
export async function softDelete({ ctx }: ArmDeps, tx: Tx, v: VaultRecord): Promise<void> {
  const t = ctx.clock.now();
  await Vaults.delete(tx, v.name);
  await Vaults.putDeleted(tx, { vault: v, deletionDate: t, scheduledPurgeDate: t + v.softDeleteRetentionInDays * DAY_MS });
}

/** The vault the request names, if it lives in the request's resource group (vault names are global). */
export async function inThisGroup({ ctx }: ArmDeps, tx: Tx, req: ArmRequest): Promise<VaultRecord | undefined> {
  const v = await Vaults.get(tx, req.params.vaultName!);
  const id = resourceId(ctx.config.subscriptionId, req.params.resourceGroupName!, "Microsoft.KeyVault", "vaults", req.params.vaultName!);
  return v && sameId(v.id, id) ? v : undefined;
}

/** The vault the request names, or ARM's ResourceNotFound. */
export async function mustGetVault(d: ArmDeps, tx: Tx, req: ArmRequest): Promise<VaultRecord> {
  const v = await inThisGroup(d, tx, req);
  if (!v) throw ArmErrors.resourceNotFound(VAULT_TYPE, req.params.vaultName!, req.params.resourceGroupName!);
  return v;
}

/**
 * Makes the vault's data-plane host name resolve, logging when /etc/hosts can't be written; and tells the other
 * replicas on the database (ETC_HOSTS_TOPIC at commit), which add it to their own /etc/hosts blocks, so that the name
 * outlives this replica.
 */
export async function publishHost({ ctx }: ArmDeps, tx: Tx, v: VaultRecord): Promise<void> {
  await tx.notify(ETC_HOSTS_TOPIC, ctx.hosts.vaultHostname(v.name));
  try {
    ctx.etcHosts?.add([ctx.hosts.vaultHostname(v.name)]);
  } catch (err) {
    ctx.log.warn(`keyvault: could not add ${ctx.hosts.vaultHostname(v.name)} to /etc/hosts: ${(err as Error).message}`);
  }
}

/** The first `$top` items, when `$top` is a positive integer. */
export function top<T>(req: ArmRequest, items: T[]): T[] {
  const n = Number(req.query.$top);
  return Number.isInteger(n) && n > 0 ? items.slice(0, n) : items;
}

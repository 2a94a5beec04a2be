import type { VaultRecord } from "./Vaults.js";
import type { DeletedSecretRecord, SecretVersionRecord } from "./Secrets.js";

/** `Recoverable+Purgeable`, `Recoverable`, `CustomizedRecoverable[+Purgeable]` or `Purgeable` (reference §4.2). */
export function recoveryLevel(v: VaultRecord): string {
  if (!v.enableSoftDelete) return "Purgeable";
  const base = v.softDeleteRetentionInDays < 90 ? "CustomizedRecoverable" : "Recoverable";
  return v.enablePurgeProtection ? base : `${base}+Purgeable`;
}

export function attributesOf(r: SecretVersionRecord, v: VaultRecord): Record<string, unknown> {
  return {
    enabled: r.enabled,
    ...(r.nbf !== undefined ? { nbf: r.nbf } : {}),
    ...(r.exp !== undefined ? { exp: r.exp } : {}),
    created: r.created,
    updated: r.updated,
    recoverableDays: v.enableSoftDelete ? v.softDeleteRetentionInDays : 0,
    recoveryLevel: recoveryLevel(v),
  };
}

function common(r: SecretVersionRecord, v: VaultRecord): Record<string, unknown> {
  return {
    ...(r.contentType !== undefined ? { contentType: r.contentType } : {}),
    attributes: attributesOf(r, v),
    ...(r.tags ? { tags: r.tags } : {}),
  };
}

/** `https://{vault host as requested}/secrets/{name}/{version}`. */
export function secretId(origin: string, r: SecretVersionRecord, withVersion = true): string {
  return withVersion ? `${origin}/secrets/${r.name}/${r.version}` : `${origin}/secrets/${r.name}`;
}

/** SecretBundle; `value` is left out where Key Vault leaves it out (update, restore). */
export function secretBundle(origin: string, r: SecretVersionRecord, v: VaultRecord, withValue = true): Record<string, unknown> {
  return { ...(withValue ? { value: r.value } : {}), id: secretId(origin, r), ...common(r, v) };
}

/** SecretItem of a list: the latest version's metadata, `id` without version (or with it, for version lists). */
export function secretItem(origin: string, r: SecretVersionRecord, v: VaultRecord, withVersion: boolean): Record<string, unknown> {
  return { id: secretId(origin, r, withVersion), ...common(r, v) };
}

function deletedCommon(origin: string, d: DeletedSecretRecord): Record<string, unknown> {
  return { recoveryId: `${origin}/deletedsecrets/${d.name}`, deletedDate: d.deletedDate, scheduledPurgeDate: d.scheduledPurgeDate };
}

/** DeletedSecretBundle (delete, get deleted): no value. */
export function deletedSecretBundle(origin: string, d: DeletedSecretRecord, v: VaultRecord): Record<string, unknown> {
  return { ...deletedCommon(origin, d), id: secretId(origin, d.latest), ...common(d.latest, v) };
}

/** DeletedSecretItem. */
export function deletedSecretItem(origin: string, d: DeletedSecretRecord, v: VaultRecord): Record<string, unknown> {
  return { ...deletedCommon(origin, d), id: secretId(origin, d.latest, false), ...common(d.latest, v) };
}

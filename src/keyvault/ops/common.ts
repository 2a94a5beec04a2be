import { KeyVaultErrors } from "../KeyVaultError.js";
import { Secrets, type DeletedSecretRecord, type SecretRecord } from "../Secrets.js";
import { MAX_RESULTS } from "../rules.js";
import type { KvCall } from "./types.js";

/** A soft-deleted secret, unless its scheduled purge date has passed (then it is gone, and purged in a write). */
export async function liveDeleted(call: KvCall, name: string): Promise<DeletedSecretRecord | undefined> {
  const d = await Secrets.getDeleted(call.tx, call.vault.name, name);
  if (!d) return undefined;
  if (d.scheduledPurgeDate > call.ctx.clock.nowSeconds()) return d;
  if (call.write) await Secrets.purge(call.tx, call.vault.name, name);
  return undefined;
}

/**
 * The live secret, or Key Vault's 404 SecretNotFound — also for a soft-deleted name, as Key Vault answers a GET of
 * one [V] (the JS SDK's recorded "can delete a secret" test: getSecret after delete → 404 SecretNotFound); the hint
 * says it is soft-deleted. Writes on such a name get 409 ObjectIsDeletedButRecoverable elsewhere (setSecret, restore).
 */
export async function mustGetSecret(call: KvCall, name: string): Promise<SecretRecord> {
  const s = await Secrets.get(call.tx, call.vault.name, name);
  if (s) return s;
  const d = await liveDeleted(call, name);
  throw KeyVaultErrors.secretNotFound(name).withHint(d ? `'${d.name}' is soft-deleted: recover it (POST /deletedsecrets/${d.name}/recover) or purge it` : undefined);
}

export function maxResults(query: Record<string, string>): number {
  const raw = query.maxresults;
  if (raw === undefined || raw === "") return MAX_RESULTS;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_RESULTS) throw KeyVaultErrors.badParameter(`Invalid value for maxresults: ${raw}. It must be an integer between 1 and ${MAX_RESULTS}.`);
  return n;
}

/** `$skiptoken` is opaque to clients: base64url of the last key of the previous page. */
export function skipToken(query: Record<string, string>): string | undefined {
  const raw = query.$skiptoken;
  if (raw === undefined || raw === "") return undefined;
  let key: unknown;
  try {
    key = (JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as { k?: unknown }).k;
  } catch {
    key = undefined;
  }
  if (typeof key !== "string" || !key) throw KeyVaultErrors.badParameter("The $skiptoken is invalid.");
  return key;
}

export function nextLink(call: KvCall, path: string, lastKey: string, limit: number): string {
  const token = Buffer.from(JSON.stringify({ k: lastKey })).toString("base64url");
  return `${call.origin}${path}?api-version=${encodeURIComponent(call.apiVersion)}&$skiptoken=${token}&maxresults=${limit}`;
}

/** A page of rows fetched with limit+1: the rows to show and the key to continue after, if any. */
export function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => string): { rows: T[]; next?: string } {
  if (rows.length <= limit) return { rows };
  const shown = rows.slice(0, limit);
  return { rows: shown, next: keyOf(shown[shown.length - 1]!) };
}

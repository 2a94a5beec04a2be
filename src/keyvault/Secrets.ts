import type { Tx } from "../store/index.js";

/**
 * Store layout of a vault's secrets. Everything is keyed by the folded vault and secret names, and grouped
 * under a parent, so that listing a vault's secrets (or a secret's versions) is an index range scan with
 * keyset paging, however many secrets the vault holds:
 * - `kv.secret`        id `{vault}/{name}`            parent `{vault}`         — a live secret and a copy of its latest version
 * - `kv.secretVersion` id `{vault}/{name}/{version}`  parent `{vault}/{name}`  — every version (kept while the secret is soft-deleted)
 * - `kv.deletedSecret` id `{vault}/{name}`            parent `{vault}`         — a soft-deleted secret
 */
export interface SecretVersionRecord {
  /** The secret's name as first created (names are case-insensitive). */
  name: string;
  /** 32 lower-case hex characters. */
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  /** Unix seconds. */
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
}

export interface SecretRecord {
  name: string;
  latest: SecretVersionRecord;
}

export interface DeletedSecretRecord {
  name: string;
  latest: SecretVersionRecord;
  /** Unix seconds. */
  deletedDate: number;
  scheduledPurgeDate: number;
}

const SECRET = "kv.secret";
const VERSION = "kv.secretVersion";
const DELETED = "kv.deletedSecret";

const v = (vault: string) => vault.toLowerCase();
const sid = (vault: string, name: string) => `${v(vault)}/${name.toLowerCase()}`;

/** The folded secret name a list row id stands for (the keyset position). */
export function rowSecretName(id: string): string {
  return id.slice(id.indexOf("/") + 1);
}

export const Secrets = {
  get: (tx: Tx, vault: string, name: string) => tx.get<SecretRecord>(SECRET, sid(vault, name)),
  put: (tx: Tx, vault: string, s: SecretRecord) => tx.put(SECRET, sid(vault, s.name), s, v(vault)),
  delete: (tx: Tx, vault: string, name: string) => tx.delete(SECRET, sid(vault, name)),
  /** One page of live secrets ordered by folded name, after the given folded name. */
  page: (tx: Tx, vault: string, afterName: string | undefined, limit: number) =>
    tx.list<SecretRecord>(SECRET, { parent: v(vault), after: afterName === undefined ? undefined : sid(vault, afterName), limit }),

  getVersion: (tx: Tx, vault: string, name: string, version: string) => tx.get<SecretVersionRecord>(VERSION, `${sid(vault, name)}/${version.toLowerCase()}`),
  putVersion: (tx: Tx, vault: string, r: SecretVersionRecord) => tx.put(VERSION, `${sid(vault, r.name)}/${r.version}`, r, sid(vault, r.name)),
  /** One page of a secret's versions, ordered by version, after the given version. */
  versionPage: (tx: Tx, vault: string, name: string, afterVersion: string | undefined, limit: number) =>
    tx.list<SecretVersionRecord>(VERSION, { parent: sid(vault, name), after: afterVersion === undefined ? undefined : `${sid(vault, name)}/${afterVersion}`, limit }),
  async allVersions(tx: Tx, vault: string, name: string): Promise<SecretVersionRecord[]> {
    return (await tx.list<SecretVersionRecord>(VERSION, { parent: sid(vault, name) })).map((r) => r.value);
  },
  deleteVersions: (tx: Tx, vault: string, name: string) => tx.deleteChildren(VERSION, sid(vault, name)),

  getDeleted: (tx: Tx, vault: string, name: string) => tx.get<DeletedSecretRecord>(DELETED, sid(vault, name)),
  putDeleted: (tx: Tx, vault: string, d: DeletedSecretRecord) => tx.put(DELETED, sid(vault, d.name), d, v(vault)),
  deleteDeleted: (tx: Tx, vault: string, name: string) => tx.delete(DELETED, sid(vault, name)),
  deletedPage: (tx: Tx, vault: string, afterName: string | undefined, limit: number) =>
    tx.list<DeletedSecretRecord>(DELETED, { parent: v(vault), after: afterName === undefined ? undefined : sid(vault, afterName), limit }),

  /** Removes a soft-deleted secret and all its versions for good. */
  async purge(tx: Tx, vault: string, name: string): Promise<void> {
    await Secrets.deleteVersions(tx, vault, name);
    await Secrets.deleteDeleted(tx, vault, name);
  },

  /** Removes every secret of a vault, live or soft-deleted (vault purge). */
  async purgeVault(tx: Tx, vault: string): Promise<void> {
    for (const kind of [SECRET, DELETED]) {
      let after: string | undefined;
      for (;;) {
        const rows = await tx.list<{ name: string }>(kind, { parent: v(vault), after, limit: 500 });
        for (const r of rows) await tx.deleteChildren(VERSION, r.id);
        if (rows.length < 500) break;
        after = rows[rows.length - 1]!.id;
      }
      await tx.deleteChildren(kind, v(vault));
    }
  },
};

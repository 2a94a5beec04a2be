import type { Store } from "./Store.js";
import { redactStoreUrl } from "./errors.js";

/** Whether `spec` names a PostgreSQL database (`postgres://…` or `postgresql://…`). */
export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/**
 * Opens the store a `--store` / `WILAB_STORE` / `startLab({ store })` value names, migrated and ready. PostgreSQL's
 * driver is loaded only here, so that a lab on the default embedded SQLite store never pays for it.
 */
export async function openStore(spec: string): Promise<Store> {
  if (!isPostgresUrl(spec)) {
    throw new Error(`unsupported store '${redactStoreUrl(spec)}': give a PostgreSQL URL, postgres://user@host:port/db (without --store the lab uses its embedded SQLite store)`);
  }
  const { PgStore } = await import("./PgStore.js");
  const store = new PgStore(spec);
  try {
    await store.open();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}

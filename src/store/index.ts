export type { Store, Tx, Row, ListOptions } from "./Store.js";
export { SqliteStore } from "./SqliteStore.js";
export { MIGRATIONS, migrationSql, type Dialect, type Migration } from "./migrations.js";
export { openStore, isPostgresUrl } from "./open.js";
export { StoreUnavailableError, StoreConflictError, redactStoreUrl } from "./errors.js";
export { Leases, RENEW_MS as LEASE_RENEW_MS, TTL_MS as LEASE_TTL_MS } from "./leases.js";

export type { Store, Tx, Row, ListOptions } from "./Store.js";
export { SqliteStore } from "./SqliteStore.js";
export { MIGRATIONS } from "./migrations.js";

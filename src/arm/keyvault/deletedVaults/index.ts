/** Microsoft.KeyVault/deletedVaults and locations/deletedVaults: one file per operation. */
export { list } from "./list.js";
export { get } from "./get.js";
export { purge } from "./purge.js";

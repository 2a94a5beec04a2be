/** Microsoft.Resources/resourceGroups: one file per operation. */
export { createOrUpdate } from "./createOrUpdate.js";
export { get } from "./get.js";
export { update } from "./update.js";
export { deleteOperation } from "./delete.js";
export { list } from "./list.js";

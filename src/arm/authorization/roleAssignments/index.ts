/** Microsoft.Authorization/roleAssignments: one file per operation. */
export { createOperation } from "./create.js";
export { get } from "./get.js";
export { deleteOperation } from "./delete.js";
export { list } from "./list.js";

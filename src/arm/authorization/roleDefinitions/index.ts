/** Microsoft.Authorization/roleDefinitions (built-in roles): one file per operation. */
export { get } from "./get.js";
export { list } from "./list.js";

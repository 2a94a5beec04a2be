/** Microsoft.Resources/tenants: one file per operation. */
export { list } from "./list.js";

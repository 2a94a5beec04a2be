/** Microsoft.Resources/subscriptions: one file per operation. */
export { list } from "./list.js";
export { get } from "./get.js";

/** The read-only Azure Local types' operations: one file per operation, made for each type. */
export { get } from "./get.js";
export { listByResourceGroup } from "./listByResourceGroup.js";
export { listBySubscription } from "./listBySubscription.js";

/** Microsoft.Kubernetes/connectedClusters: one file per operation. */
export { createOrUpdate } from "./createOrUpdate.js";
export { get } from "./get.js";
export { update } from "./update.js";
export { deleteOperation } from "./delete.js";
export { listByResourceGroup } from "./listByResourceGroup.js";
export { listBySubscription } from "./listBySubscription.js";
export { listClusterUserCredential } from "./listClusterUserCredential.js";

/** Microsoft.HybridContainerService/provisionedClusterInstances: one file per operation. */
export { createOrUpdate } from "./createOrUpdate.js";
export { get } from "./get.js";
export { deleteOperation } from "./delete.js";
export { listAdminKubeconfig } from "./listAdminKubeconfig.js";

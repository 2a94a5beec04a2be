/** Microsoft.KubernetesConfiguration/extensions (the workload identity extension): one file per operation. */
export { get } from "./get.js";
export { list } from "./list.js";

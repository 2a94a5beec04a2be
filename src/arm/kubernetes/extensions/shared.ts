import { WI_NAMESPACE, type ClusterRecord } from "../../../kube/index.js";
import { CC_ITEM } from "../connectedClusters/shared.js";
import type { KubernetesDeps } from "../deps.js";

export const EXT_TYPE = "Microsoft.KubernetesConfiguration/extensions";
const EXT_API_VERSIONS = ["2020-07-01-preview", "2021-09-01", "2022-03-01", "2022-11-01", "2023-05-01", "2024-11-01"];
export const EXT_LIST = `${CC_ITEM}/providers/Microsoft.KubernetesConfiguration/extensions`;
/** What every operation on a cluster's extensions shares. */
export const EXT_ROUTE = { type: EXT_TYPE, apiVersions: EXT_API_VERSIONS, resourceGroupParam: "resourceGroupName" } as const;
const WI_EXTENSION_VERSION = "1.5.1";

/** The workload identity extension a cluster created with workload identity has. */
export function extensionBody({ ctx }: KubernetesDeps, c: ClusterRecord): Record<string, unknown> {
  const ready = ctx.clock.now() >= c.extensionReadyAt;
  return {
    id: `${c.id}/providers/${EXT_TYPE}/wiextension`,
    name: "wiextension",
    type: EXT_TYPE,
    properties: {
      extensionType: "microsoft.workloadidentity",
      autoUpgradeMinorVersion: true,
      releaseTrain: "Stable",
      version: null,
      currentVersion: WI_EXTENSION_VERSION,
      scope: { cluster: { releaseNamespace: WI_NAMESPACE } },
      provisioningState: ready ? "Succeeded" : "Creating",
      isSystemExtension: true,
      statuses: [],
      configurationSettings: {},
    },
  };
}

/**
 * The reasons and texts kube-scheduler and the kubelet give their Events (pkg/kubelet/events/event.go,
 * pkg/kubelet/kuberuntime, pkg/kubelet/images, pkg/scheduler), as each Kubernetes minor version writes them.
 */

export interface KubeletTexts {
  /** Reason `Pulled`, for an image present on the node (IfNotPresent). */
  pulled(image: string): string;
  /** Reason `Created`. */
  created(container: string): string;
  /** Reason `Started`. */
  started(container: string): string;
}

function minorOf(version: string): number {
  const m = /^v?1\.(\d+)/.exec(version);
  return m ? Number(m[1]) : 0;
}

/**
 * 1.33 (kubernetes#130471) added a colon to "Created container: X"; 1.35 (kubernetes#134043) dropped the container
 * name from Created/Started (kubectl now prints the field path before the message) and says whether the pod may use
 * a present image ("… and can be accessed by the pod", KEP-2535).
 */
export function kubeletTexts(kubernetesVersion: string): KubeletTexts {
  const minor = minorOf(kubernetesVersion);
  if (minor >= 35) {
    return {
      pulled: (image) => `Container image "${image}" already present on machine and can be accessed by the pod`,
      created: () => "Container created",
      started: () => "Container started",
    };
  }
  return {
    pulled: (image) => `Container image "${image}" already present on machine`,
    created: (c) => (minor >= 33 ? `Created container: ${c}` : `Created container ${c}`),
    started: (c) => `Started container ${c}`,
  };
}

/** The texts that have not changed across the versions the lab serves. */
export const KUBELET = {
  scheduled: (ns: string, pod: string, node: string) => `Successfully assigned ${ns}/${pod} to ${node}`,
  pulling: (image: string) => `Pulling image "${image}"`,
  failedPull: (image: string, err: string) => `Failed to pull image "${image}": ${err}`,
  backOffPull: (image: string) => `Back-off pulling image "${image}"`,
  error: (what: string) => `Error: ${what}`,
  killing: (container: string) => `Stopping container ${container}`,
  backOff: (container: string, pod: string, ns: string, uid: string) => `Back-off restarting failed container ${container} in pod ${pod}_${ns}(${uid})`,
  failedMount: (volume: string, err: string) => `MountVolume.SetUp failed for volume "${volume}" : ${err}`,
} as const;

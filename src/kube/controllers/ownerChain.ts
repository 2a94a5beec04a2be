/**
 * The chain of controllers above an object (pod → ReplicaSet → Deployment, pod → Job), following each
 * object's controller reference while its owner exists with the referenced uid. For diagnostics: the
 * `azure.workload.identity/use` label belongs on the template of the first workload in the chain.
 */
import type { KubeContext } from "../KubeContext.js";
import type { KubeObject } from "../KubeStorage.js";
import { findKind, groupVersion } from "../apiserver/index.js";
import { controllerOf } from "./client.js";

export async function ownerChain(kube: KubeContext, clusterId: string, o: KubeObject): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  let cur = o;
  for (let i = 0; i < 5; i++) {
    const ref = controllerOf(cur);
    const def = ref ? findKind(ref.kind) : undefined;
    if (!ref || !def || groupVersion(def) !== ref.apiVersion) break;
    const owner = await kube.storage.read((tx) => tx.get(clusterId, def.resource, def.namespaced ? o.metadata.namespace : undefined, ref.name));
    if (!owner || owner.metadata.uid !== ref.uid) break;
    cur = { ...owner, apiVersion: ref.apiVersion, kind: ref.kind };
    out.push(cur);
  }
  return out;
}

/**
 * ControllerRefManager (pkg/controller/controller_ref_manager.go): a controller adopts the orphans its
 * selector matches and releases the objects it controls that no longer match.
 */
import type { KubeObject } from "../KubeStorage.js";
import { KubeStatusError } from "../KubeStatusError.js";
import { ControllerClient, controllerOf, controllerRef, ownerReferences } from "./client.js";

const RESOURCE: Record<string, string> = { Pod: "pods", ReplicaSet: "replicasets" };

/** Returns the candidates the owner controls once adoption and release are done. */
export async function adoptOrRelease(
  client: ControllerClient,
  clusterId: string,
  owner: KubeObject,
  candidates: KubeObject[],
  matches: (o: KubeObject) => boolean,
): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const o of candidates) {
    const ref = controllerOf(o);
    const resource = RESOURCE[o.kind];
    if (ref?.uid === owner.metadata.uid) {
      if (matches(o) || owner.metadata.deletionTimestamp || !resource) out.push(o);
      else await patchRefs(client, clusterId, resource, o, ownerReferences(o).filter((r) => r.uid !== owner.metadata.uid));
      continue;
    }
    if (ref || !resource || owner.metadata.deletionTimestamp || o.metadata.deletionTimestamp || !matches(o)) continue;
    const adopted = await patchRefs(client, clusterId, resource, o, [...ownerReferences(o), controllerRef(owner)]);
    if (adopted) out.push(adopted);
  }
  return out;
}

async function patchRefs(client: ControllerClient, clusterId: string, resource: string, o: KubeObject, refs: unknown[]): Promise<KubeObject | undefined> {
  const next = structuredClone(o);
  if (refs.length) next.metadata.ownerReferences = refs;
  else delete next.metadata.ownerReferences;
  try {
    return await client.update(clusterId, resource, next);
  } catch (e) {
    // Changed or gone meanwhile: the next sync sees the new state.
    if (e instanceof KubeStatusError && (e.reason === "Conflict" || e.reason === "NotFound")) return undefined;
    throw e;
  }
}

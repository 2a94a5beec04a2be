/** The resources the controllers look at, by name, from the API server's resource table. */
import { findKind } from "../apiserver/index.js";

/** Every stored resource whose objects may have owners (events never do). */
export const RESOURCES_FOR_GC = ["pods", "replicasets", "deployments", "jobs", "configmaps", "secrets", "serviceaccounts"];

const RESOURCE_KINDS: Record<string, string> = {
  pods: "Pod",
  replicasets: "ReplicaSet",
  deployments: "Deployment",
  jobs: "Job",
  configmaps: "ConfigMap",
  secrets: "Secret",
  serviceaccounts: "ServiceAccount",
};

export function findKindResource(kind: string): string {
  const d = findKind(kind);
  if (!d) throw new Error(`unknown kind ${kind}`);
  return d.resource;
}

/** The kinds of those resources. */
export const KINDS_FOR_GC = new Set(RESOURCES_FOR_GC.map((r) => RESOURCE_KINDS[r]));

/** The resources the controllers look at, from the API server's resource table. */
import { RESOURCES, findKind } from "../apiserver/index.js";

/** Every stored resource whose objects may own or be owned (events never are; namespaces finalize on their own). */
const GC = RESOURCES.filter((r) => !r.virtual && r.resource !== "events" && r.resource !== "namespaces");

export const RESOURCES_FOR_GC = GC.map((r) => r.resource);

/** The kinds of those resources. */
export const KINDS_FOR_GC = new Set(GC.map((r) => r.kind));

export function findKindResource(kind: string): string {
  const d = findKind(kind);
  if (!d) throw new Error(`unknown kind ${kind}`);
  return d.resource;
}

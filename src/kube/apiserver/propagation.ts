/**
 * Deletion propagation (DeleteOptions.propagationPolicy / orphanDependents), as the generic registry's
 * BeforeDelete applies it: `Orphan` and `Foreground` leave the object in place with the `orphan` or
 * `foregroundDeletion` finalizer for the garbage collector; `Background` deletes it at once and the
 * collector removes its dependents afterwards. a kind's strategy may default to another policy (batch/v1 Jobs orphan their pods).
 */
import type { KubeObject } from "../KubeStorage.js";
import { KubeErrors } from "../KubeStatusError.js";
import type { ResourceDef } from "./resources.js";
import { kindStrategy, type Propagation } from "./strategies/index.js";

export const ORPHAN_FINALIZER = "orphan";
export const FOREGROUND_FINALIZER = "foregroundDeletion";

export type PropagationPolicy = Propagation;

/** The policy a DELETE asks for, or the kind's default. */
export function propagationPolicy(def: ResourceDef, options: Record<string, unknown>, warnings?: string[]): PropagationPolicy {
  const p = options.propagationPolicy;
  if (p !== undefined && p !== null && p !== "") {
    if (p !== "Orphan" && p !== "Foreground" && p !== "Background") {
      throw KubeErrors.invalid("DeleteOptions", "", [{ reason: "FieldValueNotSupported", message: `Unsupported value: ${JSON.stringify(p)}: supported values: "Foreground", "Background", "Orphan"`, field: "propagationPolicy" }], "meta.k8s.io");
    }
    if (options.orphanDependents !== undefined) {
      throw KubeErrors.invalid("DeleteOptions", "", [{ reason: "FieldValueInvalid", message: `Invalid value: "${p}": orphanDependents and deletionPropagation cannot be both set`, field: "propagationPolicy" }], "meta.k8s.io");
    }
    return p;
  }
  if (options.orphanDependents === true) return "Orphan";
  if (options.orphanDependents === false) return "Background";
  const byDefault = kindStrategy(def.kind).delete.defaultPropagation;
  if (byDefault) {
    warnings?.push(byDefault.warning);
    return byDefault.policy;
  }
  return "Background";
}

/** The finalizers a DELETE adds to the object (none for pods, namespaces and background deletion). */
export function deletionFinalizers(def: ResourceDef, current: KubeObject, options: Record<string, unknown>, warnings?: string[]): string[] {
  if (!kindStrategy(def.kind).delete.propagates || def.virtual) return [];
  const policy = propagationPolicy(def, options, warnings);
  const has = Array.isArray(current.metadata.finalizers) ? (current.metadata.finalizers as string[]) : [];
  if (policy === "Orphan") return has.includes(FOREGROUND_FINALIZER) ? [] : [ORPHAN_FINALIZER];
  if (policy === "Foreground") return [FOREGROUND_FINALIZER];
  return [];
}

/** v1 Namespace (pkg/registry/core/namespace): the name label, `kubernetes` finalizer, Active phase; deletion takes its content. */
import type { KubeTx } from "../../KubeStorage.js";
import { defaultNamespace } from "../defaults.js";
import { RESOURCES } from "../resources.js";
import { PRINTERS } from "../table.js";
import { defineKind } from "./kind.js";

/** Every namespaced resource the lab stores, for namespace deletion. */
const NAMESPACED = RESOURCES.filter((r) => r.namespaced && !r.virtual).map((r) => r.resource);

async function purgeNamespace(tx: KubeTx, clusterId: string, ns: string): Promise<void> {
  for (const r of NAMESPACED) for (const o of await tx.list(clusterId, r, ns)) await tx.delete(clusterId, r, ns, o.metadata.name);
}

export const namespaceStrategy = defineKind("Namespace", {
  defaults: defaultNamespace,
  prepareForCreate(o) {
    o.spec = { finalizers: ["kubernetes"] };
    o.status = { phase: "Active" };
  },
  prepareForUpdate(next, old) {
    next.status = structuredClone(old.status);
    next.spec = structuredClone(old.spec);
  },
  printer: PRINTERS.Namespace!,
  delete: { propagates: false, purge: purgeNamespace },
});

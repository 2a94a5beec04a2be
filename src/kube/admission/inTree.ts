/**
 * The in-tree mutating admission plugins a pod meets before the webhooks, in kube-apiserver's order:
 * ServiceAccount (plugin/pkg/admission/serviceaccount), Priority, DefaultTolerationSeconds.
 */
import type { KubeContext } from "../KubeContext.js";
import type { KubeObject } from "../KubeStorage.js";
import { KubeErrors } from "../KubeStatusError.js";
import type { AdmissionPlugin, AdmissionRequest, Attempt, Handles } from "./types.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

export const API_TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
export const API_ACCESS_VOLUME_PREFIX = "kube-api-access-";
const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";
/** utilrand.String's alphabet (no vowels, no confusable digits). */
const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

export function randomSuffix(bytes: Buffer, n = 5): string {
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHANUMS[bytes[i]! % ALPHANUMS.length];
  return s;
}

export interface ServiceAccountLookup {
  (namespace: string, name: string): Promise<KubeObject | undefined>;
}

/**
 * ServiceAccount admission for a new pod: defaults `serviceAccountName`, refuses a pod whose service
 * account does not exist, and mounts the `kube-api-access-<5>` projected volume in every container.
 */
export async function serviceAccountAdmission(pod: KubeObject, lookupSa: ServiceAccountLookup, randomBytes: () => Buffer): Promise<void> {
  const ann = pod.metadata.annotations ?? {};
  if (MIRROR_POD_ANNOTATION in ann) return;
  const spec = (isObj(pod.spec) ? pod.spec : (pod.spec = {})) as Obj;
  if (!spec.serviceAccountName) spec.serviceAccountName = "default";
  spec.serviceAccount = spec.serviceAccountName;
  const saName = String(spec.serviceAccountName);
  const ns = pod.metadata.namespace ?? "default";
  const sa = await lookupSa(ns, saName);
  if (!sa) {
    // admission.NewForbidden names the object by its name, else its generateName (names are generated later).
    const shown = pod.metadata.name || (typeof pod.metadata.generateName === "string" ? pod.metadata.generateName : "") || "Unknown";
    throw KubeErrors.forbidden("pods", shown, `error looking up service account ${ns}/${saName}: serviceaccount "${saName}" not found`);
  }
  const automount = spec.automountServiceAccountToken ?? (sa as Obj).automountServiceAccountToken ?? true;
  if (automount === false) return;

  const volumes = list(spec.volumes);
  const existing = volumes.find((v) => typeof v.name === "string" && v.name.startsWith(API_ACCESS_VOLUME_PREFIX));
  const volumeName = existing ? String(existing.name) : API_ACCESS_VOLUME_PREFIX + randomSuffix(randomBytes());
  let needsVolume = false;
  for (const field of ["initContainers", "containers"]) {
    for (const c of list(spec[field])) {
      const mounts = list(c.volumeMounts);
      if (mounts.some((m) => m.mountPath === API_TOKEN_MOUNT_PATH)) continue;
      c.volumeMounts = [...mounts, { name: volumeName, readOnly: true, mountPath: API_TOKEN_MOUNT_PATH }];
      needsVolume = true;
    }
  }
  if (!existing && needsVolume) {
    spec.volumes = [
      ...volumes,
      {
        name: volumeName,
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
            { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
            { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
          ],
          defaultMode: 420,
        },
      },
    ];
  }
}

const SYSTEM_PRIORITIES: Record<string, number> = { "system-node-critical": 2000001000, "system-cluster-critical": 2000000000 };

/** Priority admission: resolves `priorityClassName` (only the two system classes exist) or sets priority 0. */
export function priorityAdmission(pod: KubeObject): void {
  const spec = pod.spec as Obj;
  const cls = typeof spec.priorityClassName === "string" ? spec.priorityClassName : "";
  if (cls) {
    const p = SYSTEM_PRIORITIES[cls];
    if (p === undefined) throw KubeErrors.forbidden("pods", pod.metadata.name ?? "", `no PriorityClass with name ${cls} was found`);
    spec.priority = p;
  } else {
    spec.priority = 0;
  }
  if (!spec.preemptionPolicy) spec.preemptionPolicy = "PreemptLowerPriority";
}

/** DefaultTolerationSeconds: tolerate not-ready and unreachable nodes for 300 s unless the pod says otherwise. */
export function defaultTolerationSeconds(pod: KubeObject): void {
  const spec = pod.spec as Obj;
  const tolerations = list(spec.tolerations);
  const covered = (key: string) => tolerations.some((t) => (t.effect === "NoExecute" || !t.effect) && (t.key === key || (!t.key && t.operator === "Exists")));
  const add: Obj[] = [];
  for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
    if (!covered(key)) add.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
  }
  if (add.length) spec.tolerations = [...tolerations, ...add];
}

/** The in-tree plugins handle pod creation only (not its subresources). */
const POD_CREATE: Handles = { operations: ["CREATE"], resources: [{ group: "", resource: "pods", subresource: "" }] };

/** A stateless in-tree plugin: reinvocation runs it again. */
function inTreePlugin(name: string, run: (kube: KubeContext, r: AdmissionRequest, a: Attempt) => Promise<void> | void): AdmissionPlugin<undefined> {
  return { name, handles: POD_CREATE, inTree: true, admit: async (kube, r, a) => run(kube, r, a), reinvoke: async (kube, r, a) => run(kube, r, a) };
}

export const serviceAccountPlugin = inTreePlugin("ServiceAccount", (kube, r, a) =>
  serviceAccountAdmission(
    a.obj,
    (ns, name) => kube.storage.read((tx) => tx.get(r.clusterId, "serviceaccounts", ns, name)),
    () => kube.ctx.random.bytes(5),
  ),
);
export const priorityPlugin = inTreePlugin("Priority", (_kube, _r, a) => priorityAdmission(a.obj));
export const defaultTolerationSecondsPlugin = inTreePlugin("DefaultTolerationSeconds", (_kube, _r, a) => defaultTolerationSeconds(a.obj));

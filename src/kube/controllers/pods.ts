/** Pod helpers the workload controllers share (k8s.io/kubernetes/pkg/controller and pkg/api/v1/pod). Pure. */
import type { KubeObject } from "../KubeStorage.js";
import { controllerRef } from "./client.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

export const phaseOf = (p: KubeObject): string => String((isObj(p.status) ? p.status.phase : "") ?? "");

/** controller.IsPodActive: not finished and not being deleted. */
export function isPodActive(p: KubeObject): boolean {
  const phase = phaseOf(p);
  return phase !== "Succeeded" && phase !== "Failed" && !p.metadata.deletionTimestamp;
}

function readyCondition(p: KubeObject): Obj | undefined {
  return list(isObj(p.status) ? p.status.conditions : undefined).find((c) => c.type === "Ready");
}

/** podutil.IsPodReady. */
export function isPodReady(p: KubeObject): boolean {
  return readyCondition(p)?.status === "True";
}

/** podutil.IsPodAvailable: ready for at least minReadySeconds (lab-clock ms `now`). */
export function isPodAvailable(p: KubeObject, minReadySeconds: number, now: number): boolean {
  const c = readyCondition(p);
  if (c?.status !== "True") return false;
  if (minReadySeconds <= 0) return true;
  const t = Date.parse(String(c.lastTransitionTime ?? ""));
  return !Number.isNaN(t) && t + minReadySeconds * 1000 <= now;
}

/** getPodsPrefix: `<owner>-`, shortened so that generated names stay valid. */
export function podsPrefix(ownerName: string): string {
  const prefix = `${ownerName}-`;
  return prefix.length > 58 ? prefix.slice(0, 58) : prefix;
}

/**
 * controller.GetPodFromTemplate: the template's labels, annotations, finalizers and spec, `generateName`
 * from the owner and the owner as controller reference. Nothing else of the owner's metadata is copied.
 */
export function podFromTemplate(owner: KubeObject, template: Obj): KubeObject {
  const meta = isObj(template.metadata) ? template.metadata : {};
  const m: Obj = { generateName: podsPrefix(owner.metadata.name), namespace: owner.metadata.namespace, ownerReferences: [controllerRef(owner)] };
  if (isObj(meta.labels)) m.labels = structuredClone(meta.labels);
  if (isObj(meta.annotations)) m.annotations = structuredClone(meta.annotations);
  if (Array.isArray(meta.finalizers) && meta.finalizers.length) m.finalizers = structuredClone(meta.finalizers);
  return { apiVersion: "v1", kind: "Pod", metadata: m as KubeObject["metadata"], spec: structuredClone(isObj(template.spec) ? template.spec : {}) };
}

/** Sum of the restart counts of a pod's containers (init and regular). */
export function restartCount(p: KubeObject): number {
  const st = isObj(p.status) ? p.status : {};
  return [...list(st.initContainerStatuses), ...list(st.containerStatuses)].reduce((n, c) => n + (typeof c.restartCount === "number" ? c.restartCount : 0), 0);
}

/** When a finished pod finished: its containers' latest `finishedAt`, else its Ready condition's transition. */
export function finishedAt(p: KubeObject): number {
  const st = isObj(p.status) ? p.status : {};
  let t = Number.NaN;
  for (const c of list(st.containerStatuses)) {
    const term = isObj(c.state) && isObj(c.state.terminated) ? c.state.terminated : undefined;
    const f = Date.parse(String(term?.finishedAt ?? ""));
    if (!Number.isNaN(f) && (Number.isNaN(t) || f > t)) t = f;
  }
  if (Number.isNaN(t)) t = Date.parse(String(readyCondition(p)?.lastTransitionTime ?? p.metadata.creationTimestamp));
  return t;
}

/**
 * The order in which a ReplicaSet gives up pods (controller.ActivePods' Less, simplified): unscheduled,
 * pending, not ready, more restarts and newer pods go first.
 */
export function deletionOrder(a: KubeObject, b: KubeObject): number {
  const rank = (p: KubeObject) => [
    isObj(p.spec) && p.spec.nodeName ? 1 : 0,
    phaseOf(p) === "Running" ? 2 : phaseOf(p) === "Pending" ? 0 : 1,
    isPodReady(p) ? 1 : 0,
  ];
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
  if (restartCount(a) !== restartCount(b)) return restartCount(b) - restartCount(a);
  return Date.parse(b.metadata.creationTimestamp) - Date.parse(a.metadata.creationTimestamp);
}

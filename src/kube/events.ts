/**
 * Kubernetes `Event`s (core/v1), as kube-apiserver's controllers and the kubelet write them: on the object they
 * concern, with the component's reason and text, deduplicated like client-go's event correlator (the same
 * object, reason and message bump `count` and `lastTimestamp` on the existing Event).
 */
import type { KubeObject, KubeTx } from "./KubeStorage.js";

export type EventType = "Normal" | "Warning";

export interface EventSource {
  /** `default-scheduler`, `kubelet`, `replicaset-controller`, `deployment-controller`, `job-controller`, `wilab` … */
  component: string;
  /** The node name, for the kubelet. */
  host?: string;
}

export interface InvolvedObject {
  kind: string;
  apiVersion: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  /** e.g. `spec.containers{oidc}` for container events. */
  fieldPath?: string;
}

export interface EventInput {
  involved: InvolvedObject;
  type: EventType;
  reason: string;
  message: string;
  source: EventSource;
}

/** The involved-object reference for a stored object (optionally a container's field path). */
export function involvedObject(o: KubeObject, fieldPath?: string): InvolvedObject {
  return {
    kind: o.kind,
    apiVersion: o.apiVersion,
    name: o.metadata.name,
    namespace: o.metadata.namespace,
    uid: o.metadata.uid,
    resourceVersion: o.metadata.resourceVersion,
    ...(fieldPath ? { fieldPath } : {}),
  };
}

const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

/** Writes (or bumps) one Event inside a kube transaction. `now` is lab-clock ms; `suffix` names a new Event (16 hex). */
export async function recordEvent(ktx: KubeTx, clusterId: string, e: EventInput, now: number, suffix: string): Promise<KubeObject> {
  const ns = e.involved.namespace ?? "default";
  const ts = rfc3339(now);
  const existing = (await ktx.list(clusterId, "events", ns)).find((ev) => {
    const io = ev.involvedObject as InvolvedObject | undefined;
    return io?.uid === e.involved.uid && io?.name === e.involved.name && io?.kind === e.involved.kind && io?.fieldPath === e.involved.fieldPath && ev.reason === e.reason && ev.message === e.message && ev.type === e.type;
  });
  if (existing) {
    existing.count = ((existing.count as number | undefined) ?? 1) + 1;
    existing.lastTimestamp = ts;
    return ktx.update(clusterId, "events", existing);
  }
  const ev: KubeObject = {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${e.involved.name}.${suffix}`, namespace: ns, uid: "", resourceVersion: "", creationTimestamp: "" },
    involvedObject: e.involved,
    reason: e.reason,
    message: e.message,
    source: e.source,
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
    type: e.type,
    eventTime: null,
    reportingComponent: e.source.component,
    reportingInstance: e.source.host ?? "",
  };
  return ktx.create(clusterId, "events", ev);
}

/**
 * Kubernetes `Event`s (core/v1), as kube-apiserver's controllers and the kubelet write them: on the object they
 * concern, with the component's reason and text, deduplicated like client-go's event correlator (the same
 * source, object, reason and message bump `count` and `lastTimestamp` on the existing Event), and gone an hour
 * after their last write, like kube-apiserver's `--event-ttl` (1h by default) on the lab clock.
 */
import type { Random } from "../platform/index.js";
import type { KubeContext } from "./KubeContext.js";
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
  /**
   * Written through events.k8s.io/v1 (kube-scheduler does): `action`, `eventTime` and `reportingInstance` are set,
   * `source`, `firstTimestamp`, `lastTimestamp` and `count` are empty in the core/v1 view.
   */
  eventsApi?: { action: string; reportingInstance: string };
}

/** kube-apiserver's default `--event-ttl`. */
export const EVENT_TTL_MS = 3_600_000;

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
/** metav1.MicroTime: RFC 3339 with microseconds. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

let lastNanos = 0n;

/**
 * The name suffix client-go gives an Event: the hex of the time in nanoseconds (16 hex digits), here the lab
 * clock's with random sub-millisecond digits, kept increasing so that names sort in the order events were written.
 */
export function eventSuffix(now: number, random: Random): string {
  const sub = BigInt(random.bytes(4).readUInt32BE(0) % 1_000_000);
  let n = BigInt(Math.max(0, Math.floor(now))) * 1_000_000n + sub;
  if (n <= lastNanos && lastNanos - n < 3_600_000_000_000n) n = lastNanos + 1n + (sub % 1000n);
  lastNanos = n;
  return n.toString(16).padStart(16, "0");
}

/** When an Event was last written (what its etcd lease counts from). */
export function lastWritten(ev: KubeObject): number {
  const series = ev.series as { lastObservedTime?: string } | undefined;
  const stamps = [ev.lastTimestamp, ev.eventTime, series?.lastObservedTime, ev.firstTimestamp, ev.metadata.creationTimestamp];
  return Math.max(...stamps.map((s) => (typeof s === "string" ? Date.parse(s) : NaN)).filter((t) => !Number.isNaN(t)), -Infinity);
}

/** An Event older than the TTL: etcd has dropped it. */
export function eventExpired(ev: KubeObject, now: number): boolean {
  const t = lastWritten(ev);
  return Number.isFinite(t) && now - t >= EVENT_TTL_MS;
}

function sameEvent(ev: KubeObject, e: EventInput): boolean {
  const io = ev.involvedObject as InvolvedObject | undefined;
  const src = (ev.source as EventSource | undefined)?.component || (ev.reportingComponent as string | undefined);
  return (
    io?.uid === e.involved.uid &&
    io?.name === e.involved.name &&
    io?.kind === e.involved.kind &&
    io?.fieldPath === e.involved.fieldPath &&
    src === e.source.component &&
    ev.reason === e.reason &&
    ev.message === e.message &&
    ev.type === e.type
  );
}

/** What every new Event starts with, whichever API writes it. */
function eventHead(e: EventInput, meta: KubeObject["metadata"]) {
  return { apiVersion: "v1", kind: "Event", metadata: meta, involvedObject: e.involved, reason: e.reason, message: e.message };
}

/** A new Event written through events.k8s.io/v1: `eventTime`, `action`, `reportingInstance`; no source, timestamps or count. */
function eventsApiEvent(e: EventInput, api: { action: string; reportingInstance: string }, meta: KubeObject["metadata"], now: number): KubeObject {
  return {
    ...eventHead(e, meta),
    source: {},
    firstTimestamp: null,
    lastTimestamp: null,
    type: e.type,
    eventTime: microTime(now),
    action: api.action,
    reportingComponent: e.source.component,
    reportingInstance: api.reportingInstance,
  };
}

/** A new Event written through core/v1, as client-go's recorder does: source, first/last timestamp, count 1. */
function coreEvent(e: EventInput, meta: KubeObject["metadata"], ts: string): KubeObject {
  return {
    ...eventHead(e, meta),
    source: e.source,
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
    type: e.type,
    eventTime: null,
    reportingComponent: e.source.component,
    reportingInstance: e.source.host ?? "",
  };
}

/** Writes (or bumps) one Event inside a kube transaction. `now` is lab-clock ms; `suffix` names a new Event (see `eventSuffix`). */
export async function recordEvent(ktx: KubeTx, clusterId: string, e: EventInput, now: number, suffix: string): Promise<KubeObject> {
  const ns = e.involved.namespace ?? "default";
  const ts = rfc3339(now);
  let existing: KubeObject | undefined;
  for (const ev of await ktx.list(clusterId, "events", ns)) {
    if (eventExpired(ev, now)) await ktx.delete(clusterId, "events", ns, ev.metadata.name);
    else if (!existing && sameEvent(ev, e)) existing = ev;
  }
  if (existing) {
    if (existing.series && typeof existing.series === "object") {
      const s = existing.series as { count?: number };
      existing.series = { count: (s.count ?? 1) + 1, lastObservedTime: microTime(now) };
    } else if (existing.eventTime && !existing.lastTimestamp) {
      existing.series = { count: 2, lastObservedTime: microTime(now) };
    } else {
      existing.count = ((existing.count as number | undefined) ?? 1) + 1;
      existing.lastTimestamp = ts;
    }
    return ktx.update(clusterId, "events", existing);
  }
  const meta = { name: `${e.involved.name}.${suffix}`, namespace: ns, uid: "", resourceVersion: "", creationTimestamp: "" };
  const ev = e.eventsApi ? eventsApiEvent(e, e.eventsApi, meta, now) : coreEvent(e, meta, ts);
  return ktx.create(clusterId, "events", ev);
}

/**
 * Records an Event in its own transaction, as a component's event broadcaster does: never failing the caller's
 * work (a failure is logged and dropped). Nothing is written when the cluster or the namespace is gone.
 * Resolves to the Event written, or undefined.
 */
export async function emitEvent(kube: KubeContext, clusterId: string, e: EventInput): Promise<KubeObject | undefined> {
  try {
    if (!(await kube.cluster(clusterId))) return undefined;
    const ns = e.involved.namespace ?? "default";
    return await kube.storage.write(async (tx) => {
      if (!(await tx.get(clusterId, "namespaces", undefined, ns))) return undefined;
      const now = kube.ctx.clock.now();
      return recordEvent(tx, clusterId, e, now, eventSuffix(now, kube.ctx.random));
    });
  } catch (err) {
    kube.ctx.log.warn(`events: could not record ${e.reason} on ${e.involved.kind.toLowerCase()}/${e.involved.name}: ${(err as Error).message}`);
    return undefined;
  }
}

import { parseQuantity } from "./env.js";
import type { Container, ContainerStateJson, ContainerStatusJson, Pod, PodCondition, PodStatus } from "./types.js";
import { NODE_IP, POD_IP } from "./types.js";

/** A container's state as the kubelet tracks it (lab-clock ms). */
export type CState =
  | { kind: "waiting"; reason: string; message?: string }
  | { kind: "running"; startedAt: number }
  | { kind: "terminated"; exitCode: number; signal?: number; reason: string; message?: string; startedAt: number; finishedAt: number; containerID?: string };

export type Terminated = Extract<CState, { kind: "terminated" }>;

export interface ContainerView {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  restartCount: number;
  state: CState;
  lastState?: Terminated;
  started: boolean;
  ready: boolean;
  /** Init container with `restartPolicy: Always` (native sidecar). */
  sidecar?: boolean;
}

/** `2024-01-02T03:04:05Z`: metav1.Time (seconds). */
export function kubeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

export function stateJson(s: CState | undefined): ContainerStateJson {
  if (!s) return {};
  switch (s.kind) {
    case "waiting":
      return { waiting: { reason: s.reason, ...(s.message ? { message: s.message } : {}) } };
    case "running":
      return { running: { startedAt: kubeTime(s.startedAt) } };
    case "terminated":
      return {
        terminated: {
          exitCode: s.exitCode,
          ...(s.signal ? { signal: s.signal } : {}),
          reason: s.reason,
          ...(s.message ? { message: s.message } : {}),
          startedAt: kubeTime(s.startedAt),
          finishedAt: kubeTime(s.finishedAt),
          ...(s.containerID ? { containerID: s.containerID } : {}),
        },
      };
  }
}

export function containerStatusJson(c: ContainerView): ContainerStatusJson {
  return {
    name: c.name,
    state: stateJson(c.state),
    lastState: stateJson(c.lastState),
    ready: c.ready,
    restartCount: c.restartCount,
    image: c.image,
    imageID: c.imageID,
    ...(c.containerID ? { containerID: c.containerID } : {}),
    started: c.started,
  };
}

/** The pod phase from its containers (kubelet_pods.go getPhase). */
export function podPhase(restartPolicy: string | undefined, init: ContainerView[], containers: ContainerView[]): string {
  const policy = restartPolicy ?? "Always";
  let pendingInit = 0;
  let failedInit = 0;
  for (const c of init) {
    if (c.sidecar) {
      if (!c.started) pendingInit++;
      continue;
    }
    const s = c.state;
    if (s.kind === "running") pendingInit++;
    else if (s.kind === "terminated") {
      if (s.exitCode !== 0) failedInit++;
    } else if (c.lastState) {
      if (c.lastState.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of containers) {
    const s = c.state;
    if (s.kind === "running") running++;
    else if (s.kind === "terminated") {
      stopped++;
      if (s.exitCode === 0) succeeded++;
    } else if (c.lastState) stopped++;
    else waiting++;
  }
  if (failedInit > 0 && policy === "Never") return "Failed";
  const anyRegularStarted = containers.some((c) => c.started || c.state.kind !== "waiting" || c.lastState);
  if ((pendingInit > 0 && !anyRegularStarted) || waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    if (policy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (policy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}

/** Whether every init container is done (sidecars: started). */
export function initialized(init: ContainerView[]): { ok: boolean; incomplete: string[] } {
  const incomplete = init
    .filter((c) => (c.sidecar ? !c.started : !(c.state.kind === "terminated" && c.state.exitCode === 0)))
    .map((c) => c.name);
  return { ok: incomplete.length === 0, incomplete };
}

function cond(type: string, ok: boolean, now: number, prev: PodCondition[] | undefined, reason?: string, message?: string): PodCondition {
  const status = ok ? "True" : "False";
  const old = prev?.find((c) => c.type === type);
  const lastTransitionTime = old && old.status === status ? old.lastTransitionTime : kubeTime(now);
  return { type, status, lastProbeTime: null, lastTransitionTime, ...(ok || !reason ? {} : { reason }), ...(ok || !message ? {} : { message }) };
}

/** The pod's conditions in the kubelet's order: PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled. */
export function podConditions(o: { phase: string; sandboxReady: boolean; init: ContainerView[]; containers: ContainerView[]; now: number; prev?: PodCondition[] }): PodCondition[] {
  const { now, prev } = o;
  const init = initialized(o.init);
  const completed = o.phase === "Succeeded" || o.phase === "Failed";
  const unready = [...o.init.filter((c) => c.sidecar && !c.ready), ...o.containers.filter((c) => !c.ready)].map((c) => c.name);
  const ready = !completed && unready.length === 0 && init.ok;
  const notReadyReason = completed ? "PodCompleted" : "ContainersNotReady";
  const notReadyMessage = completed ? undefined : `containers with unready status: [${unready.join(" ")}]`;
  return [
    cond("PodReadyToStartContainers", o.sandboxReady && !completed, now, prev),
    cond("Initialized", init.ok, now, prev, completed && init.ok ? "PodCompleted" : "ContainersNotInitialized", `containers with incomplete status: [${init.incomplete.join(" ")}]`),
    cond("Ready", ready, now, prev, notReadyReason, notReadyMessage),
    cond("ContainersReady", ready, now, prev, notReadyReason, notReadyMessage),
    cond("PodScheduled", true, now, prev),
  ];
}

/** The QoS class (pkg/apis/core/helper/qos): BestEffort, Guaranteed or Burstable. */
export function qosClass(containers: Container[]): "BestEffort" | "Guaranteed" | "Burstable" {
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ["cpu", "memory"]) {
      const l = parseQuantity(lim[r]);
      const q = parseQuantity(req[r]) ?? l;
      if (l !== undefined || q !== undefined) any = true;
      if (l === undefined || q === undefined || l !== q) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/** The whole `status` the kubelet writes for a pod. */
export function buildPodStatus(o: {
  pod: Pod;
  now: number;
  startTime?: number;
  sandboxReady: boolean;
  init: ContainerView[];
  containers: ContainerView[];
  /** A terminal phase the pod already reached (never left). */
  terminalPhase?: string;
}): PodStatus {
  const prev = o.pod.status;
  const computed = podPhase(o.pod.spec.restartPolicy, o.init, o.containers);
  const phase = o.terminalPhase ?? computed;
  const status: PodStatus = {
    phase,
    conditions: podConditions({ phase, sandboxReady: o.sandboxReady, init: o.init, containers: o.containers, now: o.now, prev: prev?.conditions }),
    hostIP: NODE_IP,
    hostIPs: [{ ip: NODE_IP }],
    podIP: POD_IP,
    podIPs: [{ ip: POD_IP }],
    startTime: o.startTime !== undefined ? kubeTime(o.startTime) : undefined,
    ...(o.init.length ? { initContainerStatuses: o.init.map(containerStatusJson) } : {}),
    containerStatuses: o.containers.map(containerStatusJson),
    qosClass: prev?.qosClass ?? qosClass([...(o.pod.spec.initContainers ?? []), ...o.pod.spec.containers]),
  };
  if (status.startTime === undefined) delete status.startTime;
  return status;
}

/** Go's time.Duration.String for whole seconds: `10s`, `1m20s`, `5m0s`. */
export function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}

/** The CrashLoopBackOff delays: 0 (first restart), then 10 s doubling up to 5 min. */
export function nextBackoff(previousMs: number | undefined): number {
  if (previousMs === undefined) return 0;
  if (previousMs === 0) return 10_000;
  return Math.min(previousMs * 2, 300_000);
}

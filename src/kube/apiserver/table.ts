/** `meta.k8s.io/v1 Table` output, with the columns kube-apiserver's printers give (pkg/printers/internalversion). */
import type { KubeObject } from "../KubeStorage.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

export interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

const col = (name: string, type: string, description: string, priority = 0, format = ""): Column => ({ name, type, format, description, priority });
const NAME = col("Name", "string", "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names", 0, "name");
const AGE = col("Age", "string", "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata");

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

function age(o: KubeObject, now: number): string {
  const t = Date.parse(o.metadata.creationTimestamp ?? "");
  return Number.isNaN(t) ? "<unknown>" : humanDuration(now - t);
}

/** kubectl's pod STATUS, READY and RESTARTS (printPod). */
export function podCells(pod: KubeObject, now: number): unknown[] {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const status = isObj(pod.status) ? pod.status : {};
  const containers = list(spec.containers);
  let restarts = 0;
  let ready = 0;
  let reason = String(status.reason || status.phase || "");
  let lastRestart = 0;
  const initStatuses = list(status.initContainerStatuses);
  const initSpecs = list(spec.initContainers);
  let initializing = false;
  initStatuses.forEach((c, i) => {
    restarts += Number(c.restartCount ?? 0);
    const state = isObj(c.state) ? c.state : {};
    const term = isObj(state.terminated) ? state.terminated : undefined;
    const wait = isObj(state.waiting) ? state.waiting : undefined;
    const sidecar = initSpecs[i]?.restartPolicy === "Always";
    if (term && term.exitCode === 0) return;
    if (sidecar && c.started === true) return;
    if (term) {
      reason = term.reason ? `Init:${String(term.reason)}` : term.signal ? `Init:Signal:${String(term.signal)}` : `Init:ExitCode:${String(term.exitCode)}`;
      initializing = true;
    } else if (wait && wait.reason && wait.reason !== "PodInitializing") {
      reason = `Init:${String(wait.reason)}`;
      initializing = true;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
      initializing = true;
    }
  });
  if (!initializing) {
    restarts = 0;
    let hasRunning = false;
    const statuses = list(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += Number(c.restartCount ?? 0);
      const last = isObj(c.lastState) && isObj(c.lastState.terminated) ? Date.parse(String(c.lastState.terminated.finishedAt ?? "")) : NaN;
      if (!Number.isNaN(last) && last > lastRestart) lastRestart = last;
      const state = isObj(c.state) ? c.state : {};
      const wait = isObj(state.waiting) ? state.waiting : undefined;
      const term = isObj(state.terminated) ? state.terminated : undefined;
      if (wait && wait.reason) reason = String(wait.reason);
      else if (term && term.reason) reason = String(term.reason);
      else if (term) reason = term.signal ? `Signal:${String(term.signal)}` : `ExitCode:${String(term.exitCode)}`;
      else if (c.ready === true && isObj(state.running)) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      const readyCond = list(status.conditions).find((c) => c.type === "Ready");
      reason = readyCond?.status === "True" ? "Running" : "NotReady";
    }
  }
  if (pod.metadata.deletionTimestamp) reason = status.reason === "NodeLost" ? "Unknown" : "Terminating";
  const restartCell = lastRestart ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
  const none = "<none>";
  const ip = typeof status.podIP === "string" && status.podIP ? status.podIP : none;
  const node = typeof spec.nodeName === "string" && spec.nodeName ? spec.nodeName : none;
  const nominated = typeof status.nominatedNodeName === "string" && status.nominatedNodeName ? status.nominatedNodeName : none;
  const gates = list(spec.readinessGates);
  const gateCell = gates.length
    ? `${gates.filter((g) => list(status.conditions).some((c) => c.type === g.conditionType && c.status === "True")).length}/${gates.length}`
    : none;
  return [pod.metadata.name, `${ready}/${containers.length}`, reason, restartCell, age(pod, now), ip, node, nominated, gateCell];
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

function since(stamp: unknown, now: number): string {
  const t = Date.parse(str(stamp));
  return Number.isNaN(t) ? "<unknown>" : humanDuration(now - t);
}

/** printEvent (wide): an Event written through events.k8s.io/v1 has only eventTime and maybe a series. */
function eventCells(o: KubeObject, now: number): unknown[] {
  const io = isObj(o.involvedObject) ? o.involvedObject : {};
  const source = isObj(o.source) ? o.source : {};
  const first = str(o.firstTimestamp) ? since(o.firstTimestamp, now) : since(o.eventTime, now);
  let last = str(o.lastTimestamp) ? since(o.lastTimestamp, now) : first;
  let count = typeof o.count === "number" ? o.count : 0;
  if (isObj(o.series)) {
    last = since(o.series.lastObservedTime, now);
    count = typeof o.series.count === "number" ? o.series.count : 0;
  } else if (count === 0) count = 1;
  const kind = str(io.kind).toLowerCase();
  const target = str(io.name) ? `${kind}/${str(io.name)}` : kind;
  const component = str(source.component) || str(o.reportingComponent);
  const instance = str(source.host) || str(o.reportingInstance);
  return [last, str(o.type), str(o.reason), target, str(io.fieldPath), instance ? `${component}, ${instance}` : component, str(o.message).trim(), first, count, o.metadata.name];
}

export interface Printer {
  columns: Column[];
  cells(o: KubeObject, now: number): unknown[];
}

/** The Table printers of the kinds with their own columns (pkg/printers/internalversion); a kind's strategy names its printer. */
export const PRINTERS: Record<string, Printer> = {
  Pod: {
    columns: [
      NAME,
      col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
      col("Status", "string", "The aggregate status of the containers in this pod."),
      col("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
      AGE,
      col("IP", "string", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
      col("Node", "string", "NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.", 1),
      col("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.", 1),
      col("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates", 1),
    ],
    cells: podCells,
  },
  Namespace: {
    columns: [NAME, col("Status", "string", "The status of the namespace"), AGE],
    cells: (o, now) => [o.metadata.name, String((isObj(o.status) && o.status.phase) || ""), age(o, now)],
  },
  ServiceAccount: {
    columns: [NAME, col("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret"), AGE],
    cells: (o, now) => [o.metadata.name, list(o.secrets).length, age(o, now)],
  },
  ConfigMap: {
    columns: [NAME, col("Data", "string", "Data contains the configuration data."), AGE],
    cells: (o, now) => [o.metadata.name, Object.keys(isObj(o.data) ? o.data : {}).length + Object.keys(isObj(o.binaryData) ? o.binaryData : {}).length, age(o, now)],
  },
  Secret: {
    columns: [NAME, col("Type", "string", "The type of data stored in the secret"), col("Data", "string", "The number of data points stored in the secret"), AGE],
    cells: (o, now) => [o.metadata.name, String(o.type ?? ""), Object.keys(isObj(o.data) ? o.data : {}).length, age(o, now)],
  },
  Service: {
    columns: [
      NAME,
      col("Type", "string", "The type of service."),
      col("Cluster-IP", "string", "The cluster IP of the service."),
      col("External-IP", "string", "The external IP of the service."),
      col("Port(s)", "string", "The ports of the service."),
      AGE,
      col("Selector", "string", "The selector of the service.", 1),
    ],
    cells: (o, now) => {
      const spec = isObj(o.spec) ? o.spec : {};
      const ports = list(spec.ports).map((p) => `${String(p.port)}${p.nodePort ? `:${String(p.nodePort)}` : ""}/${String(p.protocol ?? "TCP")}`).join(",");
      const selector = Object.entries(isObj(spec.selector) ? spec.selector : {}).map(([k, v]) => `${k}=${String(v)}`).join(",");
      return [o.metadata.name, String(spec.type ?? "ClusterIP"), String(spec.clusterIP ?? "<none>"), list(spec.externalIPs).join(",") || "<none>", ports || "<none>", age(o, now), selector || "<none>"];
    },
  },
  ClusterRoleBinding: {
    columns: [NAME, col("Role", "string", "The role of the binding."), AGE],
    cells: (o, now) => {
      const ref = isObj(o.roleRef) ? o.roleRef : {};
      return [o.metadata.name, `${String(ref.kind ?? "")}/${String(ref.name ?? "")}`, age(o, now)];
    },
  },
  MutatingWebhookConfiguration: {
    columns: [NAME, col("Webhooks", "integer", "Webhooks indicates the number of webhooks."), AGE],
    cells: (o, now) => [o.metadata.name, list(o.webhooks).length, age(o, now)],
  },
  Event: {
    columns: [
      col("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
      col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
      col("Reason", "string", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
      col("Object", "string", "The object that this event is about."),
      col("Subobject", "string", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.", 1),
      col("Source", "string", "The component reporting this event. Should be a short machine understandable string.", 1),
      col("Message", "string", "A human-readable description of the status of this operation."),
      col("First Seen", "string", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", 1),
      col("Count", "string", "The number of times this event has occurred.", 1),
      { ...NAME, priority: 1 },
    ],
    cells: eventCells,
  },
};

const CONTAINERS = col("Containers", "string", "Names of each container in the template.", 1);
const IMAGES = col("Images", "string", "Images referenced by each container in the template.", 1);
const num = (v: unknown): number => (typeof v === "number" ? v : 0);
const specOf = (o: KubeObject): Obj => (isObj(o.spec) ? o.spec : {});
const statusOf = (o: KubeObject): Obj => (isObj(o.status) ? o.status : {});

/** layoutContainerCells: names and images of a template's containers, comma-separated. */
function containerCells(o: KubeObject): [string, string] {
  const t = isObj(specOf(o).template) ? (specOf(o).template as Obj) : {};
  const cs = list(isObj(t.spec) ? t.spec.containers : undefined);
  return [cs.map((c) => String(c.name ?? "")).join(","), cs.map((c) => String(c.image ?? "")).join(",")];
}

/** metav1.FormatLabelSelector. */
export function formatLabelSelector(sel: unknown): string {
  if (!isObj(sel)) return "<none>";
  const parts: string[] = [];
  const ml = isObj(sel.matchLabels) ? (sel.matchLabels as Record<string, string>) : {};
  for (const k of Object.keys(ml).sort()) parts.push(`${k}=${ml[k]}`);
  for (const e of list(sel.matchExpressions)) {
    const vals = Array.isArray(e.values) ? (e.values as string[]) : [];
    const key = String(e.key ?? "");
    switch (e.operator) {
      case "In":
        parts.push(`${key} in (${vals.join(",")})`);
        break;
      case "NotIn":
        parts.push(`${key} notin (${vals.join(",")})`);
        break;
      case "Exists":
        parts.push(key);
        break;
      case "DoesNotExist":
        parts.push(`!${key}`);
        break;
    }
  }
  const s = parts.join(",");
  return s === "" ? "<none>" : s;
}

const wide = (o: KubeObject): unknown[] => [...containerCells(o), formatLabelSelector(specOf(o).selector)];

/** A workload's columns: NAME, its own, AGE, then the wide CONTAINERS, IMAGES and SELECTOR (described as its type's selector field is). */
const workloadColumns = (own: Column[], selector: string): Column[] => [NAME, ...own, AGE, CONTAINERS, IMAGES, col("Selector", "string", selector, 1)];

/** The Job STATUS column (printJob). */
export function jobStatusCell(o: KubeObject): string {
  const has = (t: string) => list(statusOf(o).conditions).some((c) => c.type === t && c.status === "True");
  if (has("Complete")) return "Complete";
  if (has("Failed")) return "Failed";
  if (o.metadata.deletionTimestamp) return "Terminating";
  if (has("Suspended")) return "Suspended";
  if (has("FailureTarget")) return "FailureTarget";
  if (has("SuccessCriteriaMet")) return "SuccessCriteriaMet";
  return "Running";
}

function jobCells(o: KubeObject, now: number): unknown[] {
  const spec = specOf(o);
  const st = statusOf(o);
  const succeeded = num(st.succeeded);
  let completions: string;
  if (typeof spec.completions === "number") completions = `${succeeded}/${spec.completions}`;
  else completions = num(spec.parallelism) > 1 ? `${succeeded}/1 of ${num(spec.parallelism)}` : `${succeeded}/1`;
  const start = Date.parse(String(st.startTime ?? ""));
  const end = Date.parse(String(st.completionTime ?? ""));
  const duration = Number.isNaN(start) ? "" : humanDuration((Number.isNaN(end) ? now : end) - start);
  return [o.metadata.name, jobStatusCell(o), completions, duration, age(o, now), ...wide(o)];
}

export const WORKLOADS: Record<string, Printer> = {
  Deployment: {
    columns: workloadColumns(
      [
        col("Ready", "string", "Number of the pod with ready state"),
        col("Up-to-date", "string", "Total number of non-terminating pods targeted by this deployment that have the desired template spec."),
        col("Available", "string", "Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment."),
      ],
      "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.",
    ),
    cells: (o, now) => {
      const st = statusOf(o);
      return [o.metadata.name, `${num(st.readyReplicas)}/${num(specOf(o).replicas)}`, num(st.updatedReplicas), num(st.availableReplicas), age(o, now), ...wide(o)];
    },
  },
  ReplicaSet: {
    columns: workloadColumns(
      [
        col("Desired", "integer", "Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1."),
        col("Current", "integer", "Replicas is the most recently observed number of non-terminating pods."),
        col("Ready", "integer", "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."),
      ],
      "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set.",
    ),
    cells: (o, now) => {
      const st = statusOf(o);
      return [o.metadata.name, num(specOf(o).replicas), num(st.replicas), num(st.readyReplicas), age(o, now), ...wide(o)];
    },
  },
  Job: {
    columns: workloadColumns(
      [
        col("Status", "string", "Status of the job."),
        col("Completions", "string", "The number of pods which reached phase Succeeded."),
        col("Duration", "string", "Time required to complete the job."),
      ],
      "A label query over pods that should match the pod count. Normally, the system sets this field for you.",
    ),
    cells: jobCells,
  },
};

/** The default printer (Name, Created At), for kinds without columns of their own. */
export const DEFAULT_PRINTER: Printer = {
  columns: [NAME, col("Created At", "date", "CreationTimestamp is a timestamp representing the server time when this object was created.")],
  cells: (o) => [o.metadata.name, o.metadata.creationTimestamp],
};

export type IncludeObject = "None" | "Metadata" | "Object";

function rowObject(o: KubeObject, include: IncludeObject): unknown {
  if (include === "None") return undefined;
  if (include === "Object") return o;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
}

/** A Table of objects; `meta` carries the list's resourceVersion/continue. */
export function toTable(kind: string | Printer, objs: KubeObject[], now: number, include: IncludeObject, meta: Record<string, unknown> = {}, withColumns = true): Record<string, unknown> {
  const p = typeof kind === "string" ? (PRINTERS[kind] ?? WORKLOADS[kind] ?? DEFAULT_PRINTER) : kind;
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: meta,
    columnDefinitions: withColumns ? p.columns : null,
    rows: objs.map((o) => {
      const row: Record<string, unknown> = { cells: p.cells(o, now) };
      const obj = rowObject(o, include);
      if (obj !== undefined) row.object = obj;
      return row;
    }),
  };
}

/** Does an Accept header ask for a Table (`application/json;as=Table;v=v1;g=meta.k8s.io`)? */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  for (const part of accept.split(",")) {
    const params = part.split(";").map((s) => s.trim());
    if (params.includes("as=Table") && params.includes("g=meta.k8s.io") && (params.includes("v=v1") || params.includes("v=v1beta1"))) return true;
    if (params[0] === "application/json" && params.length === 1) return false;
    if (params[0] === "*/*") return false;
  }
  return false;
}

/**
 * The Go types of the kinds the lab serves, reduced to what the API server needs: field names (for
 * strict decoding: unknown fields, JSON type mismatches) and strategic-merge metadata (patchMergeKey,
 * patchStrategy). Subtrees the lab does not look into are `any`.
 */

export type Schema =
  | { t: "any" }
  | { t: "string" | "int32" | "int64" | "bool" | "float" | "bytes" }
  | { t: "object"; go: string; fields: Record<string, Schema>; retainKeys?: boolean }
  | { t: "array"; item: Schema; mergeKey?: string; strategy?: "merge" }
  | { t: "map"; value: Schema };

export type ObjectSchema = Extract<Schema, { t: "object" }>;

const any: Schema = { t: "any" };
const str: Schema = { t: "string" };
const i32: Schema = { t: "int32" };
const i64: Schema = { t: "int64" };
const bool: Schema = { t: "bool" };
/** Go's []byte: a JSON string holding standard base64. */
const bytes: Schema = { t: "bytes" };
const obj = (go: string, fields: Record<string, Schema>, o: { retainKeys?: boolean } = {}): ObjectSchema => ({ t: "object", go, fields, ...o });
const arr = (item: Schema, mergeKey?: string): Schema => (mergeKey ? { t: "array", item, mergeKey, strategy: "merge" } : { t: "array", item });
const set = (item: Schema): Schema => ({ t: "array", item, strategy: "merge" });
const map = (value: Schema): Schema => ({ t: "map", value });
const anyOf = (go: string, names: string[]): ObjectSchema => obj(go, Object.fromEntries(names.map((n) => [n, any])));

export const labelSelector = obj("LabelSelector", {
  matchLabels: map(str),
  matchExpressions: arr(obj("LabelSelectorRequirement", { key: str, operator: str, values: arr(str) })),
});

export const objectMeta = obj("ObjectMeta", {
  name: str,
  generateName: str,
  namespace: str,
  selfLink: str,
  uid: str,
  resourceVersion: str,
  generation: i64,
  creationTimestamp: any,
  deletionTimestamp: any,
  deletionGracePeriodSeconds: i64,
  labels: map(str),
  annotations: map(str),
  ownerReferences: arr(any, "uid"),
  finalizers: set(str),
  managedFields: arr(any),
});

const keyToPath = obj("KeyToPath", { key: str, path: str, mode: i32 });
const downwardAPIVolumeFile = obj("DownwardAPIVolumeFile", { path: str, fieldRef: any, resourceFieldRef: any, mode: i32 });
const volumeProjection = obj("VolumeProjection", {
  secret: obj("SecretProjection", { name: str, items: arr(keyToPath), optional: bool }),
  downwardAPI: obj("DownwardAPIProjection", { items: arr(downwardAPIVolumeFile) }),
  configMap: obj("ConfigMapProjection", { name: str, items: arr(keyToPath), optional: bool }),
  serviceAccountToken: obj("ServiceAccountTokenProjection", { audience: str, expirationSeconds: i64, path: str }),
  clusterTrustBundle: any,
});

export const volume = obj(
  "Volume",
  {
    name: str,
    ...Object.fromEntries(
      [
        "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs",
        "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume",
        "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
      ].map((n) => [n, any]),
    ),
    secret: obj("SecretVolumeSource", { secretName: str, items: arr(keyToPath), defaultMode: i32, optional: bool }),
    configMap: obj("ConfigMapVolumeSource", { name: str, items: arr(keyToPath), defaultMode: i32, optional: bool }),
    downwardAPI: obj("DownwardAPIVolumeSource", { items: arr(downwardAPIVolumeFile), defaultMode: i32 }),
    projected: obj("ProjectedVolumeSource", { sources: arr(volumeProjection), defaultMode: i32 }),
  },
  { retainKeys: true },
);

const envVar = obj("EnvVar", {
  name: str,
  value: str,
  valueFrom: obj("EnvVarSource", {
    fieldRef: obj("ObjectFieldSelector", { apiVersion: str, fieldPath: str }),
    resourceFieldRef: any,
    configMapKeyRef: obj("ConfigMapKeySelector", { name: str, key: str, optional: bool }),
    secretKeyRef: obj("SecretKeySelector", { name: str, key: str, optional: bool }),
  }),
});

const containerFields: Record<string, Schema> = {
  name: str,
  image: str,
  command: arr(str),
  args: arr(str),
  workingDir: str,
  ports: arr(obj("ContainerPort", { name: str, hostPort: i32, containerPort: i32, protocol: str, hostIP: str }), "containerPort"),
  envFrom: arr(any),
  env: arr(envVar, "name"),
  resources: any,
  resizePolicy: arr(any),
  restartPolicy: str,
  volumeMounts: arr(
    obj("VolumeMount", { name: str, readOnly: bool, recursiveReadOnly: str, mountPath: str, subPath: str, mountPropagation: str, subPathExpr: str }),
    "mountPath",
  ),
  volumeDevices: arr(any, "devicePath"),
  livenessProbe: any,
  readinessProbe: any,
  startupProbe: any,
  lifecycle: any,
  terminationMessagePath: str,
  terminationMessagePolicy: str,
  imagePullPolicy: str,
  securityContext: any,
  stdin: bool,
  stdinOnce: bool,
  tty: bool,
};
export const container = obj("Container", containerFields);
const ephemeralContainer = obj("EphemeralContainer", { ...containerFields, targetContainerName: str });

const toleration = obj("Toleration", { key: str, operator: str, value: str, effect: str, tolerationSeconds: i64 });

export const podSpec = obj("PodSpec", {
  volumes: arr(volume, "name"),
  initContainers: arr(container, "name"),
  containers: arr(container, "name"),
  ephemeralContainers: arr(ephemeralContainer, "name"),
  restartPolicy: str,
  terminationGracePeriodSeconds: i64,
  activeDeadlineSeconds: i64,
  dnsPolicy: str,
  nodeSelector: map(str),
  serviceAccountName: str,
  serviceAccount: str,
  automountServiceAccountToken: bool,
  nodeName: str,
  hostNetwork: bool,
  hostPID: bool,
  hostIPC: bool,
  shareProcessNamespace: bool,
  securityContext: any,
  imagePullSecrets: arr(obj("LocalObjectReference", { name: str }), "name"),
  hostname: str,
  subdomain: str,
  affinity: any,
  schedulerName: str,
  tolerations: arr(toleration),
  hostAliases: arr(any, "ip"),
  priorityClassName: str,
  priority: i32,
  dnsConfig: any,
  readinessGates: arr(any),
  runtimeClassName: str,
  enableServiceLinks: bool,
  preemptionPolicy: str,
  overhead: any,
  topologySpreadConstraints: arr(any, "topologyKey"),
  setHostnameAsFQDN: bool,
  os: any,
  hostUsers: bool,
  schedulingGates: arr(any, "name"),
  resourceClaims: arr(any, "name"),
  resources: any,
});

const podStatus = obj("PodStatus", {
  observedGeneration: i64,
  phase: str,
  conditions: arr(any, "type"),
  message: str,
  reason: str,
  nominatedNodeName: str,
  hostIP: str,
  hostIPs: arr(any, "ip"),
  podIP: str,
  podIPs: arr(any, "ip"),
  startTime: any,
  initContainerStatuses: arr(any),
  containerStatuses: arr(any),
  qosClass: str,
  ephemeralContainerStatuses: arr(any),
  resize: str,
  resourceClaimStatuses: arr(any, "name"),
});

const policyRule = obj("PolicyRule", { verbs: arr(str), apiGroups: arr(str), resources: arr(str), resourceNames: arr(str), nonResourceURLs: arr(str) });
const top = (go: string, fields: Record<string, Schema>): ObjectSchema => obj(go, { apiVersion: str, kind: str, metadata: objectMeta, ...fields });

const rule = obj("RuleWithOperations", { operations: arr(str), apiGroups: arr(str), apiVersions: arr(str), resources: arr(str), scope: str });
const mutatingWebhook = obj("MutatingWebhook", {
  name: str,
  clientConfig: obj("WebhookClientConfig", {
    url: str,
    service: obj("ServiceReference", { namespace: str, name: str, path: str, port: i32 }),
    caBundle: str,
  }),
  rules: arr(rule),
  failurePolicy: str,
  matchPolicy: str,
  namespaceSelector: labelSelector,
  objectSelector: labelSelector,
  sideEffects: str,
  timeoutSeconds: i32,
  admissionReviewVersions: arr(str),
  reinvocationPolicy: str,
  matchConditions: arr(anyOf("MatchCondition", ["name", "expression"]), "name"),
});

export const podTemplateSpec = obj("PodTemplateSpec", { metadata: objectMeta, spec: podSpec });

const intOrString: Schema = any;
const condition = (go: string) =>
  obj(go, { type: str, status: str, lastProbeTime: any, lastUpdateTime: any, lastTransitionTime: any, reason: str, message: str });

const deploymentSpec = obj("DeploymentSpec", {
  replicas: i32,
  selector: labelSelector,
  template: podTemplateSpec,
  strategy: obj("DeploymentStrategy", { type: str, rollingUpdate: obj("RollingUpdateDeployment", { maxUnavailable: intOrString, maxSurge: intOrString }) }, { retainKeys: true }),
  minReadySeconds: i32,
  revisionHistoryLimit: i32,
  paused: bool,
  progressDeadlineSeconds: i32,
});
const deploymentStatus = obj("DeploymentStatus", {
  observedGeneration: i64,
  replicas: i32,
  updatedReplicas: i32,
  readyReplicas: i32,
  availableReplicas: i32,
  unavailableReplicas: i32,
  terminatingReplicas: i32,
  conditions: arr(condition("DeploymentCondition"), "type"),
  collisionCount: i32,
});
const replicaSetSpec = obj("ReplicaSetSpec", { replicas: i32, minReadySeconds: i32, selector: labelSelector, template: podTemplateSpec });
const replicaSetStatus = obj("ReplicaSetStatus", {
  replicas: i32,
  fullyLabeledReplicas: i32,
  readyReplicas: i32,
  availableReplicas: i32,
  terminatingReplicas: i32,
  observedGeneration: i64,
  conditions: arr(condition("ReplicaSetCondition"), "type"),
});
const jobSpec = obj("JobSpec", {
  parallelism: i32,
  completions: i32,
  activeDeadlineSeconds: i64,
  podFailurePolicy: any,
  successPolicy: any,
  backoffLimit: i32,
  backoffLimitPerIndex: i32,
  maxFailedIndexes: i32,
  selector: labelSelector,
  manualSelector: bool,
  template: podTemplateSpec,
  ttlSecondsAfterFinished: i32,
  completionMode: str,
  suspend: bool,
  podReplacementPolicy: str,
  managedBy: str,
});
const jobStatus = obj("JobStatus", {
  conditions: arr(condition("JobCondition"), "type"),
  startTime: any,
  completionTime: any,
  active: i32,
  succeeded: i32,
  failed: i32,
  terminating: i32,
  completedIndexes: str,
  failedIndexes: str,
  uncountedTerminatedPods: any,
  ready: i32,
});

/** The schema of each served kind, by kind. */
export const SCHEMAS: Record<string, ObjectSchema> = {
  Pod: top("Pod", { spec: podSpec, status: podStatus }),
  ServiceAccount: top("ServiceAccount", {
    secrets: arr(anyOf("ObjectReference", ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"]), "name"),
    imagePullSecrets: arr(obj("LocalObjectReference", { name: str }), "name"),
    automountServiceAccountToken: bool,
  }),
  ConfigMap: top("ConfigMap", { immutable: bool, data: map(str), binaryData: map(bytes) }),
  Secret: top("Secret", { immutable: bool, data: map(bytes), stringData: map(str), type: str }),
  Namespace: top("Namespace", { spec: obj("NamespaceSpec", { finalizers: arr(str) }), status: obj("NamespaceStatus", { phase: str, conditions: arr(any, "type") }) }),
  Event: top("Event", {
    involvedObject: any,
    reason: str,
    message: str,
    source: any,
    firstTimestamp: any,
    lastTimestamp: any,
    count: i32,
    type: str,
    eventTime: any,
    series: any,
    action: str,
    related: any,
    reportingComponent: str,
    reportingInstance: str,
  }),
  MutatingWebhookConfiguration: top("MutatingWebhookConfiguration", { webhooks: arr(mutatingWebhook, "name") }),
  Service: top("Service", {
    spec: obj("ServiceSpec", {
      selector: map(str),
      ports: arr(obj("ServicePort", { name: str, protocol: str, appProtocol: str, port: i32, targetPort: intOrString, nodePort: i32 }), "port"),
      type: str,
      clusterIP: str,
      clusterIPs: arr(str),
      externalIPs: arr(str),
      externalName: str,
      externalTrafficPolicy: str,
      internalTrafficPolicy: str,
      ipFamilies: arr(str),
      ipFamilyPolicy: str,
      loadBalancerIP: str,
      loadBalancerSourceRanges: arr(str),
      publishNotReadyAddresses: bool,
      sessionAffinity: str,
      sessionAffinityConfig: any,
      allocateLoadBalancerNodePorts: bool,
      loadBalancerClass: str,
      healthCheckNodePort: i32,
      trafficDistribution: str,
    }),
    status: obj("ServiceStatus", { loadBalancer: any, conditions: arr(any, "type") }),
  }),
  ClusterRole: top("ClusterRole", { rules: arr(policyRule), aggregationRule: obj("AggregationRule", { clusterRoleSelectors: arr(labelSelector) }) }),
  ClusterRoleBinding: top("ClusterRoleBinding", {
    roleRef: obj("RoleRef", { apiGroup: str, kind: str, name: str }),
    subjects: arr(obj("Subject", { kind: str, apiGroup: str, name: str, namespace: str })),
  }),
  TokenRequest: top("TokenRequest", {
    spec: obj("TokenRequestSpec", { audiences: arr(str), expirationSeconds: i64, boundObjectRef: anyOf("BoundObjectReference", ["kind", "apiVersion", "name", "uid"]) }),
    status: any,
  }),
  Deployment: top("Deployment", { spec: deploymentSpec, status: deploymentStatus }),
  ReplicaSet: top("ReplicaSet", { spec: replicaSetSpec, status: replicaSetStatus }),
  Job: top("Job", { spec: jobSpec, status: jobStatus }),
  Scale: top("Scale", { spec: obj("ScaleSpec", { replicas: i32 }), status: obj("ScaleStatus", { replicas: i32, selector: str }) }),
  DeleteOptions: obj("DeleteOptions", {
    kind: str,
    apiVersion: str,
    gracePeriodSeconds: i64,
    preconditions: obj("Preconditions", { uid: str, resourceVersion: str }),
    orphanDependents: bool,
    propagationPolicy: str,
    dryRun: arr(str),
  }),
};

/**
 * encoding/json decodes a []byte with base64.StdEncoding, which skips '\r' and '\n' and requires padding; its error
 * is base64.CorruptInputError's "illegal base64 data at input byte N" (N: the offset of the first bad quantum's
 * character, or of an incomplete last quantum).
 */
export function base64Error(v: string): string | undefined {
  const chars = [...v].map((c, i) => ({ c, i })).filter(({ c }) => c !== "\r" && c !== "\n");
  const bad = (i: number) => `illegal base64 data at input byte ${i}`;
  for (let k = 0; k < chars.length; k++) {
    const { c, i } = chars[k]!;
    if (c === "=") {
      // Padding only in the last two places of the final quantum ("x=" alone is one '=' short), then nothing more.
      const at = k % 4;
      if (at < 2 || (at === 2 && chars[k + 1]?.c !== "=")) return bad(i);
      const end = at === 2 ? k + 2 : k + 1;
      return end < chars.length ? bad(chars[end]!.i) : undefined;
    }
    if (!/[A-Za-z0-9+/]/.test(c)) return bad(i);
  }
  return chars.length % 4 === 0 ? undefined : bad(chars[chars.length - (chars.length % 4)]!.i);
}

export interface DecodeResult {
  /** Paths of fields the type does not have (`spec.containers[0].foo`), in document order. */
  unknown: string[];
  /** The first JSON type mismatch, in Go's encoding/json words. */
  typeError?: string;
}

function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}

function goType(s: Schema): string {
  switch (s.t) {
    case "string":
      return "string";
    case "int32":
      return "int32";
    case "int64":
      return "int64";
    case "bool":
      return "bool";
    case "float":
      return "float64";
    case "bytes":
      return "[]uint8";
    case "object":
      return `v1.${s.go}`;
    case "array":
      return `[]${goType(s.item)}`;
    case "map":
      return `map[string]${goType(s.value)}`;
    default:
      return "interface {}";
  }
}

/**
 * Walks a decoded JSON value against a schema; removes unknown fields from it in place (kube drops them
 * when it decodes into its structs) and reports them and the first type mismatch.
 */
export function decodeInto(schema: Schema, value: unknown): DecodeResult {
  const res: DecodeResult = { unknown: [] };
  const walk = (s: Schema, v: unknown, path: string, goPath: string, parentGo: string) => {
    if (v === null || v === undefined || s.t === "any" || res.typeError) return;
    const mismatch = (k: string) => {
      if (!res.typeError) res.typeError = `json: cannot unmarshal ${k} into Go struct field ${parentGo}.${goPath} of type ${goType(s)}`;
    };
    switch (s.t) {
      case "string":
        if (typeof v !== "string") mismatch(jsonKind(v));
        return;
      case "bool":
        if (typeof v !== "boolean") mismatch(jsonKind(v));
        return;
      case "int32":
      case "int64":
        if (typeof v !== "number") mismatch(jsonKind(v));
        else if (!Number.isInteger(v)) mismatch(`number ${v}`);
        return;
      case "float":
        if (typeof v !== "number") mismatch(jsonKind(v));
        return;
      case "bytes":
        if (typeof v !== "string") mismatch(jsonKind(v));
        else if (!res.typeError) res.typeError = base64Error(v);
        return;
      case "array":
        if (!Array.isArray(v)) return mismatch(jsonKind(v));
        v.forEach((item, i) => walk(s.item, item, `${path}[${i}]`, goPath, parentGo));
        return;
      case "map":
        if (typeof v !== "object" || Array.isArray(v)) return mismatch(jsonKind(v));
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(s.value, x, `${path}.${k}`, goPath, parentGo);
        return;
      case "object": {
        if (typeof v !== "object" || Array.isArray(v)) return mismatch(jsonKind(v));
        const o = v as Record<string, unknown>;
        for (const k of Object.keys(o)) {
          const f = s.fields[k];
          const p = path ? `${path}.${k}` : k;
          if (!f) {
            res.unknown.push(p);
            delete o[k];
            continue;
          }
          walk(f, o[k], p, goPath ? `${goPath}.${k}` : k, s.go);
        }
        return;
      }
    }
  };
  walk(schema, value, "", "", schema.t === "object" ? schema.go : "");
  return res;
}

/** The schema node at a path of field names (array items and map values are stepped through). */
export function childSchema(s: Schema | undefined, key: string): Schema | undefined {
  if (!s) return undefined;
  if (s.t === "object") return s.fields[key];
  if (s.t === "map") return s.value;
  return undefined;
}

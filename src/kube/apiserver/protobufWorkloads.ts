/**
 * Protobuf decoding of the workload kinds `kubectl create deployment|job` POST as
 * `application/vnd.kubernetes.protobuf` (apps/v1 Deployment and ReplicaSet, batch/v1 Job), from tables of
 * k8s.io/api's generated.proto field numbers. gogo-protobuf writes every non-pointer field, so zero values of
 * non-pointer fields are dropped (they mean "unset", as in JSON); pointer fields (`?`) keep theirs. A field
 * the tables do not know makes the decoding fail, and the API server answers 415 rather than drop it.
 */
import { fields, objectMeta } from "./protobufWire.js";

type Field = ReturnType<typeof fields>[number];
type Obj = Record<string, unknown>;

/**
 * `<number> <name> <type>` entries. Types: s string, i integer, b bool (suffix `?`: pointer, kept when zero;
 * `*`: repeated), smap map<string,string>, qmap map<string,Quantity>, intstr, meta (ObjectMeta), `~` ignored
 * (status: reset on create anyway), a message name (`?` pointer, `*` repeated), `^Name` inlined (embedded).
 */
const MESSAGES: Record<string, string> = {
  Deployment: "1 metadata meta; 2 spec DeploymentSpec; 3 status ~",
  DeploymentSpec: "1 replicas i?; 2 selector LabelSelector?; 3 template PodTemplateSpec; 4 strategy DeploymentStrategy; 5 minReadySeconds i; 6 revisionHistoryLimit i?; 7 paused b; 9 progressDeadlineSeconds i?",
  DeploymentStrategy: "1 type s; 2 rollingUpdate RollingUpdateDeployment?",
  RollingUpdateDeployment: "1 maxUnavailable intstr; 2 maxSurge intstr",
  ReplicaSet: "1 metadata meta; 2 spec ReplicaSetSpec; 3 status ~",
  ReplicaSetSpec: "1 replicas i?; 4 minReadySeconds i; 2 selector LabelSelector?; 3 template PodTemplateSpec",
  Job: "1 metadata meta; 2 spec JobSpec; 3 status ~",
  JobSpec:
    "1 parallelism i?; 2 completions i?; 3 activeDeadlineSeconds i?; 7 backoffLimit i?; 12 backoffLimitPerIndex i?; 13 maxFailedIndexes i?; 4 selector LabelSelector?; 5 manualSelector b?; 6 template PodTemplateSpec; 8 ttlSecondsAfterFinished i?; 9 completionMode s?; 10 suspend b?; 14 podReplacementPolicy s?; 15 managedBy s?",
  LabelSelector: "1 matchLabels smap; 2 matchExpressions LabelSelectorRequirement*",
  LabelSelectorRequirement: "1 key s; 2 operator s; 3 values s*",
  PodTemplateSpec: "1 metadata meta; 2 spec PodSpec",
  PodSpec:
    "1 volumes Volume*; 20 initContainers Container*; 2 containers Container*; 3 restartPolicy s; 4 terminationGracePeriodSeconds i?; 5 activeDeadlineSeconds i?; 6 dnsPolicy s; 7 nodeSelector smap; 8 serviceAccountName s; 9 serviceAccount s; 21 automountServiceAccountToken b?; 10 nodeName s; 11 hostNetwork b; 12 hostPID b; 13 hostIPC b; 27 shareProcessNamespace b?; 14 securityContext PodSecurityContext?; 15 imagePullSecrets LocalObjectReference*; 16 hostname s; 17 subdomain s; 19 schedulerName s; 22 tolerations Toleration*; 24 priorityClassName s; 25 priority i?; 29 runtimeClassName s?; 30 enableServiceLinks b?; 31 preemptionPolicy s?; 35 setHostnameAsFQDN b?; 37 hostUsers b?",
  Container:
    "1 name s; 2 image s; 3 command s*; 4 args s*; 5 workingDir s; 6 ports ContainerPort*; 19 envFrom EnvFromSource*; 7 env EnvVar*; 8 resources ResourceRequirements; 9 volumeMounts VolumeMount*; 10 livenessProbe Probe?; 11 readinessProbe Probe?; 22 startupProbe Probe?; 13 terminationMessagePath s; 20 terminationMessagePolicy s; 14 imagePullPolicy s; 15 securityContext SecurityContext?; 16 stdin b; 17 stdinOnce b; 18 tty b; 24 restartPolicy s?",
  ContainerPort: "1 name s; 2 hostPort i; 3 containerPort i; 4 protocol s; 5 hostIP s",
  EnvVar: "1 name s; 2 value s; 3 valueFrom EnvVarSource?",
  EnvVarSource: "1 fieldRef ObjectFieldSelector?; 3 configMapKeyRef ConfigMapKeySelector?; 4 secretKeyRef SecretKeySelector?",
  ObjectFieldSelector: "1 apiVersion s; 2 fieldPath s",
  ConfigMapKeySelector: "1 ^LocalObjectReference; 2 key s; 3 optional b?",
  SecretKeySelector: "1 ^LocalObjectReference; 2 key s; 3 optional b?",
  LocalObjectReference: "1 name s",
  EnvFromSource: "1 prefix s; 2 configMapRef ConfigMapEnvSource?; 3 secretRef SecretEnvSource?",
  ConfigMapEnvSource: "1 ^LocalObjectReference; 2 optional b?",
  SecretEnvSource: "1 ^LocalObjectReference; 2 optional b?",
  ResourceRequirements: "1 limits qmap; 2 requests qmap",
  VolumeMount: "1 name s; 2 readOnly b; 3 mountPath s; 4 subPath s; 5 mountPropagation s?; 6 subPathExpr s",
  Volume: "1 name s; 2 ^VolumeSource",
  VolumeSource: "2 emptyDir EmptyDirVolumeSource?; 6 secret SecretVolumeSource?; 19 configMap ConfigMapVolumeSource?",
  EmptyDirVolumeSource: "1 medium s",
  SecretVolumeSource: "1 secretName s; 2 items KeyToPath*; 3 defaultMode i?; 4 optional b?",
  ConfigMapVolumeSource: "1 ^LocalObjectReference; 2 items KeyToPath*; 3 defaultMode i?; 4 optional b?",
  KeyToPath: "1 key s; 2 path s; 3 mode i?",
  Toleration: "1 key s; 2 operator s; 3 value s; 4 effect s; 5 tolerationSeconds i?",
  PodSecurityContext: "2 runAsUser i?; 6 runAsGroup i?; 3 runAsNonRoot b?; 4 supplementalGroups i*; 5 fsGroup i?",
  SecurityContext: "2 privileged b?; 4 runAsUser i?; 8 runAsGroup i?; 5 runAsNonRoot b?; 6 readOnlyRootFilesystem b?; 7 allowPrivilegeEscalation b?",
  Probe: "1 ^ProbeHandler; 2 initialDelaySeconds i; 3 timeoutSeconds i; 4 periodSeconds i; 5 successThreshold i; 6 failureThreshold i; 7 terminationGracePeriodSeconds i?",
  ProbeHandler: "1 exec ExecAction?; 2 httpGet HTTPGetAction?; 3 tcpSocket TCPSocketAction?",
  ExecAction: "1 command s*",
  HTTPGetAction: "1 path s; 2 port intstr; 3 host s; 4 scheme s",
  TCPSocketAction: "1 port intstr; 2 host s",
};

interface FieldDef {
  name: string;
  type: string;
  pointer: boolean;
  repeated: boolean;
}

const TABLE = new Map<string, Map<number, FieldDef>>(
  Object.entries(MESSAGES).map(([msg, spec]) => [
    msg,
    new Map(
      spec.split(";").map((e) => {
        const [n, name, raw] = e.trim().split(" ") as [string, string, string | undefined];
        const t = raw ?? name;
        const def: FieldDef = { name: raw ? name : "", type: t.replace(/[?*]$/, ""), pointer: t.endsWith("?"), repeated: t.endsWith("*") };
        return [Number(n), def];
      }),
    ),
  ]),
);

const buf = (f: Field): Buffer => (Buffer.isBuffer(f.v) ? f.v : Buffer.alloc(0));
const int = (f: Field): number => (typeof f.v === "bigint" ? Number(BigInt.asIntN(64, f.v)) : 0);

function mapEntry(f: Field): [string, Buffer] {
  const kv = fields(buf(f));
  const k = kv.find((x) => x.n === 1);
  const v = kv.find((x) => x.n === 2);
  return [k ? buf(k).toString("utf8") : "", v ? buf(v) : Buffer.alloc(0)];
}

function intOrString(b: Buffer): number | string {
  const fs = fields(b);
  const type = fs.find((x) => x.n === 1);
  if (type && int(type) === 1) {
    const s = fs.find((x) => x.n === 3);
    return s ? buf(s).toString("utf8") : "";
  }
  const i = fs.find((x) => x.n === 2);
  return i ? int(i) : 0;
}

/** One field's JSON value, or undefined for a zero value of a non-pointer field. */
function value(d: FieldDef, f: Field): unknown {
  switch (d.type) {
    case "s": {
      const s = buf(f).toString("utf8");
      return s === "" && !d.pointer && !d.repeated ? undefined : s;
    }
    case "i":
      return int(f) === 0 && !d.pointer && !d.repeated ? undefined : int(f);
    case "b":
      return int(f) === 0 && !d.pointer ? undefined : int(f) !== 0;
    case "intstr":
      return intOrString(buf(f));
    case "meta":
      return objectMeta(buf(f));
    default:
      return decodeMessage(d.type, buf(f));
  }
}

function decodeMessage(msg: string, b: Buffer): Obj {
  const table = TABLE.get(msg);
  if (!table) throw new Error(`no protobuf decoding for ${msg}`);
  const out: Obj = {};
  for (const f of fields(b)) {
    const d = table.get(f.n);
    if (!d) throw new Error(`no protobuf decoding for field ${f.n} of ${msg}`);
    if (d.type === "~") continue;
    if (d.type.startsWith("^")) {
      Object.assign(out, decodeMessage(d.type.slice(1), buf(f)));
      continue;
    }
    if (d.type === "smap" || d.type === "qmap") {
      const [k, v] = mapEntry(f);
      const m = (out[d.name] ??= {}) as Record<string, string>;
      m[k] = d.type === "smap" ? v.toString("utf8") : buf(fields(v).find((x) => x.n === 1) ?? { n: 1, wt: 2, v: Buffer.alloc(0) }).toString("utf8");
      continue;
    }
    const v = value(d, f);
    if (d.repeated) ((out[d.name] ??= []) as unknown[]).push(v);
    else if (v !== undefined) out[d.name] = v;
  }
  return out;
}

/** Decodes an apps/v1 or batch/v1 workload from its protobuf message, or throws. */
export function decodeWorkload(apiVersion: string, kind: string, raw: Buffer): Obj {
  const ok = (apiVersion === "apps/v1" && (kind === "Deployment" || kind === "ReplicaSet")) || (apiVersion === "batch/v1" && kind === "Job");
  if (!ok) throw new Error(`no protobuf decoding for ${apiVersion}, Kind=${kind}`);
  return { apiVersion, kind, ...decodeMessage(kind, raw) };
}

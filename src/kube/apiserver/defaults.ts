/**
 * Defaulting as kube-apiserver applies it when it decodes an object (pkg/apis/core/v1/defaults.go,
 * admissionregistration/v1 defaults), plus the v1 conversions that show in responses
 * (`spec.serviceAccount` mirrors `spec.serviceAccountName`, Secret `stringData` folds into `data`).
 */
import type { KubeObject } from "../KubeStorage.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const objAt = (o: Obj, k: string): Obj => {
  if (!isObj(o[k])) o[k] = {};
  return o[k] as Obj;
};
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** `Always` for `:latest` or no tag, else `IfNotPresent` (a digest counts as pinned). */
export function defaultPullPolicy(image: string): string {
  if (image.includes("@")) return "IfNotPresent";
  const last = image.slice(image.lastIndexOf("/") + 1);
  const colon = last.lastIndexOf(":");
  if (colon < 0) return "Always";
  return last.slice(colon + 1) === "latest" ? "Always" : "IfNotPresent";
}

function defaultContainer(c: Obj): void {
  if (c.terminationMessagePath === undefined || c.terminationMessagePath === "") c.terminationMessagePath = "/dev/termination-log";
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = "File";
  if (!c.imagePullPolicy && typeof c.image === "string") c.imagePullPolicy = defaultPullPolicy(c.image);
  if (!isObj(c.resources)) c.resources = {};
  for (const p of list(c.ports)) if (!p.protocol) p.protocol = "TCP";
  for (const e of list(c.env)) {
    const fr = isObj(e.valueFrom) ? e.valueFrom.fieldRef : undefined;
    if (isObj(fr) && !fr.apiVersion) fr.apiVersion = "v1";
  }
}

const SOURCES = [
  "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi", "glusterfs",
  "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap",
  "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi",
  "ephemeral", "image",
];

export function volumeSources(v: Obj): string[] {
  return SOURCES.filter((s) => v[s] !== undefined && v[s] !== null);
}

function defaultVolume(v: Obj): void {
  if (volumeSources(v).length === 0) v.emptyDir = {};
  for (const k of ["secret", "configMap", "downwardAPI", "projected"]) {
    const s = v[k];
    if (isObj(s) && s.defaultMode === undefined) s.defaultMode = 420;
  }
  if (isObj(v.hostPath) && v.hostPath.type === undefined) v.hostPath.type = "";
  const fieldRefs = (items: unknown) => {
    for (const i of list(items)) if (isObj(i.fieldRef) && !i.fieldRef.apiVersion) i.fieldRef.apiVersion = "v1";
  };
  if (isObj(v.downwardAPI)) fieldRefs(v.downwardAPI.items);
  if (isObj(v.projected)) {
    for (const src of list(v.projected.sources)) {
      if (isObj(src.serviceAccountToken) && src.serviceAccountToken.expirationSeconds === undefined) src.serviceAccountToken.expirationSeconds = 3600;
      if (isObj(src.downwardAPI)) fieldRefs(src.downwardAPI.items);
    }
  }
}

function qosClass(spec: Obj): string {
  const cs = [...list(spec.containers), ...list(spec.initContainers)];
  let any = false;
  let guaranteed = cs.length > 0;
  for (const c of cs) {
    const r = isObj(c.resources) ? c.resources : {};
    const req = isObj(r.requests) ? r.requests : {};
    const lim = isObj(r.limits) ? r.limits : {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const res of ["cpu", "memory"]) {
      if (lim[res] === undefined || (req[res] !== undefined && String(req[res]) !== String(lim[res]))) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

export function defaultPod(pod: KubeObject): void {
  const spec = objAt(pod, "spec");
  if (!spec.restartPolicy) spec.restartPolicy = "Always";
  if (!spec.dnsPolicy) spec.dnsPolicy = "ClusterFirst";
  if (spec.terminationGracePeriodSeconds === undefined) spec.terminationGracePeriodSeconds = 30;
  if (!isObj(spec.securityContext)) spec.securityContext = {};
  if (!spec.schedulerName) spec.schedulerName = "default-scheduler";
  if (spec.enableServiceLinks === undefined) spec.enableServiceLinks = true;
  if (!spec.serviceAccountName && typeof spec.serviceAccount === "string" && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const c of [...list(spec.containers), ...list(spec.initContainers), ...list(spec.ephemeralContainers)]) defaultContainer(c);
  for (const v of list(spec.volumes)) defaultVolume(v);
}

/** The status kube-apiserver gives a new pod (PrepareForCreate). */
export function initialPodStatus(pod: KubeObject): void {
  pod.status = { phase: "Pending", qosClass: qosClass(objAt(pod, "spec")) };
}

/** Secret: type Opaque, `stringData` folded into base64 `data`. */
export function defaultSecret(o: KubeObject): void {
  if (!o.type) o.type = "Opaque";
  if (isObj(o.stringData)) {
    const data = objAt(o, "data");
    for (const [k, v] of Object.entries(o.stringData)) data[k] = Buffer.from(String(v), "utf8").toString("base64");
    delete o.stringData;
  }
}

/** Namespace: the `kubernetes.io/metadata.name` label. */
export function defaultNamespace(o: KubeObject): void {
  const labels = (o.metadata.labels ??= {});
  labels["kubernetes.io/metadata.name"] = o.metadata.name;
}

/** MutatingWebhookConfiguration (admissionregistration/v1 defaults). */
export function defaultWebhookConfiguration(o: KubeObject): void {
  for (const w of list(o.webhooks)) {
    if (!w.failurePolicy) w.failurePolicy = "Fail";
    if (!w.matchPolicy) w.matchPolicy = "Equivalent";
    if (!isObj(w.namespaceSelector)) w.namespaceSelector = {};
    if (!isObj(w.objectSelector)) w.objectSelector = {};
    if (w.timeoutSeconds === undefined) w.timeoutSeconds = 10;
    if (!w.reinvocationPolicy) w.reinvocationPolicy = "Never";
    for (const r of list(w.rules)) if (!r.scope) r.scope = "*";
    const cc = isObj(w.clientConfig) ? w.clientConfig : undefined;
    if (cc && isObj(cc.service) && cc.service.port === undefined) cc.service.port = 443;
  }
}

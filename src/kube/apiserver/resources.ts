/** The resources each lab cluster serves, as discovery describes them (kube-apiserver's legacy discovery). */
import { SCHEMAS, type ObjectSchema } from "./schema.js";

export interface SubresourceDef {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceDef {
  resource: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  singular: string;
  shortNames?: string[];
  categories?: string[];
  verbs: string[];
  subresources: SubresourceDef[];
  schema: ObjectSchema;
  /** Served only for `create` (TokenReview, SelfSubjectReview): no storage. */
  virtual?: boolean;
}

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function def(d: Omit<ResourceDef, "verbs" | "subresources" | "schema"> & { verbs?: string[]; subresources?: SubresourceDef[] }): ResourceDef {
  return { verbs: ALL_VERBS, subresources: [], ...d, schema: SCHEMAS[d.kind] ?? { t: "object", go: d.kind, fields: {} } };
}

/** An apps/v1 workload: namespaced, in `all`, with the scale (autoscaling/v1 Scale) and status subresources. */
function appsWorkload(resource: string, kind: string, shortName: string): ResourceDef {
  return def({
    resource,
    kind,
    group: "apps",
    version: "v1",
    namespaced: true,
    singular: kind.toLowerCase(),
    shortNames: [shortName],
    categories: ["all"],
    subresources: [
      { name: "scale", kind: "Scale", group: "autoscaling", version: "v1", verbs: ["get", "patch", "update"] },
      { name: "status", kind, verbs: ["get", "patch", "update"] },
    ],
  });
}

export const RESOURCES: ResourceDef[] = [
  def({
    resource: "configmaps",
    kind: "ConfigMap",
    group: "",
    version: "v1",
    namespaced: true,
    singular: "configmap",
    shortNames: ["cm"],
  }),
  def({
    resource: "events",
    kind: "Event",
    group: "",
    version: "v1",
    namespaced: true,
    singular: "event",
    shortNames: ["ev"],
  }),
  def({
    resource: "namespaces",
    kind: "Namespace",
    group: "",
    version: "v1",
    namespaced: false,
    singular: "namespace",
    shortNames: ["ns"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
  }),
  def({
    resource: "pods",
    kind: "Pod",
    group: "",
    version: "v1",
    namespaced: true,
    singular: "pod",
    shortNames: ["po"],
    categories: ["all"],
    subresources: [
      { name: "attach", kind: "PodAttachOptions", verbs: ["create", "get"] },
      { name: "exec", kind: "PodExecOptions", verbs: ["create", "get"] },
      { name: "log", kind: "Pod", verbs: ["get"] },
      { name: "portforward", kind: "PodPortForwardOptions", verbs: ["create", "get"] },
      { name: "status", kind: "Pod", verbs: ["get", "patch", "update"] },
    ],
  }),
  def({
    resource: "secrets",
    kind: "Secret",
    group: "",
    version: "v1",
    namespaced: true,
    singular: "secret",
  }),
  def({
    resource: "serviceaccounts",
    kind: "ServiceAccount",
    group: "",
    version: "v1",
    namespaced: true,
    singular: "serviceaccount",
    shortNames: ["sa"],
    subresources: [{ name: "token", kind: "TokenRequest", group: "authentication.k8s.io", version: "v1", verbs: ["create"] }],
  }),
  def({
    resource: "mutatingwebhookconfigurations",
    kind: "MutatingWebhookConfiguration",
    group: "admissionregistration.k8s.io",
    version: "v1",
    namespaced: false,
    singular: "mutatingwebhookconfiguration",
    categories: ["api-extensions"],
  }),
  def({
    resource: "services",
    kind: "Service",
    group: "",
    version: "v1",
    namespaced: true,
    singular: "service",
    shortNames: ["svc"],
    categories: ["all"],
    subresources: [{ name: "status", kind: "Service", verbs: ["get", "patch", "update"] }],
  }),
  def({
    resource: "clusterroles",
    kind: "ClusterRole",
    group: "rbac.authorization.k8s.io",
    version: "v1",
    namespaced: false,
    singular: "clusterrole",
  }),
  def({
    resource: "clusterrolebindings",
    kind: "ClusterRoleBinding",
    group: "rbac.authorization.k8s.io",
    version: "v1",
    namespaced: false,
    singular: "clusterrolebinding",
  }),
  appsWorkload("deployments", "Deployment", "deploy"),
  appsWorkload("replicasets", "ReplicaSet", "rs"),
  def({
    resource: "jobs",
    kind: "Job",
    group: "batch",
    version: "v1",
    namespaced: true,
    singular: "job",
    categories: ["all"],
    subresources: [{ name: "status", kind: "Job", verbs: ["get", "patch", "update"] }],
  }),
  def({
    resource: "selfsubjectreviews",
    kind: "SelfSubjectReview",
    group: "authentication.k8s.io",
    version: "v1",
    namespaced: false,
    singular: "selfsubjectreview",
    verbs: ["create"],
    virtual: true,
  }),
  def({
    resource: "tokenreviews",
    kind: "TokenReview",
    group: "authentication.k8s.io",
    version: "v1",
    namespaced: false,
    singular: "tokenreview",
    verbs: ["create"],
    virtual: true,
  }),
];

export const GROUPS = [
  { name: "admissionregistration.k8s.io", version: "v1" },
  { name: "apps", version: "v1" },
  { name: "authentication.k8s.io", version: "v1" },
  { name: "batch", version: "v1" },
  { name: "rbac.authorization.k8s.io", version: "v1" },
];

export function groupVersion(r: { group: string; version: string }): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function findResource(group: string, version: string, resource: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function findKind(kind: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.kind === kind);
}

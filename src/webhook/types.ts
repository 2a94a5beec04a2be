// Minimal Kubernetes shapes the workload identity webhook reads and writes. Every object keeps the fields it
// does not name (`[k: string]: unknown`): the mutation works on the raw JSON, so unknown fields survive.

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
  [k: string]: unknown;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  [k: string]: unknown;
}

export interface ServiceAccountTokenProjection {
  path: string;
  expirationSeconds?: number;
  audience?: string;
  [k: string]: unknown;
}

export interface VolumeProjection {
  serviceAccountToken?: ServiceAccountTokenProjection;
  [k: string]: unknown;
}

export interface Volume {
  name: string;
  projected?: { sources?: VolumeProjection[]; defaultMode?: number; [k: string]: unknown };
  [k: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  args?: string[];
  env?: EnvVar[];
  volumeMounts?: VolumeMount[];
  restartPolicy?: string;
  [k: string]: unknown;
}

export interface PodSpec {
  serviceAccountName?: string;
  hostNetwork?: boolean;
  initContainers?: Container[];
  containers?: Container[];
  volumes?: Volume[];
  [k: string]: unknown;
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: PodSpec;
  [k: string]: unknown;
}

export interface ServiceAccount {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [k: string]: unknown;
}

/** One RFC 6902 operation (the webhook only ever emits `add` and `replace`, plus whatever the diff needs). */
export interface JsonPatchOp {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  value?: unknown;
  from?: string;
}

import { cpus, totalmem } from "node:os";
import type { Container, DataObject, ObjectFieldSelector, Pod, ResourceFieldSelector } from "./types.js";
import { NODE_IP, NODE_NAME, POD_IP, serviceAccountOf } from "./types.js";

/** Reads the ConfigMaps and Secrets of the pod's namespace (undefined when missing). */
export interface ObjectLookup {
  configMap(name: string): DataObject | undefined;
  secret(name: string): DataObject | undefined;
}

/** The kubelet's refusal to create a container (`CreateContainerConfigError`), with kube's message. */
export class ContainerConfigError extends Error {}

const C_IDENTIFIER = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Formats labels/annotations as the downward API does: `key="value"` lines, sorted by key, values Go-quoted. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join("\n");
}

/** A pod field by its `fieldPath` (downward API); throws for unsupported paths, as the kubelet refuses them. */
export function podField(pod: Pod, sel: ObjectFieldSelector, forVolume = false): string {
  const p = sel.fieldPath;
  const md = pod.metadata;
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(p);
  if (sub) return (sub[1] === "labels" ? md.labels : md.annotations)?.[sub[2]!] ?? "";
  switch (p) {
    case "metadata.name":
      return md.name;
    case "metadata.namespace":
      return md.namespace ?? "default";
    case "metadata.uid":
      return md.uid;
    case "metadata.labels":
      if (forVolume) return formatMap(md.labels);
      break;
    case "metadata.annotations":
      if (forVolume) return formatMap(md.annotations);
      break;
    case "spec.serviceAccountName":
      return serviceAccountOf(pod);
    case "spec.nodeName":
      return pod.spec.nodeName || NODE_NAME;
    case "status.podIP":
    case "status.podIPs":
      return POD_IP;
    case "status.hostIP":
    case "status.hostIPs":
      return NODE_IP;
  }
  throw new ContainerConfigError(`unsupported fieldPath: ${p}`);
}

const QUANTITY = /^([0-9.]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const SUFFIX: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6 };

export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === "number") return q;
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  return Number(m[1]) * (m[2] ? SUFFIX[m[2]]! : 1);
}

/** `resourceFieldRef`: the container's limit (node allocatable when unset) or request, divided and rounded up. */
export function resourceField(pod: Pod, self: Container | undefined, sel: ResourceFieldSelector): string {
  const c = sel.containerName ? [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((x) => x.name === sel.containerName) : self;
  const [kind, res] = sel.resource.split(".") as [string, string | undefined];
  if (!res || !["limits", "requests"].includes(kind)) throw new ContainerConfigError(`unsupported container resource : ${sel.resource}`);
  const given = parseQuantity((kind === "limits" ? c?.resources?.limits : c?.resources?.requests)?.[res] ?? (kind === "requests" ? c?.resources?.limits?.[res] : undefined));
  const node = res === "cpu" ? cpus().length : res === "memory" ? totalmem() : res === "ephemeral-storage" ? 100 * 1024 ** 3 : 0;
  const value = given ?? (kind === "limits" ? node : 0);
  const divisor = parseQuantity(sel.divisor) || 1;
  return String(Math.ceil(value / divisor));
}

function decodeSecret(s: DataObject, key: string): string | undefined {
  if (s.stringData && key in s.stringData) return s.stringData[key];
  const v = s.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
}

function configMapValue(cm: DataObject, key: string): string | undefined {
  if (cm.data && key in cm.data) return cm.data[key];
  const b = cm.binaryData?.[key];
  return b === undefined ? undefined : Buffer.from(b, "base64").toString("utf8");
}

/**
 * Expands `$(VAR)` references from `vars` the way the kubelet does (expansion.go): `$$` escapes `$`,
 * unknown references are left as written.
 */
export function expand(input: string, vars: Map<string, string>): string {
  let out = "";
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch === "$" && i + 1 < input.length) {
      const next = input[i + 1];
      if (next === "$") {
        out += "$";
        i++;
        continue;
      }
      if (next === "(") {
        const close = input.indexOf(")", i + 2);
        if (close > 0) {
          const name = input.slice(i + 2, close);
          const v = vars.get(name);
          out += v ?? `$(${name})`;
          i = close;
          continue;
        }
      }
    }
    out += ch;
  }
  return out;
}

export interface ResolvedEnv {
  /** In the order the kubelet builds it (envFrom, then env; later names win). */
  env: Map<string, string>;
  command: string[];
  args: string[];
}

/**
 * The container's environment as the kubelet makes it (kubelet_pods.go makeEnvironmentVariables):
 * `serviceEnv` first, then `envFrom`, then `env` with `$(VAR)` expansion and `valueFrom` resolved.
 * Throws ContainerConfigError with kube's message when a reference is missing.
 */
export function resolveEnv(pod: Pod, c: Container, lookup: ObjectLookup, serviceEnv: Record<string, string> = {}): ResolvedEnv {
  const ns = pod.metadata.namespace ?? "default";
  const env = new Map<string, string>();
  for (const [k, v] of Object.entries(serviceEnv)) env.set(k, v);

  for (const from of c.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? "";
      const cm = lookup.configMap(name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${name}" not found`);
      }
      const keys = [...Object.keys(cm.data ?? {}), ...Object.keys(cm.binaryData ?? {})];
      for (const k of keys) {
        const name = prefix + k;
        if (!C_IDENTIFIER.test(name)) continue; // the kubelet skips invalid names (and records an event)
        env.set(name, configMapValue(cm, k) ?? "");
      }
    }
    if (from.secretRef) {
      const name = from.secretRef.name ?? "";
      const s = lookup.secret(name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${name}" not found`);
      }
      for (const k of [...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})]) {
        const name = prefix + k;
        if (!C_IDENTIFIER.test(name)) continue;
        env.set(name, decodeSecret(s, k) ?? "");
      }
    }
  }

  for (const e of c.env ?? []) {
    let value: string | undefined;
    if (e.value !== undefined || !e.valueFrom) {
      value = expand(e.value ?? "", env);
    } else if (e.valueFrom.fieldRef) {
      value = podField(pod, e.valueFrom.fieldRef);
    } else if (e.valueFrom.resourceFieldRef) {
      value = resourceField(pod, c, e.valueFrom.resourceFieldRef);
    } else if (e.valueFrom.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      const cm = lookup.configMap(ref.name ?? "");
      if (!cm) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`configmap "${ref.name ?? ""}" not found`);
      }
      value = configMapValue(cm, ref.key);
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name ?? ""}`);
      }
    } else if (e.valueFrom.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      const s = lookup.secret(ref.name ?? "");
      if (!s) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`secret "${ref.name ?? ""}" not found`);
      }
      value = decodeSecret(s, ref.key);
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name ?? ""}`);
      }
    }
    env.set(e.name, value ?? "");
  }

  return {
    env,
    command: (c.command ?? []).map((s) => expand(s, env)),
    args: (c.args ?? []).map((s) => expand(s, env)),
  };
}

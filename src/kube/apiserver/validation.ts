/** Object validation with kube-apiserver's field errors (pkg/apis/core/validation, admissionregistration validation). */
import type { KubeObject } from "../KubeStorage.js";
import type { StatusCause } from "../KubeStatusError.js";
import { volumeSources } from "./defaults.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

const SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const QNAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIG_KEY_RE = /^[-._a-zA-Z0-9]+$/;
const ENV_NAME_RE = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export function fmtValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null || v === undefined) return "null";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export class Errs {
  readonly causes: StatusCause[] = [];
  required(field: string, detail = ""): void {
    this.causes.push({ reason: "FieldValueRequired", message: `Required value${detail ? `: ${detail}` : ""}`, field });
  }
  invalid(field: string, value: unknown, detail: string): void {
    this.causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${fmtValue(value)}: ${detail}`, field });
  }
  notFound(field: string, value: unknown): void {
    this.causes.push({ reason: "FieldValueNotFound", message: `Not found: ${fmtValue(value)}`, field });
  }
  duplicate(field: string, value: unknown): void {
    this.causes.push({ reason: "FieldValueDuplicate", message: `Duplicate value: ${fmtValue(value)}`, field });
  }
  notSupported(field: string, value: unknown, supported: string[]): void {
    this.causes.push({
      reason: "FieldValueNotSupported",
      message: `Unsupported value: ${fmtValue(value)}: supported values: ${[...supported].sort().map((s) => `"${s}"`).join(", ")}`,
      field,
    });
  }
  forbidden(field: string, detail: string): void {
    this.causes.push({ reason: "FieldValueForbidden", message: `Forbidden: ${detail}`, field });
  }
}

export function subdomain(e: Errs, field: string, v: string): void {
  if (v.length > 253) e.invalid(field, v, "must be no more than 253 characters");
  if (!SUBDOMAIN_RE.test(v)) e.invalid(field, v, SUBDOMAIN_MSG);
}

export function dnsLabel(e: Errs, field: string, v: string): void {
  if (v.length > 63) e.invalid(field, v, "must be no more than 63 characters");
  if (!LABEL_RE.test(v)) e.invalid(field, v, LABEL_MSG);
}

function qualifiedName(e: Errs, field: string, key: string): void {
  const slash = key.indexOf("/");
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0) e.invalid(field, key, "prefix part must be non-empty");
    else if (!SUBDOMAIN_RE.test(prefix) || prefix.length > 253) e.invalid(field, key, `prefix part ${SUBDOMAIN_MSG}`);
  }
  if (name.length === 0) e.invalid(field, key, "name part must be non-empty");
  else if (name.length > 63) e.invalid(field, key, "name part must be no more than 63 characters");
  else if (!QNAME_RE.test(name))
    e.invalid(
      field,
      key,
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
}

type NameRule = "subdomain" | "label" | "segment";
const NAME_RULES: Record<string, NameRule> = { Namespace: "label", Event: "segment" };

/** Label keys and values (metav1validation.ValidateLabels) at `field`. */
export function validateLabels(e: Errs, field: string, labels: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    qualifiedName(e, field, k);
    if (typeof v !== "string" || v.length > 63 || !LABEL_VALUE_RE.test(v))
      e.invalid(
        field,
        v,
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      );
  }
}

/**
 * `metadata.generateName` is validated whether or not a name is given, as a name whose trailing '-' is masked
 * (apimachinery ValidateObjectMetaAccessor: nameFn(generateName, prefix=true); maskTrailingDash keeps all but the last
 * two characters and appends 'a').
 */
function validateGenerateName(e: Errs, rule: string, g: string): void {
  const masked = g.length > 1 && g.endsWith("-") ? `${g.slice(0, -2)}a` : g;
  const [max, re, msg] = rule === "label" ? [63, LABEL_RE, LABEL_MSG] : [253, SUBDOMAIN_RE, SUBDOMAIN_MSG];
  if (rule !== "label" && rule !== "subdomain") return;
  if (masked.length > max) e.invalid("metadata.generateName", g, `must be no more than ${max} characters`);
  if (!re.test(masked)) e.invalid("metadata.generateName", g, msg);
}

function validateMeta(e: Errs, o: KubeObject): void {
  const m = o.metadata;
  if (typeof m.generateName === "string" && m.generateName) validateGenerateName(e, NAME_RULES[o.kind] ?? "subdomain", m.generateName);
  if (!m.name) e.required("metadata.name", "name or generateName is required");
  else {
    const rule = NAME_RULES[o.kind] ?? "subdomain";
    if (rule === "subdomain") subdomain(e, "metadata.name", m.name);
    else if (rule === "label") dnsLabel(e, "metadata.name", m.name);
    else if (m.name === "." || m.name === ".." || /[/%]/.test(m.name)) e.invalid("metadata.name", m.name, `may not contain '/' or '%'`);
  }
  validateLabels(e, "metadata.labels", m.labels);
  for (const k of Object.keys(m.annotations ?? {})) qualifiedName(e, "metadata.annotations", k.toLowerCase());
}

function validateContainers(e: Errs, path: string, cs: Obj[], volumes: Set<string>, names: Set<string>, requireImage: boolean): void {
  cs.forEach((c, i) => {
    const p = `${path}[${i}]`;
    const name = typeof c.name === "string" ? c.name : "";
    if (!name) e.required(`${p}.name`);
    else {
      dnsLabel(e, `${p}.name`, name);
      if (names.has(name)) e.duplicate(`${p}.name`, name);
      names.add(name);
    }
    if (requireImage && !c.image) e.required(`${p}.image`);
    list(c.ports).forEach((port, j) => {
      const n = port.containerPort;
      if (typeof n !== "number" || n < 1 || n > 65535) e.invalid(`${p}.ports[${j}].containerPort`, n ?? 0, "must be between 1 and 65535, inclusive");
      if (port.protocol !== undefined && !["TCP", "UDP", "SCTP"].includes(String(port.protocol))) e.notSupported(`${p}.ports[${j}].protocol`, port.protocol, ["SCTP", "TCP", "UDP"]);
    });
    list(c.env).forEach((env, j) => {
      const n = env.name;
      if (!n) e.required(`${p}.env[${j}].name`);
      else if (typeof n === "string" && !ENV_NAME_RE.test(n))
        e.invalid(
          `${p}.env[${j}].name`,
          n,
          "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
        );
      if (env.value !== undefined && env.value !== "" && isObj(env.valueFrom))
        e.invalid(`${p}.env[${j}].valueFrom`, "", "may not be specified when `value` is not empty");
    });
    const mounts = new Set<string>();
    list(c.volumeMounts).forEach((vm, j) => {
      const vp = `${p}.volumeMounts[${j}]`;
      if (!vm.name) e.required(`${vp}.name`);
      else if (!volumes.has(String(vm.name))) e.notFound(`${vp}.name`, vm.name);
      if (!vm.mountPath) e.required(`${vp}.mountPath`);
      else if (mounts.has(String(vm.mountPath))) e.invalid(`${vp}.mountPath`, vm.mountPath, "must be unique");
      else mounts.add(String(vm.mountPath));
    });
    if (c.imagePullPolicy !== undefined && !["Always", "IfNotPresent", "Never"].includes(String(c.imagePullPolicy)))
      e.notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, ["Always", "IfNotPresent", "Never"]);
  });
}

/** PodSpec validation; `path` is where the spec sits (`spec`, or `spec.template.spec` in a workload). */
export function validatePodSpec(e: Errs, spec: Obj, path = "spec"): void {
  const volumes = new Set<string>();
  list(spec.volumes).forEach((v, i) => {
    const p = `${path}.volumes[${i}]`;
    const name = typeof v.name === "string" ? v.name : "";
    if (!name) e.required(`${p}.name`);
    else {
      dnsLabel(e, `${p}.name`, name);
      if (volumes.has(name)) e.duplicate(`${p}.name`, name);
      volumes.add(name);
    }
    const srcs = volumeSources(v);
    if (srcs.length === 0) e.required(p, "must specify a volume type");
    else if (srcs.length > 1) e.forbidden(`${p}.${srcs[1]}`, "may not specify more than 1 volume type");
    if (isObj(v.projected)) {
      list(v.projected.sources).forEach((s, j) => {
        const t = s.serviceAccountToken;
        if (!isObj(t)) return;
        const tp = `${p}.projected.sources[${j}].serviceAccountToken`;
        const exp = typeof t.expirationSeconds === "number" ? t.expirationSeconds : 3600;
        if (exp < 600) e.invalid(`${tp}.expirationSeconds`, exp, "may not specify a duration less than 10 minutes");
        else if (exp > 2 ** 32) e.invalid(`${tp}.expirationSeconds`, exp, "may not specify a duration larger than 2^32 seconds");
        if (!t.path) e.required(`${tp}.path`);
      });
    }
  });
  const containers = list(spec.containers);
  const names = new Set<string>();
  if (containers.length === 0) e.required(`${path}.containers`);
  validateContainers(e, `${path}.initContainers`, list(spec.initContainers), volumes, names, true);
  validateContainers(e, `${path}.containers`, containers, volumes, names, true);
  if (spec.restartPolicy !== undefined && !["Always", "OnFailure", "Never"].includes(String(spec.restartPolicy)))
    e.notSupported(`${path}.restartPolicy`, spec.restartPolicy, ["Always", "OnFailure", "Never"]);
  if (spec.dnsPolicy !== undefined && !["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"].includes(String(spec.dnsPolicy)))
    e.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]);
  if (typeof spec.serviceAccountName === "string" && spec.serviceAccountName) subdomain(e, `${path}.serviceAccountName`, spec.serviceAccountName);
  const tgp = spec.terminationGracePeriodSeconds;
  if (typeof tgp === "number" && tgp < 0) e.invalid(`${path}.terminationGracePeriodSeconds`, tgp, "must be greater than or equal to 0");
}

function validateWebhooks(e: Errs, o: KubeObject): void {
  const names = new Set<string>();
  list(o.webhooks).forEach((w, i) => {
    const p = `webhooks[${i}]`;
    const name = typeof w.name === "string" ? w.name : "";
    if (!name) e.required(`${p}.name`);
    else {
      subdomain(e, `${p}.name`, name);
      if (name.split(".").length < 3) e.invalid(`${p}.name`, name, "should be a domain with at least three segments separated by dots");
      if (names.has(name)) e.duplicate(`${p}.name`, name);
      names.add(name);
    }
    const cc = isObj(w.clientConfig) ? w.clientConfig : {};
    const hasUrl = typeof cc.url === "string" && cc.url !== "";
    const hasSvc = isObj(cc.service);
    if (hasUrl === hasSvc) e.required(`${p}.clientConfig`, "exactly one of url or service is required");
    if (hasUrl) {
      let u: URL | undefined;
      try {
        u = new URL(String(cc.url));
      } catch {
        e.invalid(`${p}.clientConfig.url`, cc.url, "host must be specified");
      }
      if (u && u.protocol !== "https:") e.invalid(`${p}.clientConfig.url`, cc.url, "'https' is the only allowed URL scheme");
    }
    if (hasSvc) {
      const s = cc.service as Obj;
      if (!s.name) e.required(`${p}.clientConfig.service.name`, "service name is required");
      if (!s.namespace) e.required(`${p}.clientConfig.service.namespace`, "service namespace is required");
      const port = s.port;
      if (typeof port === "number" && (port < 1 || port > 65535)) e.invalid(`${p}.clientConfig.service.port`, port, "port is not valid: must be between 1 and 65535, inclusive");
    }
    if (w.sideEffects === undefined || w.sideEffects === "") e.required(`${p}.sideEffects`);
    else if (!["None", "NoneOnDryRun"].includes(String(w.sideEffects))) e.notSupported(`${p}.sideEffects`, w.sideEffects, ["None", "NoneOnDryRun"]);
    const arv = Array.isArray(w.admissionReviewVersions) ? (w.admissionReviewVersions as unknown[]) : [];
    if (arv.length === 0) e.required(`${p}.admissionReviewVersions`);
    else if (!arv.some((v) => v === "v1" || v === "v1beta1"))
      e.invalid(`${p}.admissionReviewVersions`, arv, `must include at least one of v1, v1beta1`);
    if (w.failurePolicy !== undefined && !["Fail", "Ignore"].includes(String(w.failurePolicy))) e.notSupported(`${p}.failurePolicy`, w.failurePolicy, ["Fail", "Ignore"]);
    if (w.reinvocationPolicy !== undefined && !["Never", "IfNeeded"].includes(String(w.reinvocationPolicy)))
      e.notSupported(`${p}.reinvocationPolicy`, w.reinvocationPolicy, ["IfNeeded", "Never"]);
    if (w.matchPolicy !== undefined && !["Exact", "Equivalent"].includes(String(w.matchPolicy))) e.notSupported(`${p}.matchPolicy`, w.matchPolicy, ["Equivalent", "Exact"]);
    const t = w.timeoutSeconds;
    if (typeof t === "number" && (t < 1 || t > 30)) e.invalid(`${p}.timeoutSeconds`, t, "the timeout value must be between 1 and 30 seconds");
    list(w.rules).forEach((r, j) => {
      for (const op of Array.isArray(r.operations) ? (r.operations as unknown[]) : [])
        if (!["*", "CREATE", "UPDATE", "DELETE", "CONNECT"].includes(String(op))) e.notSupported(`${p}.rules[${j}].operations`, op, ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"]);
      if (r.scope !== undefined && !["*", "Cluster", "Namespaced"].includes(String(r.scope))) e.notSupported(`${p}.rules[${j}].scope`, r.scope, ["*", "Cluster", "Namespaced"]);
    });
  });
}

/** Validates a new or updated object's metadata (name, labels, annotations); the kind's own rules are its strategy's. */
export function validateObject(o: KubeObject): StatusCause[] {
  const e = new Errs();
  validateMeta(e, o);
  return e.causes;
}

/** A Pod's spec (ValidatePod). */
export function validatePod(o: KubeObject): StatusCause[] {
  const e = new Errs();
  validatePodSpec(e, isObj(o.spec) ? o.spec : {});
  return e.causes;
}

/** ConfigMap and Secret keys (`data`, `binaryData`): valid config keys. */
export function validateConfigData(o: KubeObject): StatusCause[] {
  const e = new Errs();
  for (const field of ["data", "binaryData"]) {
    const d = o[field];
    if (!isObj(d)) continue;
    for (const k of Object.keys(d))
      if (!CONFIG_KEY_RE.test(k) || k.length > 253)
        e.invalid(
          `${field}[${k}]`,
          k,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        );
  }
  return e.causes;
}

/** A MutatingWebhookConfiguration's webhooks. */
export function validateWebhookConfiguration(o: KubeObject): StatusCause[] {
  const e = new Errs();
  validateWebhooks(e, o);
  return e.causes;
}

const POD_UPDATE_MSG =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/** ValidatePodUpdate: a pod's spec is immutable but for images, deadline and added tolerations. */
export function validatePodUpdate(next: KubeObject, old: KubeObject): StatusCause[] {
  const e = new Errs();
  const a = structuredClone(isObj(next.spec) ? next.spec : {});
  const b = structuredClone(isObj(old.spec) ? old.spec : {});
  for (const f of ["containers", "initContainers"]) {
    const ca = list(a[f]);
    const cb = list(b[f]);
    ca.forEach((c, i) => {
      if (cb[i]) c.image = cb[i]!.image;
    });
  }
  a.activeDeadlineSeconds = b.activeDeadlineSeconds;
  const ta = list(a.tolerations);
  const tb = list(b.tolerations);
  if (tb.every((t) => ta.some((x) => JSON.stringify(x) === JSON.stringify(t)))) a.tolerations = b.tolerations;
  if (a.terminationGracePeriodSeconds === 1 && typeof b.terminationGracePeriodSeconds === "number" && b.terminationGracePeriodSeconds < 0)
    a.terminationGracePeriodSeconds = b.terminationGracePeriodSeconds;
  for (const o of [a, b]) for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  if (!jsonEqual(a, b)) e.forbidden("spec", POD_UPDATE_MSG);
  return e.causes;
}

/** ConfigMap and Secret: once `immutable` is set, data and `immutable` stay; a Secret's `type` never changes. */
export function validateConfigDataUpdate(next: KubeObject, old: KubeObject, typeImmutable: boolean): StatusCause[] {
  const e = new Errs();
  if (old.immutable === true) {
    if (!jsonEqual(next.data, old.data) || !jsonEqual(next.binaryData, old.binaryData)) e.forbidden("data", "field is immutable when `immutable` is set");
    if (next.immutable !== true) e.forbidden("immutable", "field is immutable when `immutable` is set");
  }
  if (typeImmutable && old.type !== next.type) e.invalid("type", next.type, "field is immutable");
  return e.causes;
}

/** Order-insensitive (for object keys) JSON equality. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

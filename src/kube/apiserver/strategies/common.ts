/** Pieces the workload strategies share: pod template defaulting and validation, selectors as Go prints them, generation. */
import type { KubeObject } from "../../KubeStorage.js";
import type { StatusCause } from "../../KubeStatusError.js";
import { defaultPod } from "../defaults.js";
import { Errs, jsonEqual, validateLabels, validatePodSpec } from "../validation.js";
import { matchesLabelSelector, requirementsOf, SelectorParseError, type LabelSelectorObject } from "../labelSelector.js";

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
export const objAt = (o: Obj, k: string): Obj => {
  if (!isObj(o[k])) o[k] = {};
  return o[k] as Obj;
};

/** SetDefaults_PodSpec and friends on a template's spec (what a pod made from it would get). */
export function defaultTemplate(spec: Obj): void {
  const template = objAt(spec, "template");
  // A zero metav1.Time (what Go clients send for an unset template creationTimestamp) is no value.
  if (isObj(template.metadata) && template.metadata.creationTimestamp === null) delete template.metadata.creationTimestamp;
  const fake = { apiVersion: "v1", kind: "Pod", metadata: {}, spec: objAt(template, "spec") } as unknown as KubeObject;
  defaultPod(fake);
  template.spec = fake.spec;
}

/** Go's `%#v` of a map[string]string (sorted keys). */
export function goMap(m: Record<string, string> | null | undefined): string {
  if (!m) return "map[string]string(nil)";
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`).join(", ")}}`;
}

/** Go's `%#v` of a *metav1.LabelSelector, as validation messages print it. */
export function goSelector(sel: LabelSelectorObject | undefined): string {
  const exprs = sel?.matchExpressions;
  const e = exprs && exprs.length
    ? `[]v1.LabelSelectorRequirement{${exprs.map((x) => `v1.LabelSelectorRequirement{Key:${JSON.stringify(x.key)}, Operator:${JSON.stringify(x.operator)}, Values:[]string{${(x.values ?? []).map((v) => JSON.stringify(v)).join(", ")}}}`).join(", ")}}`
    : "[]v1.LabelSelectorRequirement(nil)";
  return `v1.LabelSelector{MatchLabels:${goMap(sel?.matchLabels)}, MatchExpressions:${e}}`;
}

export function invalidRaw(e: Errs, field: string, shown: string, detail: string): void {
  e.causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${shown}: ${detail}`, field });
}

/** The Go-ordered `Unsupported value` (field.NotSupported keeps the caller's order). */
export function notSupportedRaw(e: Errs, field: string, value: unknown, supported: string[]): void {
  e.causes.push({ reason: "FieldValueNotSupported", message: `Unsupported value: ${JSON.stringify(value ?? "")}: supported values: ${supported.map((s) => `"${s}"`).join(", ")}`, field });
}

/**
 * The selector + template checks apps/v1 and batch/v1 share (ValidatePodTemplateSpecForReplicaSet and
 * friends): a non-empty valid selector that matches the template's labels, valid template labels and spec.
 */
export function validateSelectorAndTemplate(e: Errs, spec: Obj, o: { selectorRequired: boolean; emptyInvalidFor?: string }): void {
  const sel = isObj(spec.selector) ? (spec.selector as LabelSelectorObject) : undefined;
  const template = isObj(spec.template) ? spec.template : {};
  const tmeta = isObj(template.metadata) ? template.metadata : {};
  const labels = isObj(tmeta.labels) ? (tmeta.labels as Record<string, string>) : undefined;
  if (!sel) {
    if (o.selectorRequired) e.required("spec.selector");
  } else {
    let reqs: ReturnType<typeof requirementsOf> | undefined;
    try {
      reqs = requirementsOf(sel);
    } catch (err) {
      if (!(err instanceof SelectorParseError)) throw err;
      invalidRaw(e, "spec.selector.matchExpressions[0].operator", JSON.stringify(sel.matchExpressions?.[0]?.operator ?? ""), "not a valid selector operator");
    }
    if (reqs && reqs.length === 0 && o.emptyInvalidFor) invalidRaw(e, "spec.selector", goSelector(sel), `empty selector is invalid for ${o.emptyInvalidFor}`);
    else if (reqs && !matchesLabelSelector(sel, labels)) invalidRaw(e, "spec.template.metadata.labels", goMap(labels), "`selector` does not match template `labels`");
  }
  validateLabels(e, "spec.template.metadata.labels", labels);
  validatePodSpec(e, isObj(template.spec) ? template.spec : {}, "spec.template.spec");
}

export function nonNegative(e: Errs, spec: Obj, key: string): void {
  const v = spec[key];
  if (typeof v === "number" && v < 0) e.invalid(`spec.${key}`, v, "must be greater than or equal to 0");
}

/** Status reset and generation 1 (every workload's PrepareForCreate). */
export function freshStatus(o: KubeObject, status: Obj = {}): void {
  o.status = status;
  o.metadata.generation = 1;
}

/** PrepareForUpdate: the status is the old one; any spec change bumps generation. */
export function keepStatusBumpGeneration(next: KubeObject, old: KubeObject): void {
  next.status = structuredClone(old.status);
  const gen = Number(old.metadata.generation ?? 1);
  next.metadata.generation = jsonEqual(next.spec, old.spec) ? gen : gen + 1;
}

export function immutable(e: Errs, field: string, a: unknown, b: unknown, shown: string): void {
  if (!jsonEqual(a, b)) invalidRaw(e, field, shown, "field is immutable");
}

/** The template's restartPolicy must be one of `allowed` (apps/v1: Always; batch/v1: OnFailure or Never). */
export function restartPolicyIn(e: Errs, spec: Obj, allowed: string[]): void {
  const rp = isObj(spec.template) && isObj(spec.template.spec) ? spec.template.spec.restartPolicy : undefined;
  if (!allowed.some((a) => a === rp)) notSupportedRaw(e, "spec.template.spec.restartPolicy", rp, allowed);
}

/** spec.selector is immutable (apps/v1 and batch/v1 workloads): `next` and `old` are the two specs. */
export function selectorImmutable(e: Errs, next: Obj, old: Obj): void {
  immutable(e, "spec.selector", next.selector, old.selector, goSelector(isObj(next.selector) ? next.selector : undefined));
}

export { Errs, jsonEqual };
export type { StatusCause };

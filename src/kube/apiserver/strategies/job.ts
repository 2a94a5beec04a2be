/** batch/v1 Job (pkg/registry/batch/job/strategy.go, pkg/apis/batch/v1/defaults.go, batch validation). */
import type { KubeObject } from "../../KubeStorage.js";
import type { Strategy } from "./index.js";
import { Errs, defaultTemplate, freshStatus, immutable, keepStatusBumpGeneration, nonNegative, notSupportedRaw, objAt, restartPolicyIn, selectorImmutable, validateSelectorAndTemplate, type Obj } from "./common.js";

/** The labels the Job registry puts on a job's pod template (and the job controller on its pods). */
export const JOB_LABELS = {
  legacyJobName: "job-name",
  jobName: "batch.kubernetes.io/job-name",
  legacyControllerUid: "controller-uid",
  controllerUid: "batch.kubernetes.io/controller-uid",
} as const;

/** kube-apiserver's warning when a Job is deleted without a propagationPolicy (its pods are orphaned). */
export const JOB_ORPHAN_WARNING =
  "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning";

const spec = (o: KubeObject): Obj => objAt(o, "spec");

/** generateSelector: job-name and controller-uid labels on the template, the selector on the uid. */
function generateSelector(o: KubeObject): void {
  const s = spec(o);
  const template = objAt(s, "template");
  const meta = objAt(template, "metadata");
  const labels = objAt(meta, "labels") as Record<string, string>;
  for (const k of [JOB_LABELS.legacyJobName, JOB_LABELS.jobName]) if (!(k in labels)) labels[k] = o.metadata.name;
  for (const k of [JOB_LABELS.legacyControllerUid, JOB_LABELS.controllerUid]) if (!(k in labels)) labels[k] = o.metadata.uid;
  const sel = objAt(s, "selector");
  const ml = objAt(sel, "matchLabels") as Record<string, string>;
  if (!(JOB_LABELS.controllerUid in ml)) ml[JOB_LABELS.controllerUid] = o.metadata.uid;
}

export const jobStrategy: Strategy = {
  defaults(o) {
    const s = spec(o);
    if (s.completions === undefined && s.parallelism === undefined) {
      s.completions = 1;
      s.parallelism = 1;
    }
    if (s.parallelism === undefined) s.parallelism = 1;
    if (s.backoffLimit === undefined) s.backoffLimit = s.backoffLimitPerIndex === undefined ? 6 : 2147483647;
    if (!s.completionMode) s.completionMode = "NonIndexed";
    if (s.suspend === undefined) s.suspend = false;
    if (!s.podReplacementPolicy) s.podReplacementPolicy = s.podFailurePolicy ? "Failed" : "TerminatingOrFailed";
    if (s.manualSelector === undefined) delete s.manualSelector;
    defaultTemplate(s);
  },
  prepareForCreate(o) {
    freshStatus(o);
    if (spec(o).manualSelector !== true) generateSelector(o);
  },
  prepareForUpdate(next, old) {
    keepStatusBumpGeneration(next, old);
  },
  validate(o) {
    const e = new Errs();
    const s = spec(o);
    for (const k of ["parallelism", "completions", "backoffLimit"]) nonNegative(e, s, k);
    const ads = s.activeDeadlineSeconds;
    if (typeof ads === "number" && ads <= 0) e.invalid("spec.activeDeadlineSeconds", ads, "must be greater than 0");
    if (!["NonIndexed", "Indexed"].includes(String(s.completionMode))) notSupportedRaw(e, "spec.completionMode", s.completionMode, ["NonIndexed", "Indexed"]);
    if (s.completionMode === "Indexed" && typeof s.completions !== "number") e.required("spec.completions", "when completion mode is Indexed");
    validateSelectorAndTemplate(e, s, { selectorRequired: true });
    restartPolicyIn(e, s, ["OnFailure", "Never"]);
    return e.causes;
  },
  validateUpdate(next, old) {
    const e = new Errs();
    const a = spec(next);
    const b = spec(old);
    selectorImmutable(e, a, b);
    if (b.suspend !== true) immutable(e, "spec.template", a.template, b.template, "core.PodTemplateSpec{...}");
    immutable(e, "spec.completionMode", a.completionMode, b.completionMode, JSON.stringify(a.completionMode));
    if (a.completionMode === "Indexed") immutable(e, "spec.completions", a.completions, b.completions, String(a.completions));
    return e.causes;
  },
};

/** apps/v1 Deployment (pkg/registry/apps/deployment/strategy.go, pkg/apis/apps/v1/defaults.go, apps validation). */
import type { KubeObject } from "../../KubeStorage.js";
import type { Strategy } from "./index.js";
import {
  Errs, defaultTemplate, freshStatus, isObj, jsonEqual, keepStatusBumpGeneration, nonNegative, notSupportedRaw, objAt, restartPolicyIn, selectorImmutable,
  validateSelectorAndTemplate, invalidRaw, type Obj,
} from "./common.js";

const spec = (o: KubeObject): Obj => objAt(o, "spec");

/** An IntOrString that is a valid percentage or a non-negative integer. */
function intOrPercent(e: Errs, field: string, v: unknown): void {
  if (v === undefined) return;
  if (typeof v === "number") {
    if (v < 0) e.invalid(field, v, "must be greater than or equal to 0");
  } else if (typeof v !== "string" || !/^[0-9]+%$/.test(v)) {
    invalidRaw(e, field, JSON.stringify(v), "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
  } else if (Number(v.slice(0, -1)) > 100) {
    invalidRaw(e, field, JSON.stringify(v), "must not be greater than 100%");
  }
}

function validateStrategy(e: Errs, s: Obj): void {
  const st = isObj(s.strategy) ? s.strategy : {};
  const type = st.type;
  if (type !== "RollingUpdate" && type !== "Recreate") notSupportedRaw(e, "spec.strategy.type", type, ["Recreate", "RollingUpdate"]);
  if (type === "Recreate" && isObj(st.rollingUpdate)) e.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'");
  if (type === "RollingUpdate" && isObj(st.rollingUpdate)) {
    const ru = st.rollingUpdate;
    intOrPercent(e, "spec.strategy.rollingUpdate.maxUnavailable", ru.maxUnavailable);
    intOrPercent(e, "spec.strategy.rollingUpdate.maxSurge", ru.maxSurge);
    const zero = (v: unknown) => v === 0 || v === "0%";
    if (zero(ru.maxUnavailable) && zero(ru.maxSurge)) invalidRaw(e, "spec.strategy.rollingUpdate.maxUnavailable", JSON.stringify(ru.maxUnavailable), "may not be 0 when `maxSurge` is 0");
  }
}

export const deploymentStrategy: Strategy = {
  defaults(o) {
    const s = spec(o);
    if (s.replicas === undefined) s.replicas = 1;
    const st = objAt(s, "strategy");
    if (!st.type) st.type = "RollingUpdate";
    if (st.type === "RollingUpdate") {
      const ru = objAt(st, "rollingUpdate");
      if (ru.maxUnavailable === undefined) ru.maxUnavailable = "25%";
      if (ru.maxSurge === undefined) ru.maxSurge = "25%";
    }
    if (s.revisionHistoryLimit === undefined) s.revisionHistoryLimit = 10;
    if (s.progressDeadlineSeconds === undefined) s.progressDeadlineSeconds = 600;
    defaultTemplate(s);
  },
  prepareForCreate(o) {
    freshStatus(o);
  },
  prepareForUpdate(next, old) {
    keepStatusBumpGeneration(next, old);
    // Annotations are copied to the replica sets, so their changes bump generation too.
    if (!jsonEqual(next.metadata.annotations, old.metadata.annotations)) next.metadata.generation = Number(old.metadata.generation ?? 1) + 1;
  },
  prepareForStatusUpdate(next, old) {
    // deploymentStatusStrategy keeps the old spec and labels; annotations (the revision) go through.
    const out = structuredClone(old);
    out.status = next.status;
    out.metadata.annotations = next.metadata.annotations;
    out.metadata.resourceVersion = next.metadata.resourceVersion || old.metadata.resourceVersion;
    return out;
  },
  validate(o) {
    const e = new Errs();
    const s = spec(o);
    nonNegative(e, s, "replicas");
    nonNegative(e, s, "minReadySeconds");
    nonNegative(e, s, "revisionHistoryLimit");
    validateSelectorAndTemplate(e, s, { selectorRequired: true, emptyInvalidFor: "deployment" });
    restartPolicyIn(e, s, ["Always"]);
    validateStrategy(e, s);
    const pds = s.progressDeadlineSeconds;
    if (typeof pds === "number" && typeof s.minReadySeconds === "number" && pds <= s.minReadySeconds)
      e.invalid("spec.progressDeadlineSeconds", pds, "must be greater than minReadySeconds");
    return e.causes;
  },
  validateUpdate(next, old) {
    const e = new Errs();
    selectorImmutable(e, spec(next), spec(old));
    return e.causes;
  },
};

/** apps/v1 ReplicaSet (pkg/registry/apps/replicaset/strategy.go, apps validation). */
import type { KubeObject } from "../../KubeStorage.js";
import type { Strategy } from "./index.js";
import { Errs, defaultTemplate, freshStatus, goSelector, immutable, isObj, keepStatusBumpGeneration, nonNegative, notSupportedRaw, objAt, validateSelectorAndTemplate, type Obj } from "./common.js";

const spec = (o: KubeObject): Obj => objAt(o, "spec");

export const replicaSetStrategy: Strategy = {
  defaults(o) {
    const s = spec(o);
    if (s.replicas === undefined) s.replicas = 1;
    defaultTemplate(s);
  },
  prepareForCreate(o) {
    freshStatus(o, { replicas: 0 });
  },
  prepareForUpdate(next, old) {
    keepStatusBumpGeneration(next, old);
  },
  validate(o) {
    const e = new Errs();
    const s = spec(o);
    nonNegative(e, s, "replicas");
    nonNegative(e, s, "minReadySeconds");
    validateSelectorAndTemplate(e, s, { selectorRequired: true, emptyInvalidFor: "replicaset" });
    const rp = isObj(s.template) && isObj(s.template.spec) ? s.template.spec.restartPolicy : undefined;
    if (rp !== "Always") notSupportedRaw(e, "spec.template.spec.restartPolicy", rp, ["Always"]);
    return e.causes;
  },
  validateUpdate(next, old) {
    const e = new Errs();
    const a = spec(next).selector;
    immutable(e, "spec.selector", a, spec(old).selector, goSelector(isObj(a) ? a : undefined));
    return e.causes;
  },
};

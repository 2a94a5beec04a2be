/** apps/v1 ReplicaSet (pkg/registry/apps/replicaset/strategy.go, apps validation). */
import type { KubeObject } from "../../KubeStorage.js";
import type { Strategy } from "./index.js";
import { Errs, defaultTemplate, freshStatus, keepStatusBumpGeneration, nonNegative, objAt, restartPolicyIn, selectorImmutable, validateSelectorAndTemplate, type Obj } from "./common.js";

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
    restartPolicyIn(e, s, ["Always"]);
    return e.causes;
  },
  validateUpdate(next, old) {
    const e = new Errs();
    selectorImmutable(e, spec(next), spec(old));
    return e.causes;
  },
};

/** v1 Pod (pkg/registry/core/pod/strategy.go): defaults, initial status, spec immutability, graceful deletion. */
import { defaultPod, initialPodStatus } from "../defaults.js";
import { validatePod, validatePodUpdate } from "../validation.js";
import { PRINTERS } from "../table.js";
import { isObj } from "./common.js";
import { defineKind } from "./kind.js";

export const podStrategy = defineKind("Pod", {
  defaults: defaultPod,
  prepareForAdmission(o) {
    if (!isObj(o.status)) o.status = {};
  },
  prepareForCreate: initialPodStatus,
  prepareForUpdate(next, old) {
    next.status = structuredClone(old.status);
  },
  validate: validatePod,
  validateUpdate: validatePodUpdate,
  printer: PRINTERS.Pod!,
  delete: {
    returnsObject: true,
    propagates: false,
    /** The request's or the pod's terminationGracePeriodSeconds; 0 for a pod not on a node or finished. */
    gracePeriod(current, options) {
      const spec = isObj(current.spec) ? current.spec : {};
      const phase = isObj(current.status) ? current.status.phase : undefined;
      let grace = typeof options.gracePeriodSeconds === "number" ? options.gracePeriodSeconds : Number(spec.terminationGracePeriodSeconds ?? 30);
      if (!spec.nodeName || phase === "Succeeded" || phase === "Failed") grace = 0;
      if (grace < 0) grace = 1;
      return grace;
    },
  },
});

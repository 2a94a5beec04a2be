/** The v1 kinds without lifecycle of their own: ConfigMap, Secret, ServiceAccount, Event; and the create-only reviews. */
import { defaultSecret } from "../defaults.js";
import { validateConfigData, validateConfigDataUpdate } from "../validation.js";
import { PRINTERS } from "../table.js";
import { defineKind } from "./kind.js";

export const configMapStrategy = defineKind("ConfigMap", {
  validate: validateConfigData,
  validateUpdate: (next, old) => validateConfigDataUpdate(next, old, false),
  printer: PRINTERS.ConfigMap!,
});

export const secretStrategy = defineKind("Secret", {
  defaults: defaultSecret,
  validate: validateConfigData,
  validateUpdate: (next, old) => validateConfigDataUpdate(next, old, true),
  printer: PRINTERS.Secret!,
});

export const serviceAccountStrategy = defineKind("ServiceAccount", { printer: PRINTERS.ServiceAccount! });
export const eventStrategy = defineKind("Event", { printer: PRINTERS.Event! });
export const tokenReviewStrategy = defineKind("TokenReview", {});
export const selfSubjectReviewStrategy = defineKind("SelfSubjectReview", {});

/** admissionregistration/v1 MutatingWebhookConfiguration: defaults, generation 1, bumped when the webhooks change. */
import { defaultWebhookConfiguration } from "../defaults.js";
import { validateWebhookConfiguration } from "../validation.js";
import { PRINTERS } from "../table.js";
import { jsonEqual } from "./common.js";
import { defineKind } from "./kind.js";

export const mutatingWebhookConfigurationStrategy = defineKind("MutatingWebhookConfiguration", {
  defaults: defaultWebhookConfiguration,
  prepareForCreate(o) {
    o.metadata.generation = 1;
  },
  prepareForUpdate(next, old) {
    // Compared once both are defaulted (the generation copied from the old object is bumped).
    defaultWebhookConfiguration(next);
    if (!jsonEqual(next.webhooks, old.webhooks)) next.metadata.generation = Number(old.metadata.generation ?? 1) + 1;
  },
  validate: validateWebhookConfiguration,
  printer: PRINTERS.MutatingWebhookConfiguration!,
});

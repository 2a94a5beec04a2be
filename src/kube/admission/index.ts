/**
 * The mutating admission chain of a lab cluster, in kube-apiserver's order: the in-tree plugins
 * (ServiceAccount, Priority, DefaultTolerationSeconds) then MutatingAdmissionWebhook, with one
 * reinvocation round when a webhook changed the object and a webhook asked for `IfNeeded`.
 * Never holds a store transaction across a webhook call.
 */
import type { KubeContext } from "../KubeContext.js";
import { defaultTolerationSecondsPlugin, priorityPlugin, serviceAccountPlugin } from "./inTree.js";
import { mutatingWebhookPlugin } from "./mutatingWebhook.js";
import { handles, type AdmissionPlugin, type AdmissionRequest, type AdmissionResult, type Attempt } from "./types.js";

export { webhookMatches, ruleMatches, objectSelectorMatches, namespaceSelectorMatches, type MatchAttributes } from "./matching.js";
export { serviceAccountAdmission, API_TOKEN_MOUNT_PATH, randomSuffix } from "./inTree.js";
export { AWI_SERVICE, resolveWebhookUrl } from "./callWebhook.js";
export type { AdmissionPlugin, AdmissionRequest, AdmissionResult, UserInfo } from "./types.js";

/** The mutating chain, in kube-apiserver's order; each plugin declares what it handles. */
export const MUTATING_PLUGINS: readonly AdmissionPlugin[] = [
  serviceAccountPlugin,
  priorityPlugin,
  defaultTolerationSecondsPlugin,
  mutatingWebhookPlugin as AdmissionPlugin,
];

/** Runs the mutating chain; returns the admitted object (a copy) and the webhooks' warnings. */
export async function admit(kube: KubeContext, r: AdmissionRequest, plugins: readonly AdmissionPlugin[] = MUTATING_PLUGINS): Promise<AdmissionResult> {
  const a: Attempt = { obj: structuredClone(r.object), warnings: [], reinvocationWanted: false };
  const active: { plugin: AdmissionPlugin; state: unknown }[] = [];
  for (const plugin of plugins) {
    if (!handles(plugin.handles, r)) continue;
    const state = plugin.start ? await plugin.start(kube, r, a) : undefined;
    active.push({ plugin, state });
    await plugin.admit(kube, r, a, state);
  }
  if (!a.reinvocationWanted) return { object: a.obj, warnings: a.warnings };
  // One reinvocation round: the in-tree plugins again (their changes re-normalized), then the webhooks that asked.
  const beforeInTree = structuredClone(a.obj);
  for (const { plugin, state } of active) if (plugin.inTree) await plugin.reinvoke(kube, r, a, state);
  if (JSON.stringify(beforeInTree) !== JSON.stringify(a.obj)) r.normalize(a.obj);
  for (const { plugin, state } of active) if (!plugin.inTree) await plugin.reinvoke(kube, r, a, state);
  return { object: a.obj, warnings: a.warnings };
}

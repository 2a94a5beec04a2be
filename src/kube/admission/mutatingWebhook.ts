/**
 * MutatingAdmissionWebhook: the cluster's MutatingWebhookConfigurations (by name, webhooks in order), each
 * called when its rules and selectors match; on reinvocation, the IfNeeded webhooks whose last output is
 * not the current object are called again.
 */
import type { KubeContext } from "../KubeContext.js";
import type { KubeObject } from "../KubeStorage.js";
import { webhookMatches, type MatchAttributes } from "./matching.js";
import { callWebhook, type Webhook } from "./callWebhook.js";
import type { AdmissionPlugin, AdmissionRequest, Attempt } from "./types.js";

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

interface WebhookState {
  webhooks: Webhook[];
  nsLabels?: Record<string, string>;
  /** What each webhook returned, to decide whether an IfNeeded webhook must see the object again. */
  lastOutput: Map<string, unknown>;
  changedByWebhook: boolean;
}

/** The configured webhooks (configurations by name) and the request namespace's labels. */
async function load(kube: KubeContext, r: AdmissionRequest): Promise<WebhookState> {
  return kube.storage.read(async (tx) => {
    const cfgs = (await tx.list(r.clusterId, "mutatingwebhookconfigurations")).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const webhooks: Webhook[] = [];
    for (const c of cfgs) for (const w of Array.isArray(c.webhooks) ? (c.webhooks as Webhook[]) : []) webhooks.push(w);
    let nsLabels: Record<string, string> | undefined;
    if (r.namespaced && r.namespace) nsLabels = (await tx.get(r.clusterId, "namespaces", undefined, r.namespace))?.metadata.labels ?? {};
    return { webhooks, nsLabels, lastOutput: new Map(), changedByWebhook: false };
  });
}

/** The attributes the webhooks' rules and selectors match against (for the object as admitted so far). */
function attributes(r: AdmissionRequest, obj: KubeObject, nsLabels: Record<string, string> | undefined): MatchAttributes {
  return {
    operation: r.operation,
    group: r.group,
    version: r.version,
    resource: r.resource,
    subresource: r.subresource,
    namespace: r.namespaced ? r.namespace : r.resource === "namespaces" ? obj.metadata.name : "",
    objectLabels: obj.metadata.labels ?? {},
    oldObjectLabels: r.oldObject ? (r.oldObject.metadata.labels ?? {}) : undefined,
    namespaceLabels: r.resource === "namespaces" ? (obj.metadata.labels ?? {}) : nsLabels,
    clusterScoped: !r.namespaced,
    isNamespace: r.resource === "namespaces" && r.subresource === "",
  };
}

async function call(kube: KubeContext, r: AdmissionRequest, a: Attempt, s: WebhookState, w: Webhook): Promise<void> {
  const before = structuredClone(a.obj);
  const out = await callWebhook(kube, r, w, a.obj, a.warnings);
  if (out) {
    a.obj = out;
    if (!same(before, a.obj)) s.changedByWebhook = true;
  }
  s.lastOutput.set(w.name, structuredClone(a.obj));
}

const ifNeeded = (s: WebhookState, w: Webhook) => w.reinvocationPolicy === "IfNeeded" && s.lastOutput.has(w.name);

export const mutatingWebhookPlugin: AdmissionPlugin<WebhookState> = {
  name: "MutatingAdmissionWebhook",
  handles: { operations: "*", resources: "*" },
  inTree: false,
  start: load,
  async admit(kube, r, a, s) {
    for (const w of s.webhooks) if (webhookMatches(w, attributes(r, a.obj, s.nsLabels))) await call(kube, r, a, s, w);
    if (s.changedByWebhook && s.webhooks.some((w) => ifNeeded(s, w))) a.reinvocationWanted = true;
  },
  async reinvoke(kube, r, a, s) {
    for (const w of s.webhooks) {
      if (!ifNeeded(s, w) || same(s.lastOutput.get(w.name), a.obj)) continue;
      if (webhookMatches(w, attributes(r, a.obj, s.nsLabels))) await call(kube, r, a, s, w);
    }
  },
};

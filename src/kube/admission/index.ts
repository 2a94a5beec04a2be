/**
 * The mutating admission chain of a lab cluster, in kube-apiserver's order: the in-tree plugins
 * (ServiceAccount, Priority, DefaultTolerationSeconds) then MutatingAdmissionWebhook, with one
 * reinvocation round when a webhook changed the object and a webhook asked for `IfNeeded`.
 * Never holds a store transaction across a webhook call.
 */
import fastJsonPatch from "fast-json-patch";
import type { Operation as PatchOp } from "fast-json-patch";
import type { KubeContext } from "../KubeContext.js";
import type { KubeObject } from "../KubeStorage.js";
import { KubeStatusError, KubeErrors } from "../KubeStatusError.js";
import { webhookMatches, type MatchAttributes, type Operation, type WebhookMatchSpec } from "./matching.js";
import { defaultTolerationSeconds, priorityAdmission, serviceAccountAdmission } from "./inTree.js";
import { displayUrl, postReview, WebhookCallError, type ClientConfig } from "./webhookClient.js";

export { webhookMatches, ruleMatches, objectSelectorMatches, namespaceSelectorMatches, type MatchAttributes } from "./matching.js";
export { serviceAccountAdmission, API_TOKEN_MOUNT_PATH, randomSuffix } from "./inTree.js";

export const AWI_SERVICE = { namespace: "azure-workload-identity-system", name: "azure-wi-webhook-webhook-service" };

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface AdmissionRequest {
  clusterId: string;
  operation: Operation;
  group: string;
  version: string;
  kind: string;
  resource: string;
  subresource: string;
  namespaced: boolean;
  namespace: string;
  /** "" when the object is created with generateName. */
  name: string;
  object: KubeObject;
  oldObject?: KubeObject;
  user: UserInfo;
  dryRun: boolean;
  options: Record<string, unknown>;
  /** Re-decodes and re-defaults an object after a webhook's patch (the API server's decoder). */
  normalize(o: KubeObject): void;
}

export interface AdmissionResult {
  object: KubeObject;
  warnings: string[];
}

interface Webhook extends WebhookMatchSpec {
  name: string;
  clientConfig?: ClientConfig;
  failurePolicy?: string;
  timeoutSeconds?: number;
  reinvocationPolicy?: string;
  admissionReviewVersions?: string[];
  sideEffects?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Where the lab sends a webhook's request: the AWI service is the lab-hosted webhook; other services have no endpoints. */
export function resolveWebhookUrl(kube: KubeContext, clusterId: string, cc: ClientConfig): string | { noEndpoints: string } {
  if (cc.url) return cc.url;
  const s = cc.service ?? {};
  if (s.namespace === AWI_SERVICE.namespace && s.name === AWI_SERVICE.name) {
    return `${kube.ctx.hosts.localOrigin}/webhooks/azure-wi/${clusterId}${s.path ?? "/mutate-v1-pod"}`;
  }
  return { noEndpoints: String(s.name ?? "") };
}

function caList(kube: KubeContext, cc: ClientConfig): string[] {
  const out = [kube.ctx.ca.certPem];
  if (cc.caBundle) {
    try {
      out.push(Buffer.from(cc.caBundle, "base64").toString("utf8"));
    } catch {
      /* an unreadable bundle simply adds nothing */
    }
  }
  return out;
}

function inTreeApplies(r: AdmissionRequest): boolean {
  return r.operation === "CREATE" && r.resource === "pods" && r.subresource === "" && r.group === "";
}

/** Runs the mutating chain; returns the admitted object (a copy) and the webhooks' warnings. */
export async function admit(kube: KubeContext, r: AdmissionRequest): Promise<AdmissionResult> {
  let obj = structuredClone(r.object);
  const warnings: string[] = [];

  const runInTree = async () => {
    if (!inTreeApplies(r)) return;
    await serviceAccountAdmission(
      obj,
      (ns, name) => kube.storage.read((tx) => tx.get(r.clusterId, "serviceaccounts", ns, name)),
      () => kube.ctx.random.bytes(5),
    );
    priorityAdmission(obj);
    defaultTolerationSeconds(obj);
  };
  await runInTree();

  const { webhooks, nsLabels } = await kube.storage.read(async (tx) => {
    const cfgs = (await tx.list(r.clusterId, "mutatingwebhookconfigurations")).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const hooks: { config: string; hook: Webhook }[] = [];
    for (const c of cfgs) for (const w of Array.isArray(c.webhooks) ? (c.webhooks as Webhook[]) : []) hooks.push({ config: c.metadata.name, hook: w });
    let labels: Record<string, string> | undefined;
    if (r.namespaced && r.namespace) labels = (await tx.get(r.clusterId, "namespaces", undefined, r.namespace))?.metadata.labels ?? {};
    return { webhooks: hooks, nsLabels: labels };
  });
  if (webhooks.length === 0) return { object: obj, warnings };

  const attrs = (): MatchAttributes => ({
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
  });

  /** What each IfNeeded webhook returned, to decide whether it must see the object again. */
  const lastOutput = new Map<string, unknown>();
  let changedByWebhook = false;

  const call = async (w: Webhook): Promise<void> => {
    const before = structuredClone(obj);
    const out = await callWebhook(kube, r, w, obj, warnings);
    if (out) {
      obj = out;
      if (!same(before, obj)) changedByWebhook = true;
    }
    lastOutput.set(w.name, structuredClone(obj));
  };

  for (const { hook } of webhooks) {
    if (!webhookMatches(hook, attrs())) continue;
    await call(hook);
  }

  if (changedByWebhook && webhooks.some(({ hook }) => hook.reinvocationPolicy === "IfNeeded" && lastOutput.has(hook.name))) {
    const beforeInTree = structuredClone(obj);
    await runInTree();
    if (!same(beforeInTree, obj)) r.normalize(obj);
    for (const { hook } of webhooks) {
      if (hook.reinvocationPolicy !== "IfNeeded" || !lastOutput.has(hook.name)) continue;
      if (same(lastOutput.get(hook.name), obj)) continue;
      if (!webhookMatches(hook, attrs())) continue;
      await call(hook);
    }
  }
  return { object: obj, warnings };
}

async function callWebhook(kube: KubeContext, r: AdmissionRequest, w: Webhook, obj: KubeObject, warnings: string[]): Promise<KubeObject | undefined> {
  const cc = w.clientConfig ?? {};
  const timeout = w.timeoutSeconds ?? 10;
  const shown = displayUrl(cc, timeout);
  const ignore = w.failurePolicy === "Ignore";
  const failed = (why: string): undefined => {
    if (ignore) {
      kube.ctx.log.warn(`failed calling webhook "${w.name}": ${why} (failurePolicy Ignore)`);
      return undefined;
    }
    const msg = `failed calling webhook "${w.name}": ${why}`;
    const e = KubeErrors.internal(msg);
    return throwIt(new KubeStatusError(500, "InternalError", e.message, { causes: [{ reason: "", message: msg }] }));
  };

  const target = resolveWebhookUrl(kube, r.clusterId, cc);
  if (typeof target !== "string") return failed(`failed to call webhook: Post "${shown}": no endpoints available for service "${target.noEndpoints}"`);

  const uid = kube.ctx.random.uuid();
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const gvr = { group: r.group, version: r.version, resource: r.resource };
  const request: Obj = {
    uid,
    kind: gvk,
    resource: gvr,
    ...(r.subresource ? { subResource: r.subresource } : {}),
    requestKind: gvk,
    requestResource: gvr,
    ...(r.subresource ? { requestSubResource: r.subresource } : {}),
    name: r.name,
    namespace: r.namespace,
    operation: r.operation,
    userInfo: { username: r.user.username, ...(r.user.uid ? { uid: r.user.uid } : {}), groups: r.user.groups, ...(r.user.extra ? { extra: r.user.extra } : {}) },
    object: obj,
    oldObject: r.oldObject ?? null,
    dryRun: r.dryRun,
    options: r.options,
  };
  if (!r.name) delete request.name;
  const review = { kind: "AdmissionReview", apiVersion: "admission.k8s.io/v1", request };

  let body: unknown;
  try {
    body = await postReview(target, shown, review, caList(kube, cc), timeout);
  } catch (e) {
    if (e instanceof WebhookCallError) return failed(e.message);
    return failed(`failed to call webhook: Post "${shown}": ${(e as Error).message}`);
  }

  const invalid = (why: string) => failed(`received invalid webhook response: ${why}`);
  if (!isObj(body) || body.apiVersion !== "admission.k8s.io/v1" || body.kind !== "AdmissionReview") {
    const b = isObj(body) ? body : {};
    return invalid(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${String(b.apiVersion ?? "/")}, Kind=${String(b.kind ?? "")}`);
  }
  const res = body.response;
  if (!isObj(res)) return invalid("webhook response was absent");
  if (res.uid !== uid) return invalid(`expected response.uid="${uid}", got "${String(res.uid ?? "")}"`);
  if (Array.isArray(res.warnings)) for (const wmsg of res.warnings) if (typeof wmsg === "string") warnings.push(wmsg);
  if (res.allowed !== true) {
    const st = isObj(res.status) ? res.status : {};
    let code = typeof st.code === "number" ? st.code : 0;
    if (code < 400) code = 400;
    const denied = `admission webhook "${w.name}" denied the request`;
    const message = st.message ? `${denied}: ${String(st.message)}` : st.reason ? `${denied}: ${String(st.reason)}` : `${denied} without explanation`;
    throw new KubeStatusError(code, typeof st.reason === "string" ? st.reason : "", message, isObj(st.details) ? (st.details as KubeStatusError["details"]) : undefined);
  }
  const hasPatch = typeof res.patch === "string" && res.patch !== "";
  const hasType = typeof res.patchType === "string" && res.patchType !== "";
  if (hasPatch && !hasType) return invalid("webhook returned response.patch but not response.patchType");
  if (hasType && !hasPatch) return invalid(`webhook returned response.patchType of "${String(res.patchType)}" but not response.patch`);
  if (!hasPatch) return undefined;
  if (res.patchType !== "JSONPatch") return invalid(`webhook returned invalid response.patchType of "${String(res.patchType)}"`);

  let ops: PatchOp[];
  try {
    ops = JSON.parse(Buffer.from(String(res.patch), "base64").toString("utf8")) as PatchOp[];
    if (!Array.isArray(ops)) throw new Error("patch is not a JSON array");
  } catch (e) {
    throw KubeErrors.internal(`failed calling webhook "${w.name}": received invalid webhook response: ${(e as Error).message}`);
  }
  let patched: KubeObject;
  try {
    patched = fastJsonPatch.applyPatch(structuredClone(obj), ops, true, false).newDocument;
  } catch (e) {
    throw KubeErrors.internal(`JSONPatch failed: ${(e as Error).message}`);
  }
  r.normalize(patched);
  return patched;
}

function throwIt(e: Error): never {
  throw e;
}

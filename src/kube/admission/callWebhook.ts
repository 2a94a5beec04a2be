/**
 * One mutating webhook call, as kube-apiserver's MutatingAdmissionWebhook makes it: resolve the endpoint,
 * send an AdmissionReview v1, check the response (uid, denial, patch and patchType), apply its JSONPatch.
 * Failures follow the webhook's failurePolicy; a denial always stands.
 */
import fastJsonPatch from "fast-json-patch";
import type { Operation as PatchOp } from "fast-json-patch";
import type { KubeContext } from "../KubeContext.js";
import type { KubeObject } from "../KubeStorage.js";
import { KubeErrors, type KubeStatusError } from "../KubeStatusError.js";
import type { WebhookMatchSpec } from "./matching.js";
import type { AdmissionRequest } from "./types.js";
import { displayUrl, postReview, WebhookCallError, type ClientConfig } from "./webhookClient.js";
import { MUTATE_PATH, WEBHOOK_NAMESPACE, WEBHOOK_SERVICE } from "../../webhook/index.js";

export const AWI_SERVICE = { namespace: WEBHOOK_NAMESPACE, name: WEBHOOK_SERVICE };

export interface Webhook extends WebhookMatchSpec {
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

/** Where the lab sends a webhook's request: the AWI service is the lab-hosted webhook; other services have no endpoints. */
export function resolveWebhookUrl(kube: KubeContext, clusterId: string, cc: ClientConfig): string | { noEndpoints: string } {
  if (cc.url) return cc.url;
  const s = cc.service ?? {};
  if (s.namespace === AWI_SERVICE.namespace && s.name === AWI_SERVICE.name) {
    return `${kube.ctx.hosts.localOrigin}/webhooks/azure-wi/${clusterId}${s.path ?? MUTATE_PATH}`;
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

/** The AdmissionReview v1 a webhook receives for the object as admitted so far. */
function admissionReview(r: AdmissionRequest, obj: KubeObject, uid: string): Obj {
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
  return { kind: "AdmissionReview", apiVersion: "admission.k8s.io/v1", request };
}

/** A failed call: logged and skipped under failurePolicy Ignore, else InternalError naming the webhook. */
function failer(kube: KubeContext, w: Webhook): (why: string) => undefined {
  return (why) => {
    if (w.failurePolicy === "Ignore") {
      kube.ctx.log.warn(`failed calling webhook "${w.name}": ${why} (failurePolicy Ignore)`);
      return undefined;
    }
    throw KubeErrors.webhookCallFailed(`failed calling webhook "${w.name}": ${why}`);
  };
}

/** The webhook's denial as a Status error: its code (at least 400), reason and message. */
function denial(w: Webhook, res: Obj): KubeStatusError {
  const st = isObj(res.status) ? res.status : {};
  let code = typeof st.code === "number" ? st.code : 0;
  if (code < 400) code = 400;
  const denied = `admission webhook "${w.name}" denied the request`;
  const message = st.message ? `${denied}: ${String(st.message)}` : st.reason ? `${denied}: ${String(st.reason)}` : `${denied} without explanation`;
  return KubeErrors.webhookDenied(code, typeof st.reason === "string" ? st.reason : "", message, isObj(st.details) ? (st.details as KubeStatusError["details"]) : undefined);
}

/**
 * Checks an AdmissionReview response: the invalid-response reason, `undefined` when it allows without a
 * patch, or its base64 JSONPatch. Collects its warnings; throws its denial.
 */
function checkResponse(w: Webhook, body: unknown, uid: string, warnings: string[]): { invalid: string } | { patch?: string } {
  if (!isObj(body) || body.apiVersion !== "admission.k8s.io/v1" || body.kind !== "AdmissionReview") {
    const b = isObj(body) ? body : {};
    return { invalid: `expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${String(b.apiVersion ?? "/")}, Kind=${String(b.kind ?? "")}` };
  }
  const res = body.response;
  if (!isObj(res)) return { invalid: "webhook response was absent" };
  if (res.uid !== uid) return { invalid: `expected response.uid="${uid}", got "${String(res.uid ?? "")}"` };
  if (Array.isArray(res.warnings)) for (const wmsg of res.warnings) if (typeof wmsg === "string") warnings.push(wmsg);
  if (res.allowed !== true) throw denial(w, res);
  const hasPatch = typeof res.patch === "string" && res.patch !== "";
  const hasType = typeof res.patchType === "string" && res.patchType !== "";
  if (hasPatch && !hasType) return { invalid: "webhook returned response.patch but not response.patchType" };
  if (hasType && !hasPatch) return { invalid: `webhook returned response.patchType of "${String(res.patchType)}" but not response.patch` };
  if (!hasPatch) return {};
  if (res.patchType !== "JSONPatch") return { invalid: `webhook returned invalid response.patchType of "${String(res.patchType)}"` };
  return { patch: String(res.patch) };
}

/** Applies a webhook's base64 JSONPatch to a copy of the object and re-normalizes it. */
function applyWebhookPatch(r: AdmissionRequest, w: Webhook, obj: KubeObject, patch: string): KubeObject {
  let ops: PatchOp[];
  try {
    ops = JSON.parse(Buffer.from(patch, "base64").toString("utf8")) as PatchOp[];
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

/** Calls one webhook: the patched object, or undefined when it left the object as it was (or failed under Ignore). */
export async function callWebhook(kube: KubeContext, r: AdmissionRequest, w: Webhook, obj: KubeObject, warnings: string[]): Promise<KubeObject | undefined> {
  const cc = w.clientConfig ?? {};
  const timeout = w.timeoutSeconds ?? 10;
  const shown = displayUrl(cc, timeout);
  const failed = failer(kube, w);
  const target = resolveWebhookUrl(kube, r.clusterId, cc);
  if (typeof target !== "string") return failed(`failed to call webhook: Post "${shown}": no endpoints available for service "${target.noEndpoints}"`);
  const uid = kube.ctx.random.uuid();
  let body: unknown;
  try {
    body = await postReview(target, shown, admissionReview(r, obj, uid), caList(kube, cc), timeout);
  } catch (e) {
    if (e instanceof WebhookCallError) return failed(e.message);
    return failed(`failed to call webhook: Post "${shown}": ${(e as Error).message}`);
  }
  const checked = checkResponse(w, body, uid, warnings);
  if ("invalid" in checked) return failed(`received invalid webhook response: ${checked.invalid}`);
  return checked.patch === undefined ? undefined : applyWebhookPatch(r, w, obj, checked.patch);
}

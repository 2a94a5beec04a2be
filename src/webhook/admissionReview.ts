// AdmissionReview v1 handling as controller-runtime's webhook server does it (pkg/webhook/admission/http.go,
// webhook.go, response.go) around the azure-workload-identity pod mutator (kubernetes-side.md §1.2, §4).
import { GO_POD, goJsonSyntaxError, goUnmarshalTypeError, goZeroNullElements, interpretKindError } from "./goJson.js";
import { goQuote, mutatePod, resolveWebhookConfig, type ResolvedWebhookConfig, type WebhookConfig } from "./mutate.js";
import type { Pod, ServiceAccount } from "./types.js";

/** Reads a service account (the webhook's cached client, then the live API). undefined = NotFound; a throw = another error. */
export type ServiceAccountGetter = (namespace: string, name: string) => Promise<ServiceAccount | undefined>;

export interface WebhookDeps {
  config: WebhookConfig | ResolvedWebhookConfig;
  getServiceAccount: ServiceAccountGetter;
}

/** metav1.Status as controller-runtime fills it (`metadata` is always there, `message` only when set). */
export interface AdmissionStatus {
  metadata: Record<string, never>;
  message?: string;
  code: number;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: AdmissionStatus;
  /** base64 of the RFC 6902 array; only ever together with patchType. */
  patch?: string;
  patchType?: "JSONPatch";
}

export interface AdmissionReviewResponse {
  apiVersion?: string;
  kind?: string;
  response: AdmissionResponse;
}

export interface AdmissionRequest {
  uid?: string;
  namespace?: string;
  name?: string;
  operation?: string;
  object?: unknown;
  [k: string]: unknown;
}

export const ADMISSION_V1 = "admission.k8s.io/v1";
export const ADMISSION_V1BETA1 = "admission.k8s.io/v1beta1";
/** controller-runtime's maxRequestSize (7 MiB). */
export const MAX_REQUEST_SIZE = 7 * 1024 * 1024;

/** Chains getters: the first that finds the service account wins (the cache, then the API reader). */
export function chainServiceAccountGetters(...getters: ServiceAccountGetter[]): ServiceAccountGetter {
  return async (ns, name) => {
    for (const g of getters) {
      const sa = await g(ns, name);
      if (sa !== undefined) return sa;
    }
    return undefined;
  };
}

/** admission.Errored(code, err): a denial carrying the error text. */
function errored(code: number, message: string): AdmissionResponse {
  return { uid: "", allowed: false, status: { metadata: {}, message, code } };
}

/** The decoder's DecodeRaw into a *v1.Pod: the pod, or the error text the webhook denies with (HTTP 400). */
export function decodePod(object: unknown): { pod: Pod } | { error: string } {
  if (object === undefined || object === null) return { error: "there is no content to decode" };
  const kindErr = interpretKindError(object);
  if (kindErr) return { error: kindErr };
  const typeErr = goUnmarshalTypeError(object, GO_POD);
  if (typeErr) return { error: typeErr };
  return { pod: object as Pod };
}

/** decodePod for raw bytes (RawExtension.Raw), e.g. the upstream test's `invalid`. */
export function decodePodJson(raw: string): { pod: Pod } | { error: string } {
  if (raw === "") return { error: "there is no content to decode" };
  const syntax = goJsonSyntaxError(raw);
  if (syntax) return { error: `couldn't get version/kind; json parse error: ${syntax}` };
  return decodePod(JSON.parse(raw) as unknown);
}

/** The handler proper (podMutator.Handle + Response.Complete): never throws. */
export async function handleAdmissionRequest(request: AdmissionRequest, deps: WebhookDeps): Promise<AdmissionResponse> {
  const uid = typeof request.uid === "string" ? request.uid : "";
  const complete = (r: AdmissionResponse): AdmissionResponse => {
    const out: AdmissionResponse = { uid, allowed: r.allowed, status: r.status ?? { metadata: {}, code: 200 } };
    if (r.patch !== undefined && r.patchType !== undefined) {
      out.patch = r.patch;
      out.patchType = r.patchType;
    }
    return out;
  };
  const decoded = decodePod(request.object);
  if ("error" in decoded) return complete(errored(400, decoded.error));
  // A null container, volume or env entry is Go's zero value: an empty one (the patch first writes it as such).
  const { value: pod, replaced } = goZeroNullElements(decoded.pod, GO_POD);
  const namespace = typeof request.namespace === "string" ? request.namespace : "";
  const saName = pod.spec?.serviceAccountName || "default";
  let sa: ServiceAccount | undefined;
  try {
    sa = await deps.getServiceAccount(namespace, saName);
  } catch (err) {
    return complete(errored(400, err instanceof Error ? err.message : String(err)));
  }
  let result;
  try {
    result = mutatePod(pod, sa, deps.config, namespace);
  } catch (err) {
    return complete(errored(500, err instanceof Error ? err.message : String(err)));
  }
  if (!result.allowed) return complete(errored(result.code, result.message));
  if (result.patch.length === 0) return complete({ uid, allowed: true });
  const patch = [...replaced.map((path) => ({ op: "replace", path, value: {} })), ...result.patch];
  return complete({ uid, allowed: true, patch: Buffer.from(JSON.stringify(patch), "utf8").toString("base64"), patchType: "JSONPatch" });
}

/** Decodes an AdmissionReview body the way the universal deserializer does: the request, its GVK, or the error. */
export function decodeAdmissionReview(text: string): { request: AdmissionRequest; apiVersion: string } | { error: string } {
  const syntax = goJsonSyntaxError(text);
  if (syntax) return { error: `couldn't get version/kind; json parse error: ${syntax}` };
  const v = JSON.parse(text) as unknown;
  const kindErr = interpretKindError(v);
  if (kindErr) return { error: kindErr };
  const o = (v ?? {}) as Record<string, unknown>;
  const apiVersion = typeof o.apiVersion === "string" && o.apiVersion !== "" ? o.apiVersion : ADMISSION_V1;
  const kind = typeof o.kind === "string" && o.kind !== "" ? o.kind : "AdmissionReview";
  if (apiVersion !== ADMISSION_V1 && apiVersion !== ADMISSION_V1BETA1) {
    return { error: `no kind ${goQuote(kind)} is registered for version ${goQuote(apiVersion)} in scheme "pkg/runtime/scheme.go:100"` };
  }
  if (kind !== "AdmissionReview") return { error: `no kind ${goQuote(kind)} is registered for version ${goQuote(apiVersion)} in scheme "pkg/runtime/scheme.go:100"` };
  const req = o.request;
  if (req !== undefined && req !== null && (typeof req !== "object" || Array.isArray(req))) {
    return { error: `json: cannot unmarshal ${Array.isArray(req) ? "array" : typeof req === "boolean" ? "bool" : typeof req} into Go struct field unversionedAdmissionReview.request of type v1.AdmissionRequest` };
  }
  const r = (req ?? {}) as AdmissionRequest;
  for (const f of ["uid", "namespace", "name", "operation"] as const) {
    const fv = r[f];
    if (fv !== undefined && fv !== null && typeof fv !== "string") {
      const type = f === "uid" ? "types.UID" : f === "operation" ? "v1.Operation" : "string";
      const k = Array.isArray(fv) ? "array" : typeof fv === "boolean" ? "bool" : typeof fv;
      return { error: `json: cannot unmarshal ${k} into Go struct field AdmissionRequest.request.${f} of type ${type}` };
    }
  }
  return { request: r, apiVersion };
}

export interface HttpIn {
  method?: string;
  contentType: string | undefined;
  body: Buffer | undefined;
}

export interface HttpOut {
  status: number;
  contentType: string;
  body: string;
}

/** controller-runtime's writeResponse: an AdmissionReview with only `response` (no GVK), HTTP 200, JSON + newline. */
function writeResponse(r: AdmissionResponse): HttpOut {
  return { status: 200, contentType: "application/json", body: JSON.stringify({ response: r }) + "\n" };
}

/**
 * controller-runtime's Webhook.ServeHTTP: empty body, 7 MiB limit, Content-Type exactly application/json, decode,
 * handle, answer with the request's AdmissionReview version. Every failure is an AdmissionReview whose
 * response.status.code says why (400, 413), with HTTP 200 as controller-runtime sends it — never a 500.
 */
export async function serveAdmissionReview(inp: HttpIn, deps: WebhookDeps): Promise<HttpOut> {
  if (inp.body === undefined || inp.body.length === 0) return writeResponse(errored(400, "request body is empty"));
  if (inp.body.length > MAX_REQUEST_SIZE) return writeResponse(errored(413, `request entity is too large; limit is ${MAX_REQUEST_SIZE} bytes`));
  const ct = inp.contentType ?? "";
  if (ct !== "application/json") return writeResponse(errored(400, `contentType=${ct}, expected application/json`));
  const decoded = decodeAdmissionReview(inp.body.toString("utf8"));
  if ("error" in decoded) return writeResponse(errored(400, decoded.error));
  const response = await handleAdmissionRequest(decoded.request, deps);
  const review: AdmissionReviewResponse = { kind: "AdmissionReview", apiVersion: decoded.apiVersion, response };
  return { status: 200, contentType: "application/json", body: JSON.stringify(review) + "\n" };
}

/** Resolves a config once (startup errors surface here, as NewPodMutator's do). */
export function prepareDeps(deps: WebhookDeps): WebhookDeps {
  return { ...deps, config: resolveWebhookConfig(deps.config) };
}

/**
 * wilab's own `Warning` events on a pod, where a real cluster stays silent: the workload identity mistakes that
 * otherwise show only as the SDK's misleading errors in the app (kubernetes-side.md §2). Pure: the kubelet
 * gathers the pod, its service account and the directory's answer, and records what these functions return.
 */
import type { FicDifference, FicLike } from "../diagnose/index.js";
import { CLIENT_ID_ANNOTATION, DEFAULT_AUDIENCE, USE_WORKLOAD_IDENTITY_LABEL } from "../webhook/index.js";
import type { FederatedTrustAnswer } from "./KubeContext.js";
import type { KubeObject } from "./KubeStorage.js";

export const WILAB_COMPONENT = "wilab";

export type WorkloadIdentityReason =
  | "WorkloadIdentityLabelMissing"
  | "WorkloadIdentityClientIdMissing"
  | "WorkloadIdentityNotMutated"
  | "WorkloadIdentityClientIdChanged"
  | "WorkloadIdentityNoFederatedCredential"
  | "WorkloadIdentityClientIdUnknown";

export interface WorkloadIdentityWarning {
  reason: WorkloadIdentityReason;
  message: string;
}

/** The object that owns the pod's template, top-most first known (a Deployment rather than its ReplicaSet). */
export interface TemplateOwner {
  kind: string;
  name: string;
}

export interface PodFacts {
  pod: KubeObject;
  /** The pod's service account (undefined: admission would have refused the pod; nothing is said). */
  sa?: KubeObject;
  /** Other service accounts of the namespace that carry the client-id annotation. */
  annotatedSas: string[];
  owner?: TemplateOwner;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
const CLIENT_ID_NORM = norm(CLIENT_ID_ANNOTATION);
const LABEL_NORM = norm(USE_WORKLOAD_IDENTITY_LABEL);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Is an annotation key a near miss of `azure.workload.identity/client-id` (case, punctuation, prefix or `_`/camelCase)? */
export function isNearMissClientIdKey(key: string): boolean {
  if (key === CLIENT_ID_ANNOTATION) return false;
  if (norm(key) === CLIENT_ID_NORM) return true;
  const last = norm(key.slice(key.lastIndexOf("/") + 1));
  return last === "clientid" || last === "azureclientid";
}

/** The annotation keys of an object that look like the client-id annotation but are not it. */
export function nearMissClientIdKeys(annotations: Record<string, string> | undefined): string[] {
  return Object.keys(annotations ?? {}).filter(isNearMissClientIdKey);
}

/** Why the pod is not selected by the webhook's objectSelector (`azure.workload.identity/use: "true"`), or undefined. */
export function labelProblem(pod: KubeObject): string | undefined {
  const labels = pod.metadata.labels ?? {};
  const v = labels[USE_WORKLOAD_IDENTITY_LABEL];
  if (v === "true") return undefined;
  if (v !== undefined) return `has the label ${USE_WORKLOAD_IDENTITY_LABEL}="${v}", but the webhook selects only the value "true"`;
  if ((pod.metadata.annotations ?? {})[USE_WORKLOAD_IDENTITY_LABEL] !== undefined) return `has ${USE_WORKLOAD_IDENTITY_LABEL} as an annotation; the webhook selects pods by label`;
  const near = Object.keys(labels).find((k) => norm(k) === LABEL_NORM || norm(k.slice(k.lastIndexOf("/") + 1)) === "useworkloadidentity");
  if (near) return `has the label "${near}" instead of ${USE_WORKLOAD_IDENTITY_LABEL}`;
  return `lacks the label ${USE_WORKLOAD_IDENTITY_LABEL}: "true"`;
}

const LABEL_JSON = `{"${USE_WORKLOAD_IDENTITY_LABEL}":"true"}`;

/** How to get the label onto the pod: on its template owner's pod template, else on the pod's manifest; then new pods. */
export function labelFix(pod: KubeObject, owner: TemplateOwner | undefined): string {
  const ns = pod.metadata.namespace ?? "default";
  const template = `{"spec":{"template":{"metadata":{"labels":${LABEL_JSON}}}}}`;
  switch (owner?.kind) {
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
      return `add it to the pod template (spec.template.metadata.labels), not to the ${owner.kind}'s own metadata: kubectl patch ${owner.kind.toLowerCase()} ${owner.name} -n ${ns} -p '${template}' (this rolls out new pods)`;
    case "ReplicaSet":
      return `add it to the ReplicaSet's pod template (spec.template.metadata.labels): kubectl patch replicaset ${owner.name} -n ${ns} -p '${template}', then delete pod ${pod.metadata.name} so that a new one is created`;
    case "Job":
      return `a Job's pod template cannot be changed: delete job ${owner.name} -n ${ns} and create it again with the label in spec.template.metadata.labels`;
    case "CronJob":
      return `add it to the CronJob's pod template: kubectl patch cronjob ${owner.name} -n ${ns} -p '{"spec":{"jobTemplate":{"spec":{"template":{"metadata":{"labels":${LABEL_JSON}}}}}}}' (the next Job's pods get it)`;
    default:
      return `add it to metadata.labels in the pod's manifest and create the pod again (kubectl delete pod ${pod.metadata.name} -n ${ns}, then kubectl apply); kubectl label does not re-run the webhook on an existing pod`;
  }
}

function annotations(o: KubeObject | undefined): Record<string, string> {
  return o?.metadata.annotations ?? {};
}

/** The label and the service account's annotation: `WorkloadIdentityLabelMissing`, `WorkloadIdentityClientIdMissing`. */
export function labelAndAnnotationWarnings(f: PodFacts): WorkloadIdentityWarning[] {
  const { pod, sa } = f;
  if (!sa) return [];
  const ns = pod.metadata.namespace ?? "default";
  const saRef = `"${ns}/${sa.metadata.name}"`;
  const clientId = annotations(sa)[CLIENT_ID_ANNOTATION];
  const near = nearMissClientIdKeys(annotations(sa));
  const label = labelProblem(pod);
  if (label) {
    if (clientId === undefined && near.length === 0) return [];
    const what = clientId !== undefined ? `the annotation ${CLIENT_ID_ANNOTATION}=${clientId}` : `the annotation "${near[0]}" (a near miss of ${CLIENT_ID_ANNOTATION})`;
    return [
      {
        reason: "WorkloadIdentityLabelMissing",
        message:
          `Service account ${saRef} has ${what}, but pod "${pod.metadata.name}" ${label}: the workload identity webhook did not mutate it ` +
          `(no AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST, no projected token), so the Azure SDK falls back to IMDS and fails. ` +
          `Fix: ${labelFix(pod, f.owner)}.`,
      },
    ];
  }
  if (clientId !== undefined && clientId.trim() !== "") return [];
  return [{ reason: "WorkloadIdentityClientIdMissing", message: clientIdMissingMessage(f, saRef, clientId, near) }];
}

function clientIdMissingMessage(f: PodFacts, saRef: string, clientId: string | undefined, near: string[]): string {
  const { pod, sa } = f;
  const ns = pod.metadata.namespace ?? "default";
  const saName = sa!.metadata.name;
  const nearValue = near.length ? annotations(sa)[near[0]!] : undefined;
  const onPod = annotations(pod)[CLIENT_ID_ANNOTATION];
  let found: string;
  if (clientId !== undefined) found = `has ${CLIENT_ID_ANNOTATION} with an empty value`;
  else if (near.length) found = `has no annotation ${CLIENT_ID_ANNOTATION}, only ${near.map((k) => `"${k}"`).join(", ")} (the webhook reads the exact key)`;
  else if (onPod !== undefined) found = `has no annotation ${CLIENT_ID_ANNOTATION}; the pod itself carries it, but the webhook reads it from the service account`;
  else found = `has no annotation ${CLIENT_ID_ANNOTATION}`;
  const others = f.annotatedSas.filter((n) => n !== saName);
  const hint = others.length ? ` Service account "${others[0]}" in this namespace has the annotation: did you mean spec.serviceAccountName: ${others[0]}?` : "";
  const value = [nearValue, onPod].find((v) => v !== undefined && GUID.test(v.trim()))?.trim() ?? "<client id of the managed identity>";
  const remove = near.length ? ` && kubectl annotate serviceaccount ${saName} -n ${ns} ${near.map((k) => `${k}-`).join(" ")}` : "";
  return (
    `Pod "${pod.metadata.name}" is labelled ${USE_WORKLOAD_IDENTITY_LABEL}=true, but its service account ${saRef} ${found}: AZURE_CLIENT_ID in the pod is empty, ` +
    `so the Azure SDK cannot say which identity it signs in as.${hint} ` +
    `Fix: kubectl annotate serviceaccount ${saName} -n ${ns} ${CLIENT_ID_ANNOTATION}=${value} --overwrite${remove}, then create the pod again (the webhook reads the annotation only when a pod is created).`
  );
}

/** Did the webhook mutate the pod (some container has AZURE_FEDERATED_TOKEN_FILE)? */
export function isMutated(pod: KubeObject): boolean {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const containers = [spec.initContainers, spec.containers].flatMap((l) => (Array.isArray(l) ? (l as unknown[]).filter(isObj) : []));
  return containers.some((c) => Array.isArray(c.env) && (c.env as unknown[]).some((e) => isObj(e) && e.name === "AZURE_FEDERATED_TOKEN_FILE"));
}

/** `WorkloadIdentityNotMutated`: a labelled pod the webhook did not mutate (no webhook in the cluster, or it came later). */
export function mutationWarning(pod: KubeObject, webhookRegistered: boolean): WorkloadIdentityWarning | undefined {
  if (labelProblem(pod) || isMutated(pod)) return undefined;
  const why = webhookRegistered
    ? `the pod was created before the webhook was registered, or every container is listed in azure.workload.identity/skip-containers. Fix: create the pod again (kubectl delete pod ${pod.metadata.name} -n ${pod.metadata.namespace ?? "default"}, then kubectl apply)`
    : `the cluster has no workload identity webhook (no MutatingWebhookConfiguration with the webhook mutation.azure-workload-identity.io). Fix: workload identity is set when a cluster is created: az aksarc create ... --enable-oidc-issuer --enable-workload-identity`;
  return {
    reason: "WorkloadIdentityNotMutated",
    message: `Pod "${pod.metadata.name}" is labelled ${USE_WORKLOAD_IDENTITY_LABEL}=true, but no container has AZURE_FEDERATED_TOKEN_FILE or the projected token: ${why}.`,
  };
}

/** The AZURE_CLIENT_ID the webhook injected (from a container it mutated), undefined when it did not mutate the pod. */
export function injectedClientId(pod: KubeObject): string | undefined {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const containers = [spec.initContainers, spec.containers].flatMap((l) => (Array.isArray(l) ? (l as unknown[]).filter(isObj) : []));
  for (const c of containers) {
    const env = Array.isArray(c.env) ? (c.env as unknown[]).filter(isObj) : [];
    if (!env.some((e) => e.name === "AZURE_FEDERATED_TOKEN_FILE")) continue;
    const v = env.find((e) => e.name === "AZURE_CLIENT_ID")?.value;
    return typeof v === "string" ? v : "";
  }
  return undefined;
}

/** `WorkloadIdentityClientIdChanged`: the service account's client id changed after the webhook mutated the pod. */
export function clientIdChangedWarning(pod: KubeObject, sa: KubeObject, owner: TemplateOwner | undefined): WorkloadIdentityWarning | undefined {
  const injected = injectedClientId(pod);
  if (injected === undefined) return undefined;
  const now = (annotations(sa)[CLIENT_ID_ANNOTATION] ?? "").trim();
  if (now === injected) return undefined;
  const ns = pod.metadata.namespace ?? "default";
  const fix =
    owner && ["Deployment", "StatefulSet", "DaemonSet"].includes(owner.kind)
      ? `kubectl rollout restart ${owner.kind.toLowerCase()}/${owner.name} -n ${ns}`
      : `create the pod again (kubectl delete pod ${pod.metadata.name} -n ${ns}, then kubectl apply)`;
  return {
    reason: "WorkloadIdentityClientIdChanged",
    message: `Service account "${ns}/${sa.metadata.name}" now has ${CLIENT_ID_ANNOTATION}=${now || "(none)"}, but pod "${pod.metadata.name}" was given AZURE_CLIENT_ID=${injected || "(empty)"} when it was created: the webhook sets the env only at creation, so the pod keeps signing in as the old identity. Fix: ${fix}.`,
  };
}

/** The token audience the webhook gave the pod (its projected `azure-identity-token`), else the webhook's default. */
export function podTokenAudience(pod: KubeObject): string {
  const spec = isObj(pod.spec) ? pod.spec : {};
  for (const v of Array.isArray(spec.volumes) ? (spec.volumes as unknown[]).filter(isObj) : []) {
    const sources = isObj(v.projected) && Array.isArray(v.projected.sources) ? (v.projected.sources as unknown[]).filter(isObj) : [];
    for (const s of sources) {
      const t = isObj(s.serviceAccountToken) ? s.serviceAccountToken : undefined;
      if (t && typeof t.path === "string" && t.path.endsWith("azure-identity-token")) return typeof t.audience === "string" && t.audience ? t.audience : DEFAULT_AUDIENCE;
    }
  }
  return DEFAULT_AUDIENCE;
}

/** The client id the pod's containers were given (AZURE_CLIENT_ID), else the service account's annotation. */
export function podClientId(pod: KubeObject, sa: KubeObject | undefined): string | undefined {
  const spec = isObj(pod.spec) ? pod.spec : {};
  for (const c of Array.isArray(spec.containers) ? (spec.containers as unknown[]).filter(isObj) : []) {
    const e = (Array.isArray(c.env) ? (c.env as unknown[]).filter(isObj) : []).find((x) => x.name === "AZURE_CLIENT_ID");
    if (e && typeof e.value === "string" && e.value) return e.value;
  }
  const a = annotations(sa)[CLIENT_ID_ANNOTATION]?.trim();
  return a || undefined;
}

/** `{ rg, name }` of the managed identity in an identity's (or one of its credentials') ARM id. */
export function identityOf(armId: string | undefined): { rg: string; name: string } | undefined {
  const m = /\/resourcegroups\/([^/]+)\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/([^/]+)/i.exec(armId ?? "");
  return m ? { rg: m[1]!, name: m[2]! } : undefined;
}

/** The AADSTS code the token endpoint answers for the first differing field. */
function stsCode(d: readonly FicDifference[]): string {
  const first = ["issuer", "subject", "audience"].map((f) => d.find((x) => x.field === f)).find((x) => x !== undefined);
  if (first?.field === "issuer") return "AADSTS700211";
  if (first?.field === "subject") return first.nearMiss === "case" ? "AADSTS7002138" : "AADSTS700213";
  return "AADSTS700212";
}

export interface FederatedFacts {
  clientId: string;
  issuer: string;
  subject: string;
  audience: string;
  answer: FederatedTrustAnswer;
}

/** `WorkloadIdentityNoFederatedCredential` (or `…ClientIdUnknown`): the directory would refuse the pod's token. */
export function federatedWarning(x: FederatedFacts): WorkloadIdentityWarning | undefined {
  const { answer, issuer, subject, audience } = x;
  if (!answer.clientIdKnown) {
    const o = answer.objectIdOf;
    const [, , ns, saName] = x.subject.split(":");
    const fix = o
      ? `'${x.clientId}' is the principal (object) id of '${o.displayName}'; its client id is ${o.appId}. Fix: kubectl annotate serviceaccount ${saName} -n ${ns} ${CLIENT_ID_ANNOTATION}=${o.appId} --overwrite, then create the pod again.`
      : `Fix: use the identity's clientId, not its principalId: az identity show -g <resource group> -n <identity> --query clientId -o tsv.`;
    return {
      reason: "WorkloadIdentityClientIdUnknown",
      message: `No managed identity or application of the tenant has client id '${x.clientId}' (AZURE_CLIENT_ID from ${CLIENT_ID_ANNOTATION}): Entra will answer AADSTS700016. ${fix}`,
    };
  }
  const v = answer.verdict;
  if (v.matched) return undefined;
  const claims = `issuer '${issuer}', subject '${subject}', audience '${audience}'`;
  const mine = identityOf(answer.identityId);
  const idName = mine ? `'${mine.name}'` : `with client id '${x.clientId}'`;
  const create = mine
    ? ` Fix: az identity federated-credential create --name ${subject.split(":").pop()}-federated --identity-name ${mine.name} --resource-group ${mine.rg} --issuer ${issuer} --subject ${subject} --audiences ${audience}.`
    : "";
  if (!v.nearest) {
    return { reason: "WorkloadIdentityNoFederatedCredential", message: `Identity ${idName} has no federated identity credential, and none in the tenant trusts this pod's token (${claims}): Entra will answer AADSTS700211.${create}` };
  }
  const n = v.nearest as FicLike;
  const where = identityOf(n.id);
  const diff = v.differences.map((d) => `${d.field}: credential has '${d.expected}', the pod presents '${d.presented}'${d.nearMiss === "case" ? " (differs only in case)" : d.nearMiss === "trailingSlash" ? " (differs only in a trailing '/')" : ""}`).join("; ");
  if (answer.identityCredentials === 0) {
    return {
      reason: "WorkloadIdentityNoFederatedCredential",
      message: `Identity ${idName} has no federated identity credential for this pod's token (${claims}): Entra will answer AADSTS700211. The nearest in the tenant is '${n.name}'${where ? ` on identity '${where.name}'` : ""}: ${diff}.${create}`,
    };
  }
  const flags = v.differences.map((d) => (d.field === "audience" ? `--audiences ${audience}` : `--${d.field} ${d.presented}`)).join(" ");
  const update = where ? ` Fix: az identity federated-credential update --name ${n.name} --identity-name ${where.name} --resource-group ${where.rg} ${flags}.` : "";
  return {
    reason: "WorkloadIdentityNoFederatedCredential",
    message: `No federated identity credential of identity ${idName} trusts this pod's token (${claims}): Entra will answer ${answer.refusal ?? stsCode(v.differences)}. Nearest: '${n.name}': ${diff}.${update}`,
  };
}

// The azure-workload-identity mutating webhook's Handle(), as a pure function (kubernetes-side.md §1.2).
// It works on a copy of the raw pod JSON, so fields it does not know (an init container's `restartPolicy`,
// pod-level `resources`, anything newer) survive, and answers with the RFC 6902 patch original → mutated.
import { createHash } from "node:crypto";
import jsonpatch from "fast-json-patch";
import type { Container, EnvVar, JsonPatchOp, Pod, ServiceAccount, Volume, VolumeMount } from "./types.js";

// Labels and annotations (pkg/webhook/consts.go).
export const USE_WORKLOAD_IDENTITY_LABEL = "azure.workload.identity/use";
export const CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id";
export const TENANT_ID_ANNOTATION = "azure.workload.identity/tenant-id";
export const SERVICE_ACCOUNT_TOKEN_EXPIRY_ANNOTATION = "azure.workload.identity/service-account-token-expiration";
export const SKIP_CONTAINERS_ANNOTATION = "azure.workload.identity/skip-containers";
export const INJECT_PROXY_SIDECAR_ANNOTATION = "azure.workload.identity/inject-proxy-sidecar";
export const PROXY_SIDECAR_PORT_ANNOTATION = "azure.workload.identity/proxy-sidecar-port";

export const MIN_SERVICE_ACCOUNT_TOKEN_EXPIRATION = 3600;
export const MAX_SERVICE_ACCOUNT_TOKEN_EXPIRATION = 86400;
export const DEFAULT_SERVICE_ACCOUNT_TOKEN_EXPIRATION = 3600;
export const DEFAULT_PROXY_SIDECAR_PORT = 8000;

export const PROXY_INIT_CONTAINER_NAME = "azwi-proxy-init";
export const PROXY_SIDECAR_CONTAINER_NAME = "azwi-proxy";
export const PROXY_INIT_IMAGE_NAME = "proxy-init";
export const PROXY_SIDECAR_IMAGE_NAME = "proxy";
export const PROXY_PORT_ENV_VAR = "PROXY_PORT";

export const AZURE_CLIENT_ID_ENV_VAR = "AZURE_CLIENT_ID";
export const AZURE_TENANT_ID_ENV_VAR = "AZURE_TENANT_ID";
export const AZURE_FEDERATED_TOKEN_FILE_ENV_VAR = "AZURE_FEDERATED_TOKEN_FILE";
export const AZURE_AUTHORITY_HOST_ENV_VAR = "AZURE_AUTHORITY_HOST";

export const DEFAULT_AUDIENCE = "api://AzureADTokenExchange";
export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com/";
export const DEFAULT_PROXY_IMAGE_REGISTRY = "mcr.microsoft.com/oss/azure/workload-identity";
/** The proxy image tag each layout's webhook release was built with (LDFLAGS in the upstream Makefile). */
export const DEFAULT_PROXY_IMAGE_VERSION: Record<WebhookLayout, string> = { "v1.5": "v1.5.1", "v1.6": "v1.6.0" };
/** "SidecarContainers" is safe from 1.32 on (beta in 1.29 + the kubelet skew policy). */
export const NATIVE_SIDECAR_MIN_VERSION = { major: 1, minor: 32 } as const;

/** v1.0–v1.5.x constants (what every doc and issue shows). */
export const V15 = { volumeName: "azure-identity-token", mountPath: "/var/run/secrets/azure/tokens", tokenPath: "azure-identity-token" } as const;
/** v1.6.0 (#1720): a reserved, per-pod volume name. */
export const V16 = { volumeNamePrefix: "azure-workload-identity-reserved-", mountPath: "/var/run/secrets/azure/wi", tokenPath: "token/azure-identity-token" } as const;

export type WebhookLayout = "v1.5" | "v1.6";

export interface WebhookConfig {
  /** AZURE_TENANT_ID of the webhook's ConfigMap: the tenant used when the service account has no tenant-id annotation. */
  tenantId: string;
  /** AZURE_AUTHORITY_HOST injected into pods. Wins over `azureEnvironment`; default https://login.microsoftonline.com/. */
  authorityHost?: string;
  /** AZURE_ENVIRONMENT (AzurePublicCloud, AzureUSGovernmentCloud, AzureChinaCloud, AzureGermanCloud). */
  azureEnvironment?: string;
  /** `--audience` (default api://AzureADTokenExchange). */
  audience?: string;
  /** Volume/mount constants: "v1.5" (default) or "v1.6". */
  layout?: WebhookLayout;
  proxyImageRegistry?: string;
  proxyImageVersion?: string;
  /** PROXY_IMAGE / PROXY_INIT_IMAGE overrides (used as is when set). */
  proxyImage?: string;
  proxyInitImage?: string;
  /** The API server's gitVersion (`/version`), e.g. "v1.32.2": ≥ 1.32 injects the proxy as a native sidecar. */
  serverVersion: string;
  /** The webhook's log level, passed on to the proxy sidecar (`--log-level=`). Default "info". */
  logLevel?: string;
}

export interface ResolvedWebhookConfig {
  tenantId: string;
  authorityHost: string;
  audience: string;
  layout: WebhookLayout;
  proxyImage: string;
  proxyInitImage: string;
  useNativeSidecar: boolean;
  logLevel: string;
}

export type MutateResult = { allowed: true; patch: JsonPatchOp[]; mutated: Pod } | { allowed: false; code: number; message: string };

/** A startup error of the webhook (bad environment name, unparseable server version). */
export class WebhookConfigError extends Error {}

// go-autorest's environments map (keys are upper-cased names) → ActiveDirectoryEndpoint.
const ENVIRONMENTS: Record<string, string> = {
  AZURECHINACLOUD: "https://login.chinacloudapi.cn/",
  AZUREGERMANCLOUD: "https://login.microsoftonline.de/",
  AZURECLOUD: "https://login.microsoftonline.com/",
  AZUREPUBLICCLOUD: "https://login.microsoftonline.com/",
  AZUREUSGOVERNMENT: "https://login.microsoftonline.us/",
  AZUREUSGOVERNMENTCLOUD: "https://login.microsoftonline.us/",
};

/** getAzureAuthorityHost: "" → public cloud; otherwise go-autorest's EnvironmentFromName (case-insensitive). */
export function authorityHostFor(environment: string | undefined): string {
  if (environment === undefined || environment === "") return DEFAULT_AUTHORITY_HOST;
  const name = environment.toUpperCase();
  const host = ENVIRONMENTS[name];
  if (host === undefined) throw new WebhookConfigError(`autorest/azure: There is no cloud environment matching the name ${goQuote(name)}`);
  return host;
}

interface SemVer {
  major: number;
  minor: number;
  patch: number;
  pre: string;
}

/** k8s.io/apimachinery/pkg/util/version.ParseSemantic (a leading "v" is allowed, build metadata ignored). */
export function parseSemanticVersion(s: string): SemVer {
  const m = /^\s*v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*$/.exec(s);
  if (!m) throw new WebhookConfigError(`could not parse ${goQuote(s)} as version`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ?? "" };
}

/** serverVersionGTE: the server's gitVersion is at least major.minor (a pre-release of x.y.0 is below x.y). */
export function serverVersionGTE(gitVersion: string, major: number, minor: number): boolean {
  const v = parseSemanticVersion(gitVersion);
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  if (v.patch > 0) return true;
  return v.pre === "";
}

/** The constructor half of NewPodMutator: defaults, the authority host and the native-sidecar decision. */
export function resolveWebhookConfig(c: WebhookConfig | ResolvedWebhookConfig): ResolvedWebhookConfig {
  if ("useNativeSidecar" in c) return c;
  const layout: WebhookLayout = c.layout ?? "v1.5";
  if (layout !== "v1.5" && layout !== "v1.6") throw new WebhookConfigError(`unknown layout ${goQuote(String(layout))}: expected v1.5 or v1.6`);
  const registry = c.proxyImageRegistry ?? DEFAULT_PROXY_IMAGE_REGISTRY;
  const version = c.proxyImageVersion ?? DEFAULT_PROXY_IMAGE_VERSION[layout];
  let useNativeSidecar: boolean;
  try {
    useNativeSidecar = serverVersionGTE(c.serverVersion, NATIVE_SIDECAR_MIN_VERSION.major, NATIVE_SIDECAR_MIN_VERSION.minor);
  } catch (err) {
    throw new WebhookConfigError(`failed to check kubernetes version: ${(err as Error).message}`);
  }
  let authorityHost = c.authorityHost;
  if (authorityHost === undefined || authorityHost === "") {
    try {
      authorityHost = authorityHostFor(c.azureEnvironment);
    } catch (err) {
      throw new WebhookConfigError(`failed to get AAD endpoint: ${(err as Error).message}`);
    }
  }
  return {
    tenantId: c.tenantId,
    authorityHost,
    audience: c.audience || DEFAULT_AUDIENCE,
    layout,
    proxyImage: c.proxyImage || `${registry}/${PROXY_SIDECAR_IMAGE_NAME}:${version}`,
    proxyInitImage: c.proxyInitImage || `${registry}/${PROXY_INIT_IMAGE_NAME}:${version}`,
    useNativeSidecar,
    logLevel: c.logLevel || "info",
  };
}

/** Go's %q for the plain strings these messages quote. */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** strconv.ParseInt(s, 10, bitSize): the value, or Go's error text. */
export function goParseInt(s: string, bitSize: 32 | 64): { value: number } | { error: string } {
  const fn = "strconv.ParseInt";
  if (!/^[+-]?[0-9]+$/.test(s)) return { error: `${fn}: parsing ${goQuote(s)}: invalid syntax` };
  const n = BigInt(s);
  const max = (1n << BigInt(bitSize - 1)) - 1n;
  const min = -(1n << BigInt(bitSize - 1));
  if (n > max || n < min) return { error: `${fn}: parsing ${goQuote(s)}: value out of range` };
  return { value: Number(n) };
}

type Annotated = { metadata?: { annotations?: Record<string, string> } };
const annotationsOf = (o: Annotated | undefined): Record<string, string> => o?.metadata?.annotations ?? {};
const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** getServiceAccountTokenExpiration: pod annotation (non-empty) > service account annotation (non-empty) > 3600. */
export function getServiceAccountTokenExpiration(pod: Pod, sa: ServiceAccount): { value: number } | { error: string } {
  let exp = DEFAULT_SERVICE_ACCOUNT_TOKEN_EXPIRATION;
  const fromPod = annotationsOf(pod)[SERVICE_ACCOUNT_TOKEN_EXPIRY_ANNOTATION];
  const fromSa = annotationsOf(sa)[SERVICE_ACCOUNT_TOKEN_EXPIRY_ANNOTATION];
  const raw = fromPod !== undefined && fromPod !== "" ? fromPod : fromSa !== undefined && fromSa !== "" ? fromSa : undefined;
  if (raw !== undefined) {
    const p = goParseInt(raw, 64);
    if ("error" in p) return p;
    exp = p.value;
  }
  if (exp < MIN_SERVICE_ACCOUNT_TOKEN_EXPIRATION || exp > MAX_SERVICE_ACCOUNT_TOKEN_EXPIRATION) {
    return { error: `token expiration ${exp} not valid. Expected value to be between ${MIN_SERVICE_ACCOUNT_TOKEN_EXPIRATION} and ${MAX_SERVICE_ACCOUNT_TOKEN_EXPIRATION}` };
  }
  return { value: exp };
}

/** getClientID: the service account's client-id annotation, "" when absent. */
export function getClientID(sa: ServiceAccount): string {
  return annotationsOf(sa)[CLIENT_ID_ANNOTATION] ?? "";
}

/** getTenantID: the annotation when the KEY exists (even empty), else the webhook's tenant. */
export function getTenantID(sa: ServiceAccount, tenantId: string): string {
  const a = annotationsOf(sa);
  return hasOwn(a, TENANT_ID_ANNOTATION) ? a[TENANT_ID_ANNOTATION]! : tenantId;
}

/** getSkipContainers: split on ";", each name trimmed; undefined when the annotation is absent or empty. */
export function getSkipContainers(pod: Pod): Set<string> | undefined {
  const v = annotationsOf(pod)[SKIP_CONTAINERS_ANNOTATION];
  if (v === undefined || v === "") return undefined;
  return new Set(v.split(";").map((s) => s.trim()));
}

/** shouldInjectProxySidecar: the annotation KEY is present (its value is not read; "false" injects too). */
export function shouldInjectProxySidecar(pod: Pod): boolean {
  return hasOwn(annotationsOf(pod), INJECT_PROXY_SIDECAR_ANNOTATION);
}

/** getProxyPort: the port annotation parsed as int32, default 8000. */
export function getProxyPort(pod: Pod): { value: number } | { error: string } {
  const a = annotationsOf(pod);
  if (!hasOwn(a, PROXY_SIDECAR_PORT_ANNOTATION)) return { value: DEFAULT_PROXY_SIDECAR_PORT };
  const p = goParseInt(a[PROXY_SIDECAR_PORT_ANNOTATION]!, 32);
  return "error" in p ? { error: `failed to parse proxy sidecar port: ${p.error}` } : p;
}

/** The pod's identity for the v1.6 volume name: metadata.name, or generateName + " (prefix)". */
export function podIdentity(pod: Pod): string {
  const name = pod.metadata?.name ?? "";
  return name !== "" ? name : `${pod.metadata?.generateName ?? ""} (prefix)`;
}

export interface TokenLayout {
  volumeName: string;
  mountPath: string;
  tokenPath: string;
  /** The AZURE_FEDERATED_TOKEN_FILE value: mountPath joined with tokenPath. */
  tokenFile: string;
}

/** The volume name, mount path and projection path for a layout and a pod identity. */
export function tokenLayout(layout: WebhookLayout, podName: string): TokenLayout {
  if (layout === "v1.6") {
    const hash = createHash("sha256").update(podName, "utf8").digest("hex").slice(0, 63 - V16.volumeNamePrefix.length);
    return { volumeName: V16.volumeNamePrefix + hash, mountPath: V16.mountPath, tokenPath: V16.tokenPath, tokenFile: `${V16.mountPath}/${V16.tokenPath}` };
  }
  return { volumeName: V15.volumeName, mountPath: V15.mountPath, tokenPath: V15.tokenPath, tokenFile: `${V15.mountPath}/${V15.tokenPath}` };
}

/** addEnvironmentVariables: append each desired variable whose NAME is not there yet (valueFrom counts) and whose value is non-empty. */
export function addEnvironmentVariables(container: Container, clientID: string, tenantID: string, tokenFile: string, authorityHost: string): Container {
  const present = new Set((container.env ?? []).map((e) => e.name));
  const desired: EnvVar[] = [
    { name: AZURE_CLIENT_ID_ENV_VAR, value: clientID },
    { name: AZURE_TENANT_ID_ENV_VAR, value: tenantID },
    { name: AZURE_FEDERATED_TOKEN_FILE_ENV_VAR, value: tokenFile },
    { name: AZURE_AUTHORITY_HOST_ENV_VAR, value: authorityHost },
  ];
  const add = desired.filter((e) => !present.has(e.name) && e.value !== "");
  if (add.length === 0) return container;
  return { ...container, env: [...(container.env ?? []), ...add] };
}

/** The volume mount for a container: v1.5 skips when a mount with the name exists, v1.6 replaces it. */
export function addProjectedVolumeMount(container: Container, layout: WebhookLayout, volumeName: string, mountPath: string): Container {
  const mount: VolumeMount = { name: volumeName, mountPath, readOnly: true };
  const mounts = container.volumeMounts ?? [];
  const i = mounts.findIndex((m) => m.name === volumeName);
  if (i >= 0) {
    if (layout === "v1.5") return container;
    const next = mounts.slice();
    next[i] = mount;
    return { ...container, volumeMounts: next };
  }
  return { ...container, volumeMounts: [...mounts, mount] };
}

/** The projected service account token volume. */
export function projectedVolume(volumeName: string, tokenPath: string, expirationSeconds: number, audience: string): Volume {
  const serviceAccountToken: { audience?: string; expirationSeconds: number; path: string } = { expirationSeconds, path: tokenPath };
  if (audience !== "") serviceAccountToken.audience = audience;
  return { name: volumeName, projected: { sources: [{ serviceAccountToken }] } };
}

/**
 * addProjectedVolume. v1.5: nothing when any projected volume already has a serviceAccountToken source with path
 * `azure-identity-token`, else append. v1.6: replace the same-name volume, else append.
 */
export function addProjectedVolume(volumes: Volume[] | undefined, layout: WebhookLayout, volume: Volume): Volume[] {
  const list = volumes ?? [];
  if (layout === "v1.5") {
    const exists = list.some((v) => (v.projected?.sources ?? []).some((s) => s.serviceAccountToken?.path === V15.tokenPath));
    return exists ? list : [...list, volume];
  }
  const i = list.findIndex((v) => v.name === volume.name);
  if (i < 0) return [...list, volume];
  const next = list.slice();
  next[i] = volume;
  return next;
}

/** mutateContainers: env then mount for every container not in the skip set. */
export function mutateContainers(containers: Container[], skip: Set<string> | undefined, f: (c: Container) => Container): Container[] {
  return containers.map((c) => (skip?.has(c.name) ? c : f(c)));
}

/** The proxy init container (appended to initContainers). */
export function proxyInitContainer(image: string, port: number): Container {
  return {
    name: PROXY_INIT_CONTAINER_NAME,
    image,
    env: [{ name: PROXY_PORT_ENV_VAR, value: String(port) }],
    resources: {},
    imagePullPolicy: "IfNotPresent",
    securityContext: { capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] }, privileged: true, runAsUser: 0, runAsNonRoot: false },
  };
}

/** The proxy sidecar (prepended to containers, or to initContainers with restartPolicy Always as a native sidecar). */
export function proxySidecarContainer(image: string, port: number, logLevel: string, restartPolicy?: "Always"): Container {
  const c: Container = {
    name: PROXY_SIDECAR_CONTAINER_NAME,
    image,
    args: [`--proxy-port=${port}`, `--log-level=${logLevel}`],
    ports: [{ containerPort: port }],
    resources: {},
    lifecycle: { postStart: { exec: { command: ["/proxy", `--proxy-port=${port}`, "--probe", `--log-level=${logLevel}`] } } },
    imagePullPolicy: "IfNotPresent",
    securityContext: { capabilities: { drop: ["ALL"] }, privileged: false, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
  };
  if (restartPolicy) c.restartPolicy = restartPolicy;
  return c;
}

/** injectProxyInitContainer: append the init container unless one with its name exists. */
export function injectProxyInitContainer(containers: Container[], image: string, port: number): Container[] {
  if (containers.some((c) => c.name === PROXY_INIT_CONTAINER_NAME)) return containers;
  return [...containers, proxyInitContainer(image, port)];
}

/** injectProxySidecarContainer: prepend the sidecar unless one with its name exists. */
export function injectProxySidecarContainer(containers: Container[], image: string, port: number, logLevel: string, restartPolicy?: "Always"): Container[] {
  if (containers.some((c) => c.name === PROXY_SIDECAR_CONTAINER_NAME)) return containers;
  return [proxySidecarContainer(image, port, logLevel, restartPolicy), ...containers];
}

const deny = (message: string): MutateResult => ({ allowed: false, code: 400, message });

/**
 * The webhook's Handle() for a decoded pod (§1.2 steps 2–10). `serviceAccount` is the result of the caller's
 * GET of `spec.serviceAccountName || "default"` in the request namespace (undefined = NotFound). `namespace`
 * is the AdmissionRequest's namespace, copied onto the pod as the webhook does.
 */
export function mutatePod(pod: Pod, serviceAccount: ServiceAccount | undefined, config: WebhookConfig | ResolvedWebhookConfig, namespace?: string): MutateResult {
  const cfg = resolveWebhookConfig(config);
  // No deep copies: every step below replaces what it changes (new containers, lists, metadata) and never
  // writes into the caller's objects, so a copy of the pod and of its spec keeps `pod` as it came in.
  const original = pod;
  const work: Pod = pod.spec != null ? { ...pod, spec: { ...pod.spec } } : { ...pod };
  const podName = podIdentity(work);
  const saName = work.spec?.serviceAccountName || "default";
  if (serviceAccount === undefined) return deny(`serviceaccounts ${goQuote(saName)} not found`);

  // Step 4: the proxy. Its containers are inserted with explicit `add` operations (an insert at index 0 of a
  // list diffed element by element would turn into `replace`s and `remove`s of the existing containers' fields).
  const inserts: JsonPatchOp[] = [];
  if (shouldInjectProxySidecar(work)) {
    if (work.spec?.hostNetwork === true) return deny("hostNetwork is set to true, cannot inject proxy sidecar");
    const port = getProxyPort(work);
    if ("error" in port) return deny(port.error);
    const spec = (work.spec ??= {});
    if (original.spec == null) inserts.push({ op: "add", path: "/spec", value: {} });
    // Each injection adds at most one container: at the end (init) or at index 0 (sidecar).
    const apply = (field: "initContainers" | "containers", prev: Container[] | undefined, next: Container[], at: "start" | "end"): void => {
      if (next === prev || (prev == null && next.length === 0)) return;
      spec[field] = next;
      if (prev == null) inserts.push({ op: "add", path: `/spec/${field}`, value: structuredClone(next) });
      else inserts.push({ op: "add", path: `/spec/${field}/${at === "start" ? 0 : prev.length}`, value: structuredClone(at === "start" ? next[0] : next[next.length - 1]) });
    };
    apply("initContainers", spec.initContainers, injectProxyInitContainer(spec.initContainers ?? [], cfg.proxyInitImage, port.value), "end");
    if (cfg.useNativeSidecar) {
      apply("initContainers", spec.initContainers, injectProxySidecarContainer(spec.initContainers ?? [], cfg.proxyImage, port.value, cfg.logLevel, "Always"), "start");
    } else {
      apply("containers", spec.containers, injectProxySidecarContainer(spec.containers ?? [], cfg.proxyImage, port.value, cfg.logLevel), "start");
    }
  }
  const afterInserts: Pod = work.spec != null ? { ...work, spec: { ...work.spec } } : { ...work };
  // Step 2: "for daemonset/deployment pods the namespace field is not set": the request's namespace is copied.
  if (namespace !== undefined && namespace !== "" && work.metadata?.namespace !== namespace) {
    work.metadata = { ...(work.metadata ?? {}), namespace };
  }

  // Steps 5–7.
  const exp = getServiceAccountTokenExpiration(work, serviceAccount);
  if ("error" in exp) return deny(exp.error);
  const clientID = getClientID(serviceAccount);
  const tenantID = getTenantID(serviceAccount, cfg.tenantId);
  const skip = getSkipContainers(work);
  const t = tokenLayout(cfg.layout, podName);

  // Steps 8–9: init containers first, then containers, then the volume.
  const mutate = (c: Container): Container => addProjectedVolumeMount(addEnvironmentVariables(c, clientID, tenantID, t.tokenFile, cfg.authorityHost), cfg.layout, t.volumeName, t.mountPath);
  const spec = (work.spec ??= {});
  if (spec.initContainers != null) spec.initContainers = mutateContainers(spec.initContainers, skip, mutate);
  if (spec.containers != null) spec.containers = mutateContainers(spec.containers, skip, mutate);
  const volumes = addProjectedVolume(spec.volumes, cfg.layout, projectedVolume(t.volumeName, t.tokenPath, exp.value, cfg.audience));
  if (volumes !== spec.volumes) spec.volumes = volumes;

  // Step 10.
  const base = inserts.length > 0 ? afterInserts : original;
  const diff = jsonpatch.compare(base, work) as JsonPatchOp[];
  return { allowed: true, patch: [...inserts, ...diff], mutated: work };
}

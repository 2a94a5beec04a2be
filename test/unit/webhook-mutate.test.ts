// The azure-workload-identity webhook's mutation, against kubernetes-side.md §1.2 and the upstream test list §1.3
// (pkg/webhook/webhook_test.go). Each row is named after the upstream test and case; expected values are the
// reference's literals (paths, names, messages), not values computed by the code under test.
import { test } from "node:test";
import assert from "node:assert/strict";
import jsonpatch from "fast-json-patch";
import {
  addEnvironmentVariables,
  addProjectedVolume,
  addProjectedVolumeMount,
  authorityHostFor,
  getClientID,
  getProxyPort,
  getServiceAccountTokenExpiration,
  getSkipContainers,
  getTenantID,
  injectProxyInitContainer,
  injectProxySidecarContainer,
  mutateContainers,
  mutatePod,
  projectedVolume,
  serverVersionGTE,
  shouldInjectProxySidecar,
  tokenLayout,
  type WebhookConfig,
} from "../../src/webhook/mutate.js";
import { chainServiceAccountGetters, decodePodJson, handleAdmissionRequest, type ServiceAccountGetter } from "../../src/webhook/admissionReview.js";
import type { Container, JsonPatchOp, Pod, ServiceAccount, Volume } from "../../src/webhook/types.js";

// ---- literals from the reference ----
const EXPIRY = "azure.workload.identity/service-account-token-expiration";
const CLIENT_ID = "azure.workload.identity/client-id";
const TENANT_ID = "azure.workload.identity/tenant-id";
const SKIP = "azure.workload.identity/skip-containers";
const INJECT_PROXY = "azure.workload.identity/inject-proxy-sidecar";
const PROXY_PORT = "azure.workload.identity/proxy-sidecar-port";
const USE = "azure.workload.identity/use";
const PUBLIC = "https://login.microsoftonline.com/";
const AUD = "api://AzureADTokenExchange";
const V15_VOLUME = "azure-identity-token";
const V15_MOUNT = "/var/run/secrets/azure/tokens";
const V15_FILE = "/var/run/secrets/azure/tokens/azure-identity-token";
const V16_MOUNT = "/var/run/secrets/azure/wi";
const V16_PATH = "token/azure-identity-token";
const V16_FILE = "/var/run/secrets/azure/wi/token/azure-identity-token";
// "azure-workload-identity-reserved-" + first 30 hex of sha256("pod") (63 characters).
const V16_VOLUME_POD = "azure-workload-identity-reserved-425c89ed5bb78a7623fae60fd8a6f6";
const REG = "my.proxy-image-registry.io/azwi";
const VER = "v1.0.0";

const CFG: WebhookConfig = { tenantId: "tenantID", serverVersion: "v1.31.4", proxyImageRegistry: REG, proxyImageVersion: VER };
const CFG16: WebhookConfig = { ...CFG, layout: "v1.6" };
const CFG_NATIVE: WebhookConfig = { ...CFG, serverVersion: "v1.32.0" };

const sa = (name: string, annotations?: Record<string, string>): ServiceAccount => ({ metadata: { name, namespace: "ns1", ...(annotations ? { annotations } : {}) } });
const podWith = (annotations?: Record<string, string>): Pod => ({ metadata: { name: "pod", namespace: "default", ...(annotations ? { annotations } : {}) } });

/** upstream newPod(name, namespace, sa, labels, annotations, hostNetwork): one init container, one container. */
function newPod(name: string, namespace: string, saName: string, labels?: Record<string, string>, annotations?: Record<string, string>, hostNetwork = false): Pod {
  const metadata: Pod["metadata"] = { name, namespace };
  if (labels) metadata.labels = labels;
  if (annotations) metadata.annotations = annotations;
  const spec: Pod["spec"] = { initContainers: [{ name: "init-container", image: "init-container-image" }], containers: [{ name: "container", image: "image" }] };
  if (saName) spec.serviceAccountName = saName;
  if (hostNetwork) spec.hostNetwork = true;
  return { metadata, spec };
}

const apply = (doc: unknown, patch: JsonPatchOp[]): unknown => jsonpatch.applyPatch(structuredClone(doc), patch as jsonpatch.Operation[], true, false).newDocument;
const opList = (patch: JsonPatchOp[]): string[] => patch.map((p) => `${p.op} ${p.path}`).sort();
const decodePatch = (b64: string): JsonPatchOp[] => JSON.parse(Buffer.from(b64, "base64").toString("utf8")) as JsonPatchOp[];

function mustMutate(pod: Pod, account: ServiceAccount | undefined, cfg: WebhookConfig, ns?: string) {
  const r = mutatePod(pod, account, cfg, ns);
  if (!r.allowed) assert.fail(`expected allowed, got ${r.message}`);
  return r;
}

// ---------------- TestGetServiceAccountTokenExpiration ----------------
const EXPIRATION_ROWS: { name: string; pod: Pod; sa: ServiceAccount; want: number | string }[] = [
  { name: "pod token expiry annotation invalid", pod: podWith({ [EXPIRY]: "3600s" }), sa: sa("sa"), want: 'strconv.ParseInt: parsing "3600s": invalid syntax' },
  { name: "service account token expiry annotation invalid", pod: {}, sa: sa("sa", { [EXPIRY]: "3600s" }), want: 'strconv.ParseInt: parsing "3600s": invalid syntax' },
  { name: "invalid token expiry < 3600", pod: podWith({ [EXPIRY]: "3599" }), sa: sa("sa"), want: "token expiration 3599 not valid. Expected value to be between 3600 and 86400" },
  { name: "invalid token expiry > 86400", pod: podWith({ [EXPIRY]: "86401" }), sa: sa("sa"), want: "token expiration 86401 not valid. Expected value to be between 3600 and 86400" },
  { name: "valid token expiry defined in service account", pod: podWith(), sa: sa("sa", { [EXPIRY]: "4800" }), want: 4800 },
  { name: "token expiry in pod preferred over service account token expiry", pod: podWith({ [EXPIRY]: "4000" }), sa: sa("sa", { [EXPIRY]: "4800" }), want: 4000 },
  // §1.2 step 5 details.
  { name: "(ref) no annotation → 3600", pod: podWith(), sa: sa("sa"), want: 3600 },
  { name: "(ref) empty pod annotation falls back to the service account", pod: podWith({ [EXPIRY]: "" }), sa: sa("sa", { [EXPIRY]: "7200" }), want: 7200 },
  { name: "(ref) bounds are inclusive: 3600", pod: podWith({ [EXPIRY]: "3600" }), sa: sa("sa"), want: 3600 },
  { name: "(ref) bounds are inclusive: 86400", pod: podWith({ [EXPIRY]: "86400" }), sa: sa("sa"), want: 86400 },
  { name: "(ref) e2e: expiry 100 on the service account", pod: podWith(), sa: sa("sa", { [EXPIRY]: "100" }), want: "token expiration 100 not valid. Expected value to be between 3600 and 86400" },
  { name: "(ref) e2e: expiry invalid on the pod", pod: podWith({ [EXPIRY]: "invalid" }), sa: sa("sa"), want: 'strconv.ParseInt: parsing "invalid": invalid syntax' },
];
for (const r of EXPIRATION_ROWS) {
  test(`TestGetServiceAccountTokenExpiration/${r.name}`, () => {
    const got = getServiceAccountTokenExpiration(r.pod, r.sa);
    if (typeof r.want === "number") assert.deepEqual(got, { value: r.want });
    else assert.deepEqual(got, { error: r.want });
  });
}

// ---------------- TestGetClientID / TestGetTenantID ----------------
for (const [name, account, want] of [
  ["client id not present", sa("sa"), ""],
  ["client id present", sa("sa", { [CLIENT_ID]: "client-id" }), "client-id"],
] as const) {
  test(`TestGetClientID/${name}`, () => assert.equal(getClientID(account), want));
}
for (const [name, account, tenant, want] of [
  ["tenant ID annotation defined", sa("sa", { [TENANT_ID]: "tenant-id" }), "", "tenant-id"],
  ["tenant ID annotation not defined, use default", sa("sa"), "tenant-id", "tenant-id"],
  ["(ref) annotation key present but empty wins over the config", sa("sa", { [TENANT_ID]: "" }), "tenant-id", ""],
] as const) {
  test(`TestGetTenantID/${name}`, () => assert.equal(getTenantID(account, tenant), want));
}

// ---------------- TestGetSkipContainers ----------------
for (const [name, annotations, want] of [
  ["no skip containers defined", undefined, undefined],
  ["one skip container defined", { [SKIP]: "container1" }, ["container1"]],
  ["multiple skip containers defined delimited by ;", { [SKIP]: "container1;container2" }, ["container1", "container2"]],
  ["multiple skip containers defined with extra space", { [SKIP]: "container1; container2" }, ["container1", "container2"]],
  ["(ref) trailing separator", { [SKIP]: "a; b;" }, ["a", "b", ""]],
] as const) {
  test(`TestGetSkipContainers/${name}`, () => {
    const got = getSkipContainers(podWith(annotations));
    assert.deepEqual(got === undefined ? undefined : [...got], want === undefined ? undefined : [...want]);
  });
}

// ---------------- TestAddProjectedVolume (both layouts) ----------------
const v16Volume = (path: string, audience: string): Volume => ({ name: V16_VOLUME_POD, projected: { sources: [{ serviceAccountToken: { path, expirationSeconds: 3600, audience } }] } });
const v15Volume: Volume = { name: V15_VOLUME, projected: { sources: [{ serviceAccountToken: { path: "azure-identity-token", expirationSeconds: 3600, audience: AUD } }] } };
const VOLUME_ROWS: { name: string; layout: "v1.5" | "v1.6"; volumes: Volume[] | undefined; want: Volume[] }[] = [
  { name: "v1.6/no volumes in the pod", layout: "v1.6", volumes: undefined, want: [v16Volume(V16_PATH, AUD)] },
  { name: "v1.6/azure-identity-token projected volume already exists", layout: "v1.6", volumes: [v16Volume(V16_PATH, AUD)], want: [v16Volume(V16_PATH, AUD)] },
  { name: "v1.6/existing projected service account token volume overridden with desired audience", layout: "v1.6", volumes: [v16Volume("my-projected-volume", "aud")], want: [v16Volume(V16_PATH, AUD)] },
  { name: "v1.5/no volumes in the pod", layout: "v1.5", volumes: undefined, want: [v15Volume] },
  { name: "v1.5/azure-identity-token projected volume already exists", layout: "v1.5", volumes: [v15Volume], want: [v15Volume] },
  {
    name: "v1.5/existing projected service account token volume not affected",
    layout: "v1.5",
    volumes: [{ name: "my-volume", projected: { sources: [{ serviceAccountToken: { path: "my-projected-volume", expirationSeconds: 3600, audience: "aud" } }] } }],
    want: [{ name: "my-volume", projected: { sources: [{ serviceAccountToken: { path: "my-projected-volume", expirationSeconds: 3600, audience: "aud" } }] } }, v15Volume],
  },
  {
    name: "v1.5/(ref) skipped when another volume projects path azure-identity-token",
    layout: "v1.5",
    volumes: [{ name: "other", projected: { sources: [{ configMap: { name: "x" } }, { serviceAccountToken: { path: "azure-identity-token", audience: "aud" } }] } }],
    want: [{ name: "other", projected: { sources: [{ configMap: { name: "x" } }, { serviceAccountToken: { path: "azure-identity-token", audience: "aud" } }] } }],
  },
];
for (const r of VOLUME_ROWS) {
  test(`TestAddProjectedVolume/${r.name}`, () => {
    const t = tokenLayout(r.layout, "pod");
    assert.deepEqual(addProjectedVolume(r.volumes, r.layout, projectedVolume(t.volumeName, t.tokenPath, 3600, AUD)), r.want);
  });
}
test("TestAddProjectedVolume/(ref) layout constants", () => {
  assert.deepEqual(tokenLayout("v1.5", "pod"), { volumeName: V15_VOLUME, mountPath: V15_MOUNT, tokenPath: "azure-identity-token", tokenFile: V15_FILE });
  assert.deepEqual(tokenLayout("v1.6", "pod"), { volumeName: V16_VOLUME_POD, mountPath: V16_MOUNT, tokenPath: V16_PATH, tokenFile: V16_FILE });
  assert.equal(V16_VOLUME_POD.length, 63);
});

// ---------------- TestAddEnvironmentVariables ----------------
const fourEnv = (file: string) => [
  { name: "AZURE_CLIENT_ID", value: "clientID" },
  { name: "AZURE_TENANT_ID", value: "tenantID" },
  { name: "AZURE_FEDERATED_TOKEN_FILE", value: file },
  { name: "AZURE_AUTHORITY_HOST", value: "https://login.microsoftonline.com/" },
];
for (const file of [V16_FILE, V15_FILE]) {
  const ENV_ROWS: { name: string; c: Container; want: Container; ids?: [string, string, string] }[] = [
    { name: "environment variables added to container", c: { name: "cont1", image: "image" }, want: { name: "cont1", image: "image", env: fourEnv(file) } },
    {
      name: "existing environment variables not replaced",
      c: { name: "cont1", image: "image", env: [{ name: "AZURE_CLIENT_ID", value: "myClientID" }, { name: "AZURE_TENANT_ID", value: "myTenantID" }, { name: "AZURE_FEDERATED_TOKEN_FILE", value: file }, { name: "AZURE_AUTHORITY_HOST", value: PUBLIC }] },
      want: { name: "cont1", image: "image", env: [{ name: "AZURE_CLIENT_ID", value: "myClientID" }, { name: "AZURE_TENANT_ID", value: "myTenantID" }, { name: "AZURE_FEDERATED_TOKEN_FILE", value: file }, { name: "AZURE_AUTHORITY_HOST", value: PUBLIC }] },
    },
    { name: "environment variables added to existing list", c: { name: "cont1", image: "image", env: [{ name: "MY_ENV_VAR", value: "test" }] }, want: { name: "cont1", image: "image", env: [{ name: "MY_ENV_VAR", value: "test" }, ...fourEnv(file)] } },
    { name: "environment variables are not added when empty", c: { name: "cont1", image: "image" }, want: { name: "cont1", image: "image", env: [{ name: "AZURE_FEDERATED_TOKEN_FILE", value: file }] }, ids: ["", "", ""] },
    {
      name: "(ref) valueFrom counts as present",
      c: { name: "cont1", env: [{ name: "AZURE_CLIENT_ID", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }] },
      want: { name: "cont1", env: [{ name: "AZURE_CLIENT_ID", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }, ...fourEnv(file).slice(1)] },
    },
  ];
  for (const r of ENV_ROWS) {
    test(`TestAddEnvironmentVariables/${file === V15_FILE ? "v1.5" : "v1.6"}/${r.name}`, () => {
      const [cid, tid, host] = r.ids ?? ["clientID", "tenantID", PUBLIC];
      assert.deepEqual(addEnvironmentVariables(r.c, cid, tid, file, host), r.want);
    });
  }
}

// ---------------- TestAddProjectServiceAccountTokenVolumeMount ----------------
const MOUNT_ROWS: { name: string; layout: "v1.5" | "v1.6"; c: Container; want: Container }[] = [
  { name: "v1.6/volume mount added to container", layout: "v1.6", c: { name: "cont1", image: "image" }, want: { name: "cont1", image: "image", volumeMounts: [{ name: V16_VOLUME_POD, mountPath: V16_MOUNT, readOnly: true }] } },
  {
    name: "v1.6/volume mount added to existing volume mounts for container",
    layout: "v1.6",
    c: { name: "cont1", image: "image", volumeMounts: [{ name: "my-volume-mount", mountPath: "/var/run/pods" }] },
    want: { name: "cont1", image: "image", volumeMounts: [{ name: "my-volume-mount", mountPath: "/var/run/pods" }, { name: V16_VOLUME_POD, mountPath: V16_MOUNT, readOnly: true }] },
  },
  { name: "v1.6/(ref) same-name mount overwritten", layout: "v1.6", c: { name: "c", volumeMounts: [{ name: V16_VOLUME_POD, mountPath: "/elsewhere" }] }, want: { name: "c", volumeMounts: [{ name: V16_VOLUME_POD, mountPath: V16_MOUNT, readOnly: true }] } },
  { name: "v1.5/volume mount added to container", layout: "v1.5", c: { name: "cont1", image: "image" }, want: { name: "cont1", image: "image", volumeMounts: [{ name: V15_VOLUME, mountPath: V15_MOUNT, readOnly: true }] } },
  {
    name: "v1.5/volume mount added to existing volume mounts for container",
    layout: "v1.5",
    c: { name: "cont1", volumeMounts: [{ name: "my-volume-mount", mountPath: "/var/run/pods" }] },
    want: { name: "cont1", volumeMounts: [{ name: "my-volume-mount", mountPath: "/var/run/pods" }, { name: V15_VOLUME, mountPath: V15_MOUNT, readOnly: true }] },
  },
  { name: "v1.5/volume mount with name already exists, so skipped", layout: "v1.5", c: { name: "c", volumeMounts: [{ name: V15_VOLUME, mountPath: "/mnt/mine" }] }, want: { name: "c", volumeMounts: [{ name: V15_VOLUME, mountPath: "/mnt/mine" }] } },
];
for (const r of MOUNT_ROWS) {
  test(`TestAddProjectServiceAccountTokenVolumeMount/${r.name}`, () => {
    const t = tokenLayout(r.layout, "pod");
    assert.deepEqual(addProjectedVolumeMount(r.c, r.layout, t.volumeName, t.mountPath), r.want);
  });
}

// ---------------- TestHandle ----------------
const HANDLE_SAS = new Map(["default", "sa"].map((n) => [n, sa(n, { [CLIENT_ID]: "clientID", [EXPIRY]: "4800" })]));
const cacheGetter: ServiceAccountGetter = async (ns, name) => (ns === "ns1" ? HANDLE_SAS.get(name) : undefined);
const emptyGetter: ServiceAccountGetter = async () => undefined;
const FIVE = ["add /spec/containers/0/env", "add /spec/containers/0/volumeMounts", "add /spec/initContainers/0/env", "add /spec/initContainers/0/volumeMounts", "add /spec/volumes"];
const HANDLE_ROWS: { name: string; raw: Pod; getter: ServiceAccountGetter; ops: string[]; check?: (p: Pod) => void }[] = [
  { name: "service account in cache", raw: newPod("pod", "ns1", "sa"), getter: cacheGetter, ops: FIVE },
  { name: "service account not in cache", raw: newPod("pod", "ns1", "sa"), getter: chainServiceAccountGetters(emptyGetter, cacheGetter), ops: FIVE },
  { name: "default service account in cache", raw: newPod("pod", "ns1", ""), getter: cacheGetter, ops: FIVE },
  { name: "default service account not in cache", raw: newPod("pod", "ns1", ""), getter: chainServiceAccountGetters(emptyGetter, cacheGetter), ops: FIVE },
  { name: "pod has the required label, no warnings", raw: newPod("pod", "ns1", "sa", { [USE]: "true" }), getter: cacheGetter, ops: FIVE },
  {
    name: "skip container and pod token expiration",
    raw: newPod("pod", "ns1", "sa", { [USE]: "true" }, { [EXPIRY]: "7200", [SKIP]: "init-container" }),
    getter: cacheGetter,
    ops: ["add /spec/containers/0/env", "add /spec/containers/0/volumeMounts", "add /spec/volumes"],
    check: (p) => assert.equal(p.spec!.volumes![0]!.projected!.sources![0]!.serviceAccountToken!.expirationSeconds, 7200),
  },
  {
    name: "pod has the required label, restart policy in init container",
    raw: JSON.parse(
      `{"metadata":{"name":"pod","namespace":"ns1","creationTimestamp":null,"labels":{"azure.workload.identity/use":"true"}},"spec":{"initContainers":[{"name":"init-container","image":"init-container-image","restartPolicy":"Always"}],"containers":[{"name":"container","image":"image","resources":{}}]}}`,
    ) as Pod,
    getter: cacheGetter,
    ops: FIVE,
    check: (p) => assert.equal(p.spec!.initContainers![0]!.restartPolicy, "Always"),
  },
  {
    name: "pod-level resources from a newer Kubernetes API",
    raw: JSON.parse(`{"metadata":{"name":"pod","namespace":"ns1"},"spec":{"serviceAccountName":"sa","resources":{"limits":{"cpu":"200m","memory":"200Mi"},"requests":{"cpu":"200m","memory":"200Mi"}},"containers":[{"name":"container","image":"image"}]}}`) as Pod,
    getter: cacheGetter,
    ops: ["add /spec/containers/0/env", "add /spec/containers/0/volumeMounts", "add /spec/volumes"],
    check: (p) => assert.deepEqual(p.spec!.resources, { limits: { cpu: "200m", memory: "200Mi" }, requests: { cpu: "200m", memory: "200Mi" } }),
  },
  {
    name: "unknown field",
    raw: JSON.parse(`{"metadata":{"name":"pod","namespace":"ns1"},"spec":{"serviceAccountName":"sa","containers":[{"name":"container","image":"image"}]},"panda":"bamboo"}`) as Pod,
    getter: cacheGetter,
    ops: ["add /spec/containers/0/env", "add /spec/containers/0/volumeMounts", "add /spec/volumes"],
    check: (p) => assert.equal(p.panda, "bamboo"),
  },
];
for (const r of HANDLE_ROWS) {
  test(`TestHandle/${r.name}`, async () => {
    const resp = await handleAdmissionRequest({ uid: "u1", namespace: "ns1", operation: "CREATE", object: r.raw }, { config: CFG, getServiceAccount: r.getter });
    assert.equal(resp.allowed, true);
    assert.equal(resp.uid, "u1");
    assert.equal(resp.patchType, "JSONPatch");
    assert.equal("warnings" in resp, false);
    const patch = decodePatch(resp.patch!);
    assert.deepEqual(opList(patch), [...r.ops].sort());
    assert.equal(patch.filter((p) => p.op === "remove").length, 0);
    const out = apply(r.raw, patch) as Pod;
    const main = out.spec!.containers![0]!;
    assert.deepEqual(main.env, [
      { name: "AZURE_CLIENT_ID", value: "clientID" },
      { name: "AZURE_TENANT_ID", value: "tenantID" },
      { name: "AZURE_FEDERATED_TOKEN_FILE", value: V15_FILE },
      { name: "AZURE_AUTHORITY_HOST", value: PUBLIC },
    ]);
    assert.deepEqual(main.volumeMounts, [{ name: V15_VOLUME, mountPath: V15_MOUNT, readOnly: true }]);
    r.check?.(out);
  });
}

test("TestHandle/(ref) the SA's 4800 s expiry and the default audience land in the v1.5 volume", () => {
  const r = mustMutate(newPod("pod", "ns1", "sa"), HANDLE_SAS.get("sa"), CFG, "ns1");
  assert.deepEqual(r.mutated.spec!.volumes, [{ name: V15_VOLUME, projected: { sources: [{ serviceAccountToken: { path: "azure-identity-token", expirationSeconds: 4800, audience: AUD } }] } }]);
});

test("TestHandle/(ref) service account without client-id: pod mutated, only AZURE_CLIENT_ID absent", () => {
  const r = mustMutate(newPod("pod", "ns1", "sa"), sa("sa"), CFG, "ns1");
  assert.deepEqual(r.mutated.spec!.containers![0]!.env, [
    { name: "AZURE_TENANT_ID", value: "tenantID" },
    { name: "AZURE_FEDERATED_TOKEN_FILE", value: V15_FILE },
    { name: "AZURE_AUTHORITY_HOST", value: PUBLIC },
  ]);
});

test("TestHandle/(ref) v1.6 layout: reserved volume name from the pod name, /var/run/secrets/azure/wi", () => {
  const r = mustMutate(newPod("pod", "ns1", "sa"), HANDLE_SAS.get("sa"), CFG16, "ns1");
  const c = r.mutated.spec!.containers![0]!;
  assert.deepEqual(c.volumeMounts, [{ name: V16_VOLUME_POD, mountPath: V16_MOUNT, readOnly: true }]);
  assert.deepEqual(c.env!.find((e) => e.name === "AZURE_FEDERATED_TOKEN_FILE"), { name: "AZURE_FEDERATED_TOKEN_FILE", value: V16_FILE });
  assert.deepEqual(r.mutated.spec!.volumes, [{ name: V16_VOLUME_POD, projected: { sources: [{ serviceAccountToken: { path: V16_PATH, expirationSeconds: 4800, audience: AUD } }] } }]);
});

test("TestHandle/(ref) v1.6 layout with generateName hashes \"<generateName> (prefix)\"", () => {
  const pod: Pod = { metadata: { generateName: "web-", namespace: "ns1" }, spec: { containers: [{ name: "c" }] } };
  const r = mustMutate(pod, sa("default"), CFG16, "ns1");
  // sha256("web- (prefix)")[:30]
  assert.equal(r.mutated.spec!.volumes![0]!.name, "azure-workload-identity-reserved-2f3cfc2eb6118051c2b0e512de0d8e");
});

test("TestHandle/(ref) the request namespace is copied onto a pod without one", () => {
  const pod: Pod = { metadata: { name: "pod" }, spec: { containers: [{ name: "c" }] } };
  const r = mustMutate(pod, sa("default"), CFG, "ns1");
  assert.ok(r.patch.some((p) => p.op === "add" && p.path === "/metadata/namespace" && p.value === "ns1"));
});

test("TestHandle/(ref) audience and authority from the config; AzureChinaCloud environment", () => {
  const r = mustMutate(newPod("pod", "ns1", "sa"), sa("sa"), { ...CFG, audience: "custom-aud", azureEnvironment: "AzureChinaCloud" }, "ns1");
  assert.equal(r.mutated.spec!.volumes![0]!.projected!.sources![0]!.serviceAccountToken!.audience, "custom-aud");
  assert.deepEqual(r.mutated.spec!.containers![0]!.env!.at(-1), { name: "AZURE_AUTHORITY_HOST", value: "https://login.chinacloudapi.cn/" });
});

// Proxy through Handle. The upstream table diffs a prepended container field by field; wilab inserts it with one
// `add` (same resulting pod, no `remove` of the displaced container's fields).
test("TestHandle/proxy init and sidecar", () => {
  const raw = newPod("pod", "ns1", "sa", { [USE]: "true" }, { [INJECT_PROXY]: "true", [PROXY_PORT]: "9000" });
  const r = mustMutate(raw, HANDLE_SAS.get("sa"), { ...CFG, proxyImage: "proxy:test", proxyInitImage: "proxy-init:test" }, "ns1");
  assert.equal(r.patch.filter((p) => p.op === "remove").length, 0);
  const out = apply(raw, r.patch) as Pod;
  assert.deepEqual(out, r.mutated);
  assert.deepEqual(out.spec!.containers!.map((c) => c.name), ["azwi-proxy", "container"]);
  assert.deepEqual(out.spec!.initContainers!.map((c) => c.name), ["init-container", "azwi-proxy-init"]);
  assert.equal(out.spec!.containers![0]!.image, "proxy:test");
  assert.deepEqual(out.spec!.containers![0]!.args, ["--proxy-port=9000", "--log-level=info"]);
  assert.equal(out.spec!.initContainers![1]!.image, "proxy-init:test");
  // Injected proxy containers are mutated too (§1.2 step 8).
  assert.equal(out.spec!.containers![0]!.env!.length, 4);
  assert.deepEqual(out.spec!.initContainers![1]!.env![0], { name: "PROXY_PORT", value: "9000" });
});

test("TestHandle/native proxy sidecar", () => {
  const raw = newPod("pod", "ns1", "sa", { [USE]: "true" }, { [INJECT_PROXY]: "true" });
  const r = mustMutate(raw, HANDLE_SAS.get("sa"), { ...CFG_NATIVE, proxyImage: "proxy:test", proxyInitImage: "proxy-init:test" }, "ns1");
  const out = apply(raw, r.patch) as Pod;
  assert.deepEqual(out, r.mutated);
  assert.deepEqual(out.spec!.initContainers!.map((c) => [c.name, c.restartPolicy]), [["azwi-proxy", "Always"], ["init-container", undefined], ["azwi-proxy-init", undefined]]);
  assert.deepEqual(out.spec!.containers!.map((c) => c.name), ["container"]);
});

// ---------------- TestGetAzureAuthorityHost ----------------
for (const [name, env, want] of [
  ["default azure environment", undefined, "https://login.microsoftonline.com/"],
  ["public cloud", "AzurePublicCloud", "https://login.microsoftonline.com/"],
  ["us government cloud", "AzureUSGovernmentCloud", "https://login.microsoftonline.us/"],
  ["china cloud", "AzureChinaCloud", "https://login.chinacloudapi.cn/"],
  ["german cloud", "AzureGermanCloud", "https://login.microsoftonline.de/"],
] as const) {
  test(`TestGetAzureAuthorityHost/${name}`, () => assert.equal(authorityHostFor(env), want));
}
test("TestGetAzureAuthorityHost/invalid cloud name", () => {
  assert.throws(() => authorityHostFor("InvalidCloud"), { message: 'autorest/azure: There is no cloud environment matching the name "INVALIDCLOUD"' });
  assert.throws(() => mutatePod(newPod("pod", "ns1", "sa"), sa("sa"), { ...CFG, azureEnvironment: "InvalidCloud" }), /failed to get AAD endpoint/);
});

// ---------------- TestMutateContainers ----------------
const mutC = (c: Container) => {
  const t = tokenLayout("v1.6", "pod");
  return addProjectedVolumeMount(addEnvironmentVariables(c, "client-id", "tenant-id", t.tokenFile, PUBLIC), "v1.6", t.volumeName, t.mountPath);
};
const mutated = (name: string, image: string): Container => ({
  name,
  image,
  env: [
    { name: "AZURE_CLIENT_ID", value: "client-id" },
    { name: "AZURE_TENANT_ID", value: "tenant-id" },
    { name: "AZURE_FEDERATED_TOKEN_FILE", value: V16_FILE },
    { name: "AZURE_AUTHORITY_HOST", value: PUBLIC },
  ],
  volumeMounts: [{ name: V16_VOLUME_POD, mountPath: V16_MOUNT, readOnly: true }],
});
for (const [name, containers, skip, want] of [
  ["no containers", [], undefined, []],
  ["one container", [{ name: "my-container", image: "my-image" }], undefined, [mutated("my-container", "my-image")]],
  ["one container and one skip container", [{ name: "my-container", image: "my-image" }, { name: "skip-container", image: "skip-image" }], new Set(["skip-container"]), [mutated("my-container", "my-image"), { name: "skip-container", image: "skip-image" }]],
] as [string, Container[], Set<string> | undefined, Container[]][]) {
  test(`TestMutateContainers/${name}`, () => assert.deepEqual(mutateContainers(containers, skip, mutC), want));
}

// ---------------- TestInjectProxyInitContainer ----------------
const proxyInit: Container = {
  name: "azwi-proxy-init",
  image: `${REG}/proxy-init:${VER}`,
  env: [{ name: "PROXY_PORT", value: "8080" }],
  resources: {},
  imagePullPolicy: "IfNotPresent",
  securityContext: { capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] }, privileged: true, runAsUser: 0, runAsNonRoot: false },
};
for (const [name, containers, want] of [
  ["no init containers", [], [proxyInit]],
  ["proxy init container manually injected", [proxyInit], [proxyInit]],
  ["inject proxy init container to existing init containers", [{ name: "my-container", image: "my-image" }], [{ name: "my-container", image: "my-image" }, proxyInit]],
] as [string, Container[], Container[]][]) {
  test(`TestInjectProxyInitContainer/${name}`, () => assert.deepEqual(injectProxyInitContainer(containers, `${REG}/proxy-init:${VER}`, 8080), want));
}

// ---------------- TestInjectProxySidecarContainer ----------------
const proxySidecar: Container = {
  name: "azwi-proxy",
  image: `${REG}/proxy:${VER}`,
  args: ["--proxy-port=8081", "--log-level=debug"],
  ports: [{ containerPort: 8081 }],
  resources: {},
  lifecycle: { postStart: { exec: { command: ["/proxy", "--proxy-port=8081", "--probe", "--log-level=debug"] } } },
  imagePullPolicy: "IfNotPresent",
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true },
};
const nativeSidecar: Container = { ...proxySidecar, restartPolicy: "Always" };
for (const [name, containers, restart, want] of [
  ["no containers", [], undefined, [proxySidecar]],
  ["proxy sidecar container manually injected", [proxySidecar], undefined, [proxySidecar]],
  ["inject proxy sidecar container to existing containers", [{ name: "my-container", image: "my-image" }], undefined, [proxySidecar, { name: "my-container", image: "my-image" }]],
  ["inject proxy native sidecar container to existing containers when restartPolicy is set", [{ name: "my-container", image: "my-image" }], "Always", [nativeSidecar, { name: "my-container", image: "my-image" }]],
] as [string, Container[], "Always" | undefined, Container[]][]) {
  test(`TestInjectProxySidecarContainer/${name}`, () => assert.deepEqual(injectProxySidecarContainer(containers, `${REG}/proxy:${VER}`, 8081, "debug", restart), want));
}
test("TestInjectProxySidecarContainer/(ref) default images <registry>/proxy:<ver> and <registry>/proxy-init:<ver>", () => {
  const r = mustMutate(newPod("pod", "ns1", "sa", undefined, { [INJECT_PROXY]: "" }), sa("sa"), CFG, "ns1");
  assert.equal(r.mutated.spec!.containers![0]!.image, `${REG}/proxy:${VER}`);
  assert.equal(r.mutated.spec!.initContainers!.at(-1)!.image, `${REG}/proxy-init:${VER}`);
});

// ---------------- TestShouldInjectProxySidecar / TestGetProxyPort ----------------
for (const [name, annotations, want] of [
  ["pod not annotated", undefined, false],
  ["pod is annotated with azure.workload.identity/inject-proxy-sidecar=true", { [INJECT_PROXY]: "true" }, true],
  ["(ref) the key alone decides: =false injects too", { [INJECT_PROXY]: "false" }, true],
] as const) {
  test(`TestShouldInjectProxySidecar/${name}`, () => assert.equal(shouldInjectProxySidecar(podWith(annotations)), want));
}
for (const [name, annotations, want] of [
  ["pod not annotated", undefined, { value: 8000 }],
  ["pod has no azure.workload.identity/proxy-sidecar-port annotation", { test: "test" }, { value: 8000 }],
  ["pod is annotated with azure.workload.identity/proxy-sidecar-port=8080", { [PROXY_PORT]: "8080" }, { value: 8080 }],
  ["pod is annotated with azure.workload.identity/proxy-sidecar-port=invalid", { [PROXY_PORT]: "invalid" }, { error: 'failed to parse proxy sidecar port: strconv.ParseInt: parsing "invalid": invalid syntax' }],
] as const) {
  test(`TestGetProxyPort/${name}`, () => assert.deepEqual(getProxyPort(podWith(annotations)), want));
}

// ---------------- TestHandleError ----------------
test("TestHandleError/failed to decode pod", async () => {
  const raw = decodePodJson("invalid");
  assert.deepEqual(raw, { error: "couldn't get version/kind; json parse error: invalid character 'i' looking for beginning of value" });
  const resp = await handleAdmissionRequest({ uid: "u", namespace: "ns1", object: "invalid" }, { config: CFG, getServiceAccount: cacheGetter });
  assert.equal(resp.allowed, false);
  assert.equal(resp.status!.code, 400);
  assert.match(resp.status!.message!, /^couldn't get version\/kind/);
  assert.equal(resp.patch, undefined);
});
const ERROR_ROWS: { name: string; raw: Pod; getter: ServiceAccountGetter; message: string }[] = [
  { name: "service account not found", raw: newPod("pod", "ns1", "sa", { [USE]: "true" }, undefined, true), getter: emptyGetter, message: 'serviceaccounts "sa" not found' },
  { name: "pod has host network", raw: newPod("pod", "ns1", "sa", { [USE]: "true" }, { [INJECT_PROXY]: "true" }, true), getter: cacheGetter, message: "hostNetwork is set to true, cannot inject proxy sidecar" },
  { name: "invalid proxy port", raw: newPod("pod", "ns1", "sa", { [USE]: "true" }, { [INJECT_PROXY]: "true", [PROXY_PORT]: "invalid" }), getter: cacheGetter, message: 'failed to parse proxy sidecar port: strconv.ParseInt: parsing "invalid": invalid syntax' },
  { name: "invalid sa token expiry", raw: newPod("pod", "ns1", "sa", { [USE]: "true" }, { [EXPIRY]: "invalid" }), getter: cacheGetter, message: 'strconv.ParseInt: parsing "invalid": invalid syntax' },
  { name: "(ref) default service account not found", raw: newPod("pod", "ns1", ""), getter: emptyGetter, message: 'serviceaccounts "default" not found' },
  { name: "(ref) getter failure is a 400 with its text", raw: newPod("pod", "ns1", "sa"), getter: async () => Promise.reject(new Error("connection refused")), message: "connection refused" },
];
for (const r of ERROR_ROWS) {
  test(`TestHandleError/${r.name}`, async () => {
    const resp = await handleAdmissionRequest({ uid: "u2", namespace: "ns1", object: r.raw }, { config: CFG, getServiceAccount: r.getter });
    assert.deepEqual(resp, { uid: "u2", allowed: false, status: { metadata: {}, message: r.message, code: 400 } });
  });
}

// ---------------- TestServerVersionGTE ----------------
for (const [name, server, major, minor, want] of [
  ["Exact match", "1.20.0", 1, 20, true],
  ["Higher major version", "2.0.0", 1, 25, true],
  ["Higher minor version", "1.25.0", 1, 20, true],
  ["Lower minor version", "1.18.0", 1, 20, false],
  ["Lower major version", "0.25.0", 1, 20, false],
  ["(ref) gitVersion form v1.32.2+k3s1", "v1.32.2+k3s1", 1, 32, true],
  ["(ref) a 1.32 pre-release is below 1.32", "v1.32.0-rc.1", 1, 32, false],
] as const) {
  test(`TestServerVersionGTE/${name}`, () => assert.equal(serverVersionGTE(server, major, minor), want));
}
test("TestServerVersionGTE/(ref) native sidecar decided by serverVersion; unparseable version is a startup error", () => {
  const pod = newPod("pod", "ns1", "sa", undefined, { [INJECT_PROXY]: "true" });
  assert.equal(mustMutate(pod, sa("sa"), { ...CFG, serverVersion: "v1.31.9" }).mutated.spec!.containers![0]!.name, "azwi-proxy");
  assert.equal(mustMutate(pod, sa("sa"), { ...CFG, serverVersion: "v1.32.0" }).mutated.spec!.initContainers![0]!.name, "azwi-proxy");
  assert.throws(() => mutatePod(pod, sa("sa"), { ...CFG, serverVersion: "banana" }), /failed to check kubernetes version/);
});

// ---------------- idempotent reinvocation and no `remove` ----------------
const REINVOKE: { name: string; pod: Pod; cfg: WebhookConfig }[] = [
  { name: "v1.5 plain", pod: newPod("pod", "ns1", "sa"), cfg: CFG },
  { name: "v1.6 plain", pod: newPod("pod", "ns1", "sa"), cfg: CFG16 },
  { name: "v1.5 proxy sidecar", pod: newPod("pod", "ns1", "sa", undefined, { [INJECT_PROXY]: "true" }), cfg: CFG },
  { name: "v1.6 native proxy sidecar", pod: newPod("pod", "ns1", "sa", undefined, { [INJECT_PROXY]: "true" }), cfg: { ...CFG16, serverVersion: "v1.33.1" } },
  { name: "v1.5 skip-containers and pod expiry", pod: newPod("pod", "ns1", "sa", undefined, { [SKIP]: "container", [EXPIRY]: "86400" }), cfg: CFG },
  {
    name: "apiserver-defaulted containers (terminationMessagePath, resources) with the proxy",
    pod: {
      metadata: { name: "pod", namespace: "ns1", annotations: { [INJECT_PROXY]: "true" } },
      spec: {
        serviceAccountName: "sa",
        containers: [{ name: "app", image: "a", resources: {}, terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File", imagePullPolicy: "Always", env: [{ name: "X", value: "1" }] }],
        volumes: [{ name: "kube-api-access-abcde", projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: "token" } }] } }],
      },
    },
    cfg: CFG,
  },
];
for (const r of REINVOKE) {
  test(`idempotent reinvocation/${r.name}`, () => {
    const account = sa("sa", { [CLIENT_ID]: "clientID" });
    const first = mustMutate(r.pod, account, r.cfg, "ns1");
    assert.ok(first.patch.length > 0);
    assert.deepEqual(first.patch.filter((p) => p.op === "remove"), []);
    assert.deepEqual(apply(r.pod, first.patch), first.mutated);
    const second = mustMutate(first.mutated, account, r.cfg, "ns1");
    assert.deepEqual(second.patch, []);
    assert.deepEqual(second.mutated, first.mutated);
  });
}

test("no remove ops: the input pod object is not modified by mutatePod", () => {
  const pod = newPod("pod", "ns1", "sa", undefined, { [INJECT_PROXY]: "true" });
  const before = structuredClone(pod);
  mustMutate(pod, sa("sa"), CFG, "ns1");
  assert.deepEqual(pod, before);
});

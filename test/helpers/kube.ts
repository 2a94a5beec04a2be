// Helpers shared by the kube-apiserver integration tests (no tests of its own): a cluster made directly in the store, a kubeconfig, kubectl.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Clusters, type ClusterRecord, type KubeObject } from "../../src/kube/index.js";
import type { Lab } from "../../src/index.js";

export interface TestCluster {
  record: ClusterRecord;
  server: string;
  kubeconfig: string;
  home: string;
  cleanup(): void;
}

/** Creates a cluster record plus the namespaces, default service accounts and root CA config maps a new cluster has. */
export async function makeCluster(lab: Lab, o: { name: string; version?: string; workloadIdentity?: boolean }): Promise<TestCluster> {
  const clusterId = lab.ctx.random.uuid();
  const record: ClusterRecord = {
    name: o.name,
    resourceGroup: "rg-kube",
    location: "westeurope",
    id: `/subscriptions/${lab.subscriptionId}/resourceGroups/rg-kube/providers/Microsoft.Kubernetes/connectedClusters/${o.name}`,
    clusterId,
    tenantId: lab.tenantId,
    kubernetesVersion: o.version ?? "1.32.3",
    oidcIssuerEnabled: true,
    workloadIdentityEnabled: o.workloadIdentity ?? false,
    adminToken: lab.ctx.random.hex(32),
    tags: {},
    createdAt: lab.ctx.clock.now(),
    extensionReadyAt: lab.ctx.clock.now(),
  };
  await lab.ctx.store.write((tx) => Clusters.put(tx, record));
  await lab.kube.storage.write(async (tx) => {
    for (const ns of ["default", "kube-system", "kube-public"]) {
      await tx.create(clusterId, "namespaces", obj("v1", "Namespace", { name: ns, labels: { "kubernetes.io/metadata.name": ns } }, { spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } }));
      await tx.create(clusterId, "serviceaccounts", obj("v1", "ServiceAccount", { name: "default", namespace: ns }));
      await tx.create(clusterId, "configmaps", obj("v1", "ConfigMap", { name: "kube-root-ca.crt", namespace: ns }, { data: { "ca.crt": lab.caCert } }));
    }
  });
  const server = `https://localhost:${lab.port}/k8s/${clusterId}`;
  const dir = mkdtempSync(join(tmpdir(), "wilab-kubectl-"));
  const kubeconfig = join(dir, "config");
  writeFileSync(
    kubeconfig,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- cluster:",
      `    certificate-authority-data: ${Buffer.from(lab.caCert).toString("base64")}`,
      `    server: ${server}`,
      `  name: ${o.name}`,
      "contexts:",
      "- context:",
      `    cluster: ${o.name}`,
      "    user: admin",
      `  name: ${o.name}`,
      `current-context: ${o.name}`,
      "users:",
      "- name: admin",
      "  user:",
      `    token: ${record.adminToken}`,
      "",
    ].join("\n"),
  );
  return { record, server, kubeconfig, home: dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function obj(apiVersion: string, kind: string, metadata: Record<string, unknown>, rest: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: metadata as KubeObject["metadata"], ...rest };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs kubectl (or a versioned binary) against a test cluster with a fresh discovery cache. */
export function kubectl(c: Pick<TestCluster, "home" | "kubeconfig">, args: string[], o: { input?: string; bin?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(o.bin ?? "kubectl", args, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: c.home, KUBECONFIG: c.kubeconfig },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(o.input ?? "");
  });
}

/** A raw API call with the cluster's admin token. */
export async function api(c: TestCluster, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers; text: string }> {
  const res = await fetch(`${c.server}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${c.record.adminToken}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers, text };
}

export const SA_MANIFEST = (clientId: string) => `apiVersion: v1
kind: ServiceAccount
metadata:
  annotations:
    azure.workload.identity/client-id: ${clientId}
  name: workload-identity-sa
  namespace: default
`;

export const POD_MANIFEST = (image = "ghcr.io/azure/azure-workload-identity/msal-go") => `apiVersion: v1
kind: Pod
metadata:
  name: sample-quick-start
  namespace: default
  labels:
    azure.workload.identity/use: "true" # Required. Only pods with this label can use workload identity.
spec:
  serviceAccountName: workload-identity-sa
  containers:
    - image: ${image}
      name: oidc
      env:
      - name: KEYVAULT_URL
        value: https://kv.vault.azure.net/
      - name: SECRET_NAME
        value: my-secret
  nodeSelector:
    kubernetes.io/os: linux
`;

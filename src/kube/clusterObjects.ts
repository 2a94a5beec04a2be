import type { KubeObject } from "./KubeStorage.js";
import { mutatingWebhookConfiguration, WEBHOOK_NAMESPACE, WEBHOOK_SERVICE } from "../webhook/index.js";

export const WI_NAMESPACE = WEBHOOK_NAMESPACE;

type Bare = Omit<KubeObject, "metadata"> & { metadata: Partial<KubeObject["metadata"]> & { name: string } };

/** The objects a new AKS Arc cluster starts with: namespaces, default service accounts, the root CA config map and, with workload identity, the webhook's registration. */
export function initialObjects(o: { workloadIdentity: boolean; caPem: string; tenantId: string }): { resource: string; object: Bare }[] {
  const namespaces = ["default", "kube-system", "kube-public", "kube-node-lease", ...(o.workloadIdentity ? [WI_NAMESPACE] : [])];
  const out: { resource: string; object: Bare }[] = [];
  for (const ns of namespaces) {
    out.push({
      resource: "namespaces",
      object: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { "kubernetes.io/metadata.name": ns } }, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } },
    });
    out.push({ resource: "serviceaccounts", object: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: ns } } });
    out.push({
      resource: "configmaps",
      object: {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "kube-root-ca.crt", namespace: ns, annotations: { "kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters." } },
        data: { "ca.crt": o.caPem },
      },
    });
  }
  if (o.workloadIdentity) {
    out.push({
      resource: "serviceaccounts",
      object: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "azure-wi-webhook-admin", namespace: WI_NAMESPACE, labels: { "azure-workload-identity.io/system": "true" } } },
    });
    out.push({
      resource: "configmaps",
      object: {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "azure-wi-webhook-config", namespace: WI_NAMESPACE, labels: { "azure-workload-identity.io/system": "true" } },
        data: { AZURE_ENVIRONMENT: "AzurePublicCloud", AZURE_TENANT_ID: o.tenantId },
      },
    });
    out.push({
      resource: "mutatingwebhookconfigurations",
      object: mutatingWebhookConfiguration({
        service: { name: WEBHOOK_SERVICE, namespace: WEBHOOK_NAMESPACE, path: "/mutate-v1-pod", port: 443 },
        caBundle: Buffer.from(o.caPem).toString("base64"),
      }) as Bare,
    });
  }
  return out;
}

/** A kubeconfig for the cluster's admin, as `aksarc get-credentials` and `connectedk8s proxy` write it. */
export function kubeconfigFor(o: { clusterName: string; server: string; caPem: string; token: string; user: string }): string {
  const ca = Buffer.from(o.caPem).toString("base64");
  return [
    "apiVersion: v1",
    "clusters:",
    "- cluster:",
    `    certificate-authority-data: ${ca}`,
    `    server: ${o.server}`,
    `  name: ${o.clusterName}`,
    "contexts:",
    "- context:",
    `    cluster: ${o.clusterName}`,
    `    user: ${o.user}`,
    `  name: ${o.clusterName}`,
    `current-context: ${o.clusterName}`,
    "kind: Config",
    "preferences: {}",
    "users:",
    `- name: ${o.user}`,
    "  user:",
    `    token: ${o.token}`,
    "",
  ].join("\n");
}

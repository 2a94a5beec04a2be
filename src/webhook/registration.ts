// The MutatingWebhookConfiguration the azure-workload-identity chart installs (kubernetes-side.md §1.1).
import { USE_WORKLOAD_IDENTITY_LABEL } from "./mutate.js";

export const MWC_NAME = "azure-wi-webhook-mutating-webhook-configuration";
export const WEBHOOK_NAME = "mutation.azure-workload-identity.io";
export const WEBHOOK_NAMESPACE = "azure-workload-identity-system";
export const WEBHOOK_SERVICE = "azure-wi-webhook-webhook-service";

export type WebhookClientConfig =
  | { url: string; caBundle?: string }
  | { service: { name: string; namespace: string; path: string; port: number }; caBundle?: string };

/**
 * The registration: CREATE of v1 pods, objectSelector `azure.workload.identity/use: "true"`, failurePolicy Fail,
 * reinvocationPolicy IfNeeded. `clientConfig` defaults to the chart's service (port 443, `/mutate-v1-pod`); the lab
 * passes `{ url, caBundle }` (caBundle = base64 of the PEM bundle).
 */
export function mutatingWebhookConfiguration(clientConfig?: WebhookClientConfig): Record<string, unknown> {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name: MWC_NAME, labels: { "azure-workload-identity.io/system": "true" } },
    webhooks: [
      {
        name: WEBHOOK_NAME,
        admissionReviewVersions: ["v1", "v1beta1"],
        clientConfig: clientConfig ?? { service: { name: WEBHOOK_SERVICE, namespace: WEBHOOK_NAMESPACE, path: "/mutate-v1-pod", port: 443 } },
        failurePolicy: "Fail",
        matchPolicy: "Equivalent",
        namespaceSelector: {},
        objectSelector: { matchLabels: { [USE_WORKLOAD_IDENTITY_LABEL]: "true" } },
        reinvocationPolicy: "IfNeeded",
        rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"], scope: "*" }],
        sideEffects: "None",
        timeoutSeconds: 10,
      },
    ],
  };
}

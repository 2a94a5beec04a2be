// Sets up, through the lab's public APIs (Entra token endpoint, ARM), what the load scenarios need: a
// workload-identity cluster, a user-assigned identity with a federated credential for one of its service
// accounts, a vault with RBAC and a role assignment, and a secret. Only the service-account token itself comes
// from the cluster's issuer over the launcher's IPC (what the kubelet projects into a pod).
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { https } from "./util.mjs";

export const RG = "rg-bench";
export const VAULT = "kv-bench";
export const SECRET = "bench-secret";
export const SA = { namespace: "default", name: "bench-sa" };
export const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";

export function tokenForm(clientId, assertion, scope) {
  return new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, scope, client_assertion_type: JWT_BEARER, client_assertion: assertion }).toString();
}

/** `lab` = { rpc, info } from startBenchLab, or { info } of a `wilab up` lab. Returns everything the scenarios send. */
export async function setupWorkload(lab, { vault = true } = {}) {
  const { info } = lab;
  const ca = readFileSync(info.caCertPath, "utf8");
  const port = info.port;
  const tokenPath = `/${info.tenantId}/oauth2/v2.0/token`;
  const admin = await https({
    port,
    ca,
    method: "POST",
    path: tokenPath,
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: info.admin.clientId, client_secret: info.admin.clientSecret, scope: "https://management.azure.com/.default" }).toString(),
  });
  if (admin.status !== 200) throw new Error(`admin token: ${admin.status} ${admin.text}`);
  const armToken = admin.json.access_token;
  const sub = info.subscriptionId;
  const arm = async (method, path, apiVersion, body) => {
    const r = await https({ port, ca, method, path: `${path}?api-version=${apiVersion}`, headers: { authorization: `Bearer ${armToken}` }, body });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.json;
  };
  await arm("PUT", `/subscriptions/${sub}/resourcegroups/${RG}`, "2021-04-01", { location: "westeurope" });
  const cc = `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Kubernetes/connectedClusters/bench-cluster`;
  const cluster = await arm("PUT", cc, "2024-12-01-preview", {
    location: "westeurope",
    kind: "ProvisionedCluster",
    identity: { type: "SystemAssigned" },
    properties: { agentPublicKeyCertificate: "", oidcIssuerProfile: { enabled: true }, securityProfile: { workloadIdentity: { enabled: true } } },
  });
  await arm("PUT", `${cc}/providers/Microsoft.HybridContainerService/provisionedClusterInstances/default`, "2024-01-01", {
    extendedLocation: { type: "CustomLocation", name: `/subscriptions/${sub}/resourceGroups/wilab-infra/providers/Microsoft.ExtendedLocation/customLocations/wilab-customlocation` },
    properties: {},
  });
  const issuer = cluster.properties.oidcIssuerProfile.issuerUrl;
  const clusterId = issuer.split("/").slice(-2)[0];
  const idPath = `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/bench-id`;
  const identity = await arm("PUT", idPath, "2023-01-31", { location: "westeurope" });
  await arm("PUT", `${idPath}/federatedIdentityCredentials/bench-fic`, "2023-01-31", {
    properties: { issuer, subject: `system:serviceaccount:${SA.namespace}:${SA.name}`, audiences: ["api://AzureADTokenExchange"] },
  });
  const clientId = identity.properties.clientId;
  const principalId = identity.properties.principalId;
  // The projected service-account token, as the kubelet gets it through TokenRequest (audience api://AzureADTokenExchange):
  // from the issuer over the launcher's IPC, or, for a `wilab up` lab (no IPC), through the cluster's kube-apiserver.
  const assertion = lab.rpc
    ? await lab.rpc.call("sign", { clusterId, issuer, namespace: SA.namespace, serviceAccount: SA.name, audiences: ["api://AzureADTokenExchange"], expirationSeconds: 86400 })
    : await tokenRequest({ port, ca, arm: (path, body) => arm("POST", path, "2024-01-01", body), clusterPath: cc });
  const exchangeBody = tokenForm(clientId, assertion, "https://management.azure.com/.default");
  const ex = await https({ port, ca, method: "POST", path: tokenPath, body: exchangeBody });
  if (ex.status !== 200) throw new Error(`federated exchange: ${ex.status} ${ex.text}`);

  const out = { ca, port, tokenPath, armToken, issuer, clusterId, clientId, principalId, assertion, exchangeBody, sub };
  if (!vault) return out;
  const vaultId = `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/${VAULT}`;
  await arm("PUT", vaultId, "2023-07-01", { location: "westeurope", properties: { tenantId: info.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true } });
  await arm("PUT", `${vaultId}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`, "2022-04-01", {
    properties: { roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${SECRETS_OFFICER}`, principalId, principalType: "ServicePrincipal" },
  });
  const kvTok = await https({ port, ca, method: "POST", path: tokenPath, body: tokenForm(clientId, assertion, "https://vault.azure.net/.default") });
  if (kvTok.status !== 200) throw new Error(`vault token: ${kvTok.status} ${kvTok.text}`);
  const vaultToken = kvTok.json.access_token;
  const vaultHost = `${VAULT}.vault.localhost`;
  const put = await https({ port, ca, host: vaultHost, method: "PUT", path: `/secrets/${SECRET}?api-version=7.4`, headers: { authorization: `Bearer ${vaultToken}` }, body: { value: "s3cret!" } });
  if (put.status !== 200) throw new Error(`set secret: ${put.status} ${put.text}`);
  const get = await https({ port, ca, host: vaultHost, method: "GET", path: `/secrets/${SECRET}?api-version=7.4`, headers: { authorization: `Bearer ${vaultToken}` } });
  if (get.status !== 200 || get.json.value !== "s3cret!") throw new Error(`get secret: ${get.status} ${get.text}`);
  return { ...out, vaultId, vaultToken, vaultHost };
}

/**
 * A service-account token through the kube-apiserver's public API, as `kubectl create token` gets one: the admin
 * kubeconfig from ARM's listClusterUserCredential, the service account created, then its TokenRequest.
 */
async function tokenRequest({ port, ca, arm, clusterPath }) {
  const cred = await arm(`${clusterPath}/listClusterUserCredential`, { authenticationMethod: "AAD", clientProxy: true });
  const kubeconfig = Buffer.from(cred.kubeconfigs[0].value, "base64").toString("utf8");
  const server = new URL(/^\s*server:\s*(\S+)/m.exec(kubeconfig)[1]);
  const token = /^\s*token:\s*(\S+)/m.exec(kubeconfig)[1];
  const kube = (path, body) => https({ port, ca, method: "POST", path: `${server.pathname.replace(/\/$/, "")}${path}`, headers: { authorization: `Bearer ${token}` }, body });
  const sas = `/api/v1/namespaces/${SA.namespace}/serviceaccounts`;
  for (let waited = 0; ; waited += 250) {
    const r = await kube(sas, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: SA.name, namespace: SA.namespace } });
    if (r.status === 201 || r.status === 409) break;
    // A new cluster's default namespace may not be there yet.
    if (waited > 30_000) throw new Error(`create service account: ${r.status} ${r.text}`);
    await new Promise((res) => setTimeout(res, 250));
  }
  const tr = await kube(`${sas}/${SA.name}/token`, { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences: ["api://AzureADTokenExchange"], expirationSeconds: 86400 } });
  if (tr.status !== 201) throw new Error(`TokenRequest: ${tr.status} ${tr.text}`);
  return tr.json.status.token;
}

/** The article's pod as kube-apiserver sends it to the webhook, in an AdmissionReview v1. */
export function admissionReview(serviceAccount) {
  return JSON.stringify({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      requestKind: { group: "", version: "v1", kind: "Pod" },
      requestResource: { group: "", version: "v1", resource: "pods" },
      name: "sample-quick-start",
      namespace: SA.namespace,
      operation: "CREATE",
      userInfo: { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] },
      object: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "sample-quick-start", namespace: SA.namespace, labels: { "azure.workload.identity/use": "true" } },
        spec: {
          serviceAccountName: serviceAccount,
          containers: [
            {
              name: "oidc",
              image: "ghcr.io/azure/azure-workload-identity/msal-go",
              env: [
                { name: "KEYVAULT_URL", value: "https://kv.vault.azure.net/" },
                { name: "SECRET_NAME", value: "my-secret" },
              ],
              resources: {},
              terminationMessagePath: "/dev/termination-log",
              terminationMessagePolicy: "File",
              imagePullPolicy: "Always",
              volumeMounts: [{ name: "kube-api-access-x7k2p", readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }],
            },
          ],
          nodeSelector: { "kubernetes.io/os": "linux" },
          volumes: [{ name: "kube-api-access-x7k2p", projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: "token" } }] } }],
        },
        status: {},
      },
      oldObject: null,
      dryRun: false,
      options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" },
    },
  });
}

// A remote client of a lab, run in a network namespace of its own by test/integration/netns.test.ts through
// `ip netns exec <ns> node dist/test/helpers/netnsClient.js <mode>`, with its input as JSON in WILAB_NETNS_CLIENT and
// its answer as JSON on stdout. It trusts the lab's CA only through NODE_EXTRA_CA_CERTS, as a team member would.
//   use    the real SDKs: @azure/identity (client secret), ARM (resource group, vault, role assignment, a cluster by
//          REST), Key Vault (set and get a secret at the vault URI ARM reports), Graph by REST
//   probe  plain HTTPS requests without credentials: status and body of each, or the connection's error code
//   token  only the token request (to show what happens without the CA trusted)
import { request } from "node:https";
import { randomUUID } from "node:crypto";
import { ClientSecretCredential } from "@azure/identity";
import { ResourceManagementClient } from "@azure/arm-resources";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { SecretClient } from "@azure/keyvault-secrets";

export interface UseInput {
  labUrl: string;
  tenantId: string;
  subscriptionId: string;
  clientId: string;
  clientSecret: string;
  objectId: string;
  vault: string;
  secretValue: string;
}

export interface UseOutput {
  armToken: string;
  resourceGroup: string;
  vaultUri: string;
  secretRead: string;
  clusterId: string;
  kubeconfig: string;
  /** The admin's service principal as Graph lists it at the lab's remote name (a Graph token, REST). */
  graphServicePrincipalId: string;
}

export interface Probe {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface ProbeResult {
  probe: Probe;
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  body?: string;
  /** The connection's error code (ECONNREFUSED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, …) when there was no response. */
  error?: string;
}

const SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
const RETRY = { maxRetries: 1, retryDelayInMs: 50, maxRetryDelayInMs: 100 };

function credential(i: Pick<UseInput, "labUrl" | "tenantId" | "clientId" | "clientSecret">): ClientSecretCredential {
  return new ClientSecretCredential(i.tenantId, i.clientId, i.clientSecret, { authorityHost: i.labUrl, disableInstanceDiscovery: true, retryOptions: RETRY });
}

/** An Arc-connected cluster with workload identity, made by ARM REST (the lab's clusters), and its user kubeconfig. */
async function cluster(i: UseInput, token: string): Promise<{ clusterId: string; kubeconfig: string }> {
  const path = `${i.labUrl}/subscriptions/${i.subscriptionId}/resourceGroups/rg-netns/providers/Microsoft.Kubernetes/connectedClusters/netns`;
  const arm = async (method: string, url: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  await arm("PUT", `${path}?api-version=2024-12-01-preview`, {
    location: "westeurope",
    kind: "ProvisionedCluster",
    identity: { type: "SystemAssigned" },
    properties: { agentPublicKeyCertificate: "", oidcIssuerProfile: { enabled: true }, securityProfile: { workloadIdentity: { enabled: true } } },
  });
  const kc = await arm("POST", `${path}/listClusterUserCredential?api-version=2024-01-01`, {});
  const kubeconfig = Buffer.from((kc.kubeconfigs as { value: string }[])[0]!.value, "base64").toString();
  const clusterId = /\/k8s\/([0-9a-f-]{36})/.exec(kubeconfig)?.[1];
  if (!clusterId) throw new Error(`no cluster id in the kubeconfig: ${kubeconfig}`);
  return { clusterId, kubeconfig };
}

/** The admin's service principal from Graph at the lab's origin, with a token for Graph. */
async function graphSp(i: UseInput, cred: ClientSecretCredential): Promise<string> {
  const token = await cred.getToken("https://graph.microsoft.com/.default");
  const res = await fetch(`${i.labUrl}/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${i.clientId}'`)}`, { headers: { authorization: `Bearer ${token!.token}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`Graph: ${res.status} ${text}`);
  return (JSON.parse(text) as { value: { id: string }[] }).value[0]!.id;
}

async function use(i: UseInput): Promise<UseOutput> {
  const cred = credential(i);
  const token = await cred.getToken("https://management.azure.com/.default");
  if (!token) throw new Error("no ARM token");
  const opts = { endpoint: i.labUrl, credentialScopes: ["https://management.azure.com/.default"], retryOptions: RETRY };
  const rg = await new ResourceManagementClient(cred, i.subscriptionId, opts).resourceGroups.createOrUpdate("rg-netns", { location: "westeurope" });
  const vault = await new KeyVaultManagementClient(cred, i.subscriptionId, opts).vaults.createOrUpdate("rg-netns", i.vault, {
    location: "westeurope",
    properties: { tenantId: i.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true },
  });
  await new AuthorizationManagementClient(cred, i.subscriptionId, opts).roleAssignments.create(vault.id!, randomUUID(), {
    roleDefinitionId: `/subscriptions/${i.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${SECRETS_OFFICER}`,
    principalId: i.objectId,
    principalType: "ServicePrincipal",
  });
  const vaultUri = vault.properties.vaultUri!;
  const secrets = new SecretClient(vaultUri, cred, { retryOptions: RETRY });
  await secrets.setSecret("greeting", i.secretValue);
  const secretRead = (await secrets.getSecret("greeting")).value ?? "";
  return { armToken: token.token, resourceGroup: rg.name!, vaultUri, secretRead, ...(await cluster(i, token.token)), graphServicePrincipalId: await graphSp(i, cred) };
}

function probeOne(p: Probe): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request(p.url, { method: p.method, headers: p.headers, timeout: 15_000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ probe: p, status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", (err: NodeJS.ErrnoException) => resolve({ probe: p, error: err.code ?? err.message }));
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ probe: p, error: err.code ?? err.message }));
    req.end(p.body);
  });
}

async function main(): Promise<unknown> {
  const input = JSON.parse(process.env.WILAB_NETNS_CLIENT ?? "{}") as Record<string, unknown>;
  switch (process.argv[2]) {
    case "use":
      return use(input as unknown as UseInput);
    case "probe": {
      const out: ProbeResult[] = [];
      for (const p of input.probes as Probe[]) out.push(await probeOne(p));
      return out;
    }
    case "token":
      return credential(input as unknown as UseInput)
        .getToken("https://management.azure.com/.default")
        .then(
          (t) => ({ token: t?.token }),
          (err: Error) => ({ error: err.message }),
        );
    default:
      throw new Error(`unknown mode ${process.argv[2]}`);
  }
}

main().then(
  (out) => process.stdout.write(JSON.stringify(out)),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exitCode = 1;
  },
);

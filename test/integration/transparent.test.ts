import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { SecretClient } from "@azure/keyvault-secrets";
import { DefaultAzureCredential } from "@azure/identity";
import { startTestLab, adminCredential } from "../helpers/lab.js";
import { startTestIssuer } from "../helpers/testIssuer.js";
import { portUnavailable } from "../helpers/ports.js";

const root = process.getuid?.() === 0;
// Transparent mode listens on 443: when something else holds it (a user's own `wilab up --transparent`), skip and say why.
const port443 = root ? await portUnavailable(443) : undefined;
const transparentSkip = !root ? "transparent mode needs root (port 443 and /etc/hosts); CI runs as root" : port443 ? `transparent mode needs port 443: ${port443}` : false;

test(
  "transparent mode: unmodified DefaultAzureCredential + SecretClient('https://<vault>.vault.azure.net') with only the webhook's env",
  { skip: transparentSkip },
  async () => {
    const lab = await startTestLab({ transparent: true, port: 443 });
    const dir = mkdtempSync(join(tmpdir(), "wilab-transparent-"));
    const issuer = await startTestIssuer(lab);
    try {
      const hosts = readFileSync("/etc/hosts", "utf8");
      assert.match(hosts, /127\.0\.0\.1 login\.microsoftonline\.com/);
      assert.match(hosts, /127\.0\.0\.1 management\.azure\.com/);
      assert.equal(lab.authorityHost, "https://login.microsoftonline.com");
      // Microsoft Graph answers on graph.microsoft.com.
      assert.match(hosts, /127\.0\.0\.1 graph\.microsoft\.com/);
      assert.equal(lab.graphEndpoint, "https://graph.microsoft.com");
      const graphToken = (await adminCredential(lab).getToken("https://graph.microsoft.com/.default"))!.token;
      const sps = await fetch(`https://graph.microsoft.com/v1.0/servicePrincipals?$filter=appId eq '${lab.admin.clientId}'`, { headers: { authorization: `Bearer ${graphToken}` } });
      assert.equal(sps.status, 200);
      assert.equal(((await sps.json()) as { value: { id: string }[] }).value[0]?.id, lab.admin.objectId);
      // The management SDKs with their defaults (management.azure.com) work too.
      const cred = adminCredential(lab);
      const resources = new ResourceManagementClient(cred, lab.subscriptionId);
      const msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId);
      const authz = new AuthorizationManagementClient(cred, lab.subscriptionId);
      const kv = new KeyVaultManagementClient(cred, lab.subscriptionId);
      await resources.resourceGroups.createOrUpdate("rg-t", { location: "westeurope" });
      const id = await msi.userAssignedIdentities.createOrUpdate("rg-t", "tid", { location: "westeurope" });
      await msi.federatedIdentityCredentials.createOrUpdate("rg-t", "tid", "fic", {
        issuer: issuer.issuer,
        subject: "system:serviceaccount:default:workload-identity-sa",
        audiences: ["api://AzureADTokenExchange"],
      });
      const vault = await kv.vaults.beginCreateOrUpdateAndWait("rg-t", "kv-transparent", {
        location: "westeurope",
        properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true },
      });
      assert.equal(vault.properties.vaultUri, "https://kv-transparent.vault.azure.net/");
      assert.match(readFileSync("/etc/hosts", "utf8"), /127\.0\.0\.1 kv-transparent\.vault\.azure\.net/);
      for (const [name, role, principalId] of [
        ["d1111111-2222-4333-8444-555555555555", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7", lab.admin.objectId],
        ["e1111111-2222-4333-8444-555555555555", "4633458b-17de-408a-b874-0445c86b69e6", id.principalId!],
      ] as const) {
        await authz.roleAssignments.create(vault.id!, name, {
          roleDefinitionId: `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
          principalId,
        });
      }
      await new SecretClient("https://kv-transparent.vault.azure.net", cred).setSecret("KV-secret", "Hello!");

      // Exactly what the webhook injects, plus CA trust (NODE_EXTRA_CA_CERTS, set by the test runner).
      const tokenFile = join(dir, "azure-identity-token");
      writeFileSync(tokenFile, await issuer.sign({ sub: "system:serviceaccount:default:workload-identity-sa" }));
      Object.assign(process.env, {
        AZURE_CLIENT_ID: id.clientId!,
        AZURE_TENANT_ID: lab.tenantId,
        AZURE_FEDERATED_TOKEN_FILE: tokenFile,
        AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com/",
      });
      const secret = await new SecretClient("https://kv-transparent.vault.azure.net", new DefaultAzureCredential()).getSecret("KV-secret");
      assert.equal(secret.value, "Hello!");
      // msal-node's instance discovery is answered like Entra does.
      const disc = (await (await fetch("https://login.microsoftonline.com/common/discovery/instance?api-version=1.1&authorization_endpoint=https://login.microsoftonline.com/common/oauth2/v2.0/authorize")).json()) as { tenant_discovery_endpoint: string };
      assert.equal(disc.tenant_discovery_endpoint, "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration");
    } finally {
      for (const k of ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST"]) delete process.env[k];
      await issuer.stop();
      await lab.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    // This process's block is gone (blocks of other labs on the machine, if any, are theirs).
    assert.doesNotMatch(readFileSync("/etc/hosts", "utf8"), new RegExp(`# >>> wilab pid=${process.pid}\\b`), "the /etc/hosts block is removed on stop");
  },
);

test("a stale /etc/hosts block left by a crashed lab is removed by the next start", { skip: root ? false : "needs a writable /etc/hosts" }, async () => {
  const original = readFileSync("/etc/hosts", "utf8");
  try {
    writeFileSync("/etc/hosts", original.replace(/\n?$/, "\n") + "# >>> wilab pid=2147483646 (managed by wilab; removed when it stops)\n127.0.0.1 login.microsoftonline.com\n# <<< wilab pid=2147483646\n");
    const lab = await startTestLab();
    await lab.stop();
    assert.doesNotMatch(readFileSync("/etc/hosts", "utf8"), /pid=2147483646/);
  } finally {
    const now = readFileSync("/etc/hosts", "utf8");
    if (now.includes("pid=2147483646")) writeFileSync("/etc/hosts", original);
  }
});

test(
  "restarting a local lab in transparent mode names each federated credential that still trusts the local issuer, with the fix",
  { skip: transparentSkip },
  async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "wilab-modeswitch-"));
    const API = "2024-12-01-preview";
    const armCall = async (lab: Awaited<ReturnType<typeof startTestLab>>, method: string, path: string, apiVersion: string, body?: unknown) => {
      const token = (await adminCredential(lab).getToken("https://management.azure.com/.default"))!.token;
      const res = await fetch(`${lab.armEndpoint}${path}?api-version=${apiVersion}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as { properties: { oidcIssuerProfile: { issuerUrl: string } } } };
    };
    const local = await startTestLab({ memory: false, dataDir });
    const cc = `/subscriptions/${local.subscriptionId}/resourceGroups/rg-m/providers/Microsoft.Kubernetes/connectedClusters/c-m`;
    let localIssuer: string;
    try {
      const opts = { endpoint: local.armEndpoint, credentialScopes: ["https://management.azure.com/.default"] };
      await new ResourceManagementClient(adminCredential(local), local.subscriptionId, opts).resourceGroups.createOrUpdate("rg-m", { location: "westeurope" });
      const made = await armCall(local, "PUT", cc, API, { location: "westeurope", kind: "ProvisionedCluster", identity: { type: "SystemAssigned" }, properties: { agentPublicKeyCertificate: "", oidcIssuerProfile: { enabled: true }, securityProfile: { workloadIdentity: { enabled: true } } } });
      assert.equal(made.status, 201);
      localIssuer = made.json.properties.oidcIssuerProfile.issuerUrl;
      assert.match(localIssuer, new RegExp(`^https://localhost:${local.port}/oidc/`));
      const msi = new ManagedServiceIdentityClient(adminCredential(local), local.subscriptionId, opts);
      await msi.userAssignedIdentities.createOrUpdate("rg-m", "id-m", { location: "westeurope" });
      await msi.federatedIdentityCredentials.createOrUpdate("rg-m", "id-m", "fic-m", { issuer: localIssuer, subject: "system:serviceaccount:default:sa", audiences: ["api://AzureADTokenExchange"] });
      assert.deepEqual(local.modeSwitchWarnings, []);
    } finally {
      await local.stop();
    }
    const transparent = await startTestLab({ memory: false, dataDir, transparent: true, port: 443 });
    try {
      const now = (await armCall(transparent, "GET", cc, API)).json.properties.oidcIssuerProfile.issuerUrl;
      assert.match(now, /^https:\/\/oidcdiscovery-westeurope-endpoint-[0-9a-f]{16}\.000\.azurefd\.net\//);
      assert.deepEqual(
        transparent.modeSwitchWarnings.map((w) => ({ kind: w.kind, name: w.name, old: w.old, new: w.new, fix: w.fix })),
        [{ kind: "federatedCredential", name: "fic-m", old: localIssuer, new: now, fix: `az identity federated-credential update --name fic-m --identity-name id-m --resource-group rg-m --issuer ${now}` }],
      );
    } finally {
      await transparent.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
);

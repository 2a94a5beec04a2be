import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { SecretClient } from "@azure/keyvault-secrets";
import { startTestLab, adminCredential, armClientOptions } from "../helpers/lab.js";
import { startTestIssuer } from "../helpers/testIssuer.js";

const SUBJECT = "system:serviceaccount:default:workload-identity-sa";
// Debian's python3-azure (azure-identity 1.13.0b2, azure-keyvault-secrets 4.7.0b1), installed by .ci/run.
const PY = `
import os, sys
from azure.identity import ManagedIdentityCredential, DefaultAzureCredential
from azure.keyvault.secrets import SecretClient
url, name, which = sys.argv[1], sys.argv[2], sys.argv[3]
cred = ManagedIdentityCredential() if which == "mi" else DefaultAzureCredential()
print(SecretClient(vault_url=url, credential=cred).get_secret(name).value)
`;

test("the Python SDK (Debian python3-azure) reads the secret with only the webhook's env + REQUESTS_CA_BUNDLE", async () => {
  const lab = await startTestLab();
  const issuer = await startTestIssuer(lab);
  const dir = mkdtempSync(join(tmpdir(), "wilab-py-"));
  try {
    const cred = adminCredential(lab);
    await new ResourceManagementClient(cred, lab.subscriptionId, armClientOptions(lab)).resourceGroups.createOrUpdate("rg-py", { location: "westeurope" });
    const msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId, armClientOptions(lab));
    const id = await msi.userAssignedIdentities.createOrUpdate("rg-py", "py-id", { location: "westeurope" });
    await msi.federatedIdentityCredentials.createOrUpdate("rg-py", "py-id", "fic", { issuer: issuer.issuer, subject: SUBJECT, audiences: ["api://AzureADTokenExchange"] });
    const vault = await new KeyVaultManagementClient(cred, lab.subscriptionId, armClientOptions(lab)).vaults.beginCreateOrUpdateAndWait("rg-py", "kv-python", {
      location: "westeurope",
      properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true },
    });
    const authz = new AuthorizationManagementClient(cred, lab.subscriptionId, armClientOptions(lab));
    for (const [name, role, principalId] of [
      ["f1111111-2222-4333-8444-555555555555", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7", lab.admin.objectId],
      ["f2111111-2222-4333-8444-555555555555", "4633458b-17de-408a-b874-0445c86b69e6", id.principalId!],
    ] as const) {
      await authz.roleAssignments.create(vault.id!, name, { roleDefinitionId: `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`, principalId });
    }
    await new SecretClient(lab.vaultUrl("kv-python"), cred).setSecret("py-secret", "from-python");
    const tokenFile = join(dir, "azure-identity-token");
    // A trailing newline, as a file written by hand has: the Python SDK sends it untrimmed and the STS trims it.
    writeFileSync(tokenFile, (await issuer.sign({ sub: SUBJECT })) + "\n");
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      AZURE_CLIENT_ID: id.clientId!,
      AZURE_TENANT_ID: lab.tenantId,
      AZURE_FEDERATED_TOKEN_FILE: tokenFile,
      AZURE_AUTHORITY_HOST: `${lab.authorityHost}/`,
      REQUESTS_CA_BUNDLE: process.env.NODE_EXTRA_CA_CERTS!,
      SSL_CERT_FILE: process.env.NODE_EXTRA_CA_CERTS!,
    };
    for (const which of ["mi", "dac"]) {
      // Asynchronously: the lab answers from this very process.
      const r = await new Promise<{ status: number; stdout: string; stderr: string }>((done) =>
        execFile("/usr/bin/python3", ["-c", PY, lab.vaultUrl("kv-python"), "py-secret", which], { env, encoding: "utf8", timeout: 60_000 }, (err, stdout, stderr) =>
          done({ status: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
        ),
      );
      assert.equal(r.status, 0, `${which}: ${r.stderr.slice(-2000)}`);
      assert.equal(r.stdout.trim(), "from-python");
    }
  } finally {
    await issuer.stop();
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

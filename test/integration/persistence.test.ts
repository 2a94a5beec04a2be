import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { SecretClient } from "@azure/keyvault-secrets";
import { WorkloadIdentityCredential } from "@azure/identity";
import { startTestLab, adminCredential, armClientOptions } from "../helpers/lab.js";
import { startTestIssuer } from "../helpers/testIssuer.js";

const SUBJECT = "system:serviceaccount:default:workload-identity-sa";

test("restart on the same data dir: identities, credentials, assignments, vaults, secrets, keys and the clock survive; an old token still works", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "wilab-persist-"));
  try {
    let lab = await startTestLab({ memory: false, dataDir });
    const issuer = await startTestIssuer(lab);
    const port = lab.port;
    const cred = adminCredential(lab);
    const resources = new ResourceManagementClient(cred, lab.subscriptionId, armClientOptions(lab));
    const msi = new ManagedServiceIdentityClient(cred, lab.subscriptionId, armClientOptions(lab));
    const authz = new AuthorizationManagementClient(cred, lab.subscriptionId, armClientOptions(lab));
    const kv = new KeyVaultManagementClient(cred, lab.subscriptionId, armClientOptions(lab));
    await resources.resourceGroups.createOrUpdate("rg-p", { location: "westeurope" });
    const id = await msi.userAssignedIdentities.createOrUpdate("rg-p", "persisted", { location: "westeurope" });
    await msi.federatedIdentityCredentials.createOrUpdate("rg-p", "persisted", "fic", { issuer: issuer.issuer, subject: SUBJECT, audiences: ["api://AzureADTokenExchange"] });
    const vault = await kv.vaults.beginCreateOrUpdateAndWait("rg-p", "kv-persist", {
      location: "westeurope",
      properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true, enablePurgeProtection: true },
    });
    await authz.roleAssignments.create(vault.id!, "b1111111-2222-4333-8444-555555555555", {
      roleDefinitionId: `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/b86a8fe4-44ce-4948-aee5-eccb2c155cd7`,
      principalId: lab.admin.objectId,
      principalType: "ServicePrincipal",
    });
    await authz.roleAssignments.create(vault.id!, "c1111111-2222-4333-8444-555555555555", {
      roleDefinitionId: `/subscriptions/${lab.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
      principalId: id.principalId!,
      principalType: "ServicePrincipal",
    });
    await new SecretClient(lab.vaultUrl("kv-persist"), cred).setSecret("kept", "across-restarts");
    const oldToken = (await cred.getToken("https://management.azure.com/.default"))!.token;
    lab.ctx.clock.advance(3_600_000);
    const tenantId = lab.tenantId;
    const stsKid = lab.ctx ? JSON.parse(Buffer.from(oldToken.split(".")[0]!, "base64url").toString()).kid : undefined;

    await lab.stop();
    assert.equal(existsSync(join(dataDir, "lab.db")), true);
    lab = await startTestLab({ memory: false, dataDir, port });
    try {
      assert.equal(lab.tenantId, tenantId);
      assert.ok(lab.ctx.clock.offset() >= 3_600_000, "the lab clock offset survives");
      // A token issued before the restart still verifies: the STS keys persisted.
      const res = await fetch(`${lab.armEndpoint}/subscriptions/${lab.subscriptionId}/resourcegroups/rg-p?api-version=2021-04-01`, { headers: { authorization: `Bearer ${oldToken}` } });
      assert.equal(res.status, 200);
      const jwks = (await (await fetch(`${lab.authorityHost}/${lab.tenantId}/discovery/v2.0/keys`)).json()) as { keys: { kid: string }[] };
      assert.ok(jwks.keys.some((k) => k.kid === stsKid));
      // The identity, its credential and its role: the whole chain works after the restart.
      const fics = [];
      for await (const f of new ManagedServiceIdentityClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab)).federatedIdentityCredentials.list("rg-p", "persisted")) fics.push(f);
      assert.equal(fics.length, 1);
      const tokenFile = join(dataDir, "token");
      writeFileSync(tokenFile, await issuer.sign({ sub: SUBJECT }));
      const wi = new WorkloadIdentityCredential({ tenantId: lab.tenantId, clientId: id.clientId!, tokenFilePath: tokenFile, authorityHost: lab.authorityHost, disableInstanceDiscovery: true });
      const secret = await new SecretClient(lab.vaultUrl("kv-persist"), wi).getSecret("kept");
      assert.equal(secret.value, "across-restarts");
    } finally {
      await issuer.stop();
      await lab.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

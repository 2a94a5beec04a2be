import { ClientSecretCredential } from "@azure/identity";
import { startLab, type Lab, type StartLabOptions } from "../../src/index.js";
import { testDatabase } from "./postgres.js";

/**
 * Starts an in-memory lab on a random port that uses the suite's test CA (trusted via NODE_EXTRA_CA_CERTS).
 * With WILAB_TEST_STORE=postgres (scripts/run-tests.mjs runs a few files a second time so) its state lives in a
 * database of its own on the run's throwaway PostgreSQL server, dropped when the lab stops.
 */
export async function startTestLab(o: StartLabOptions = {}): Promise<Lab> {
  const caDir = process.env.WILAB_TEST_CA_DIR;
  if (!caDir) throw new Error("WILAB_TEST_CA_DIR is not set: run the tests with `npm test` (scripts/run-tests.mjs)");
  if (process.env.WILAB_TEST_STORE !== "postgres" || o.store) return startLab({ memory: true, port: 0, caDir, ...o });
  const db = await testDatabase();
  const lab = await startLab({ memory: true, port: 0, caDir, store: db.url, ...o }).catch(async (err: unknown) => {
    await db.drop();
    throw err;
  });
  if (!lab.store.startsWith("postgres://")) throw new Error(`WILAB_TEST_STORE=postgres, yet the lab runs on ${lab.store}`);
  const stop = lab.stop.bind(lab);
  return Object.assign(lab, { stop: () => stop().finally(() => db.drop()) });
}

/** The lab admin's service principal as a real @azure/identity credential (management SDKs sign in with it). */
export function adminCredential(lab: Lab): ClientSecretCredential {
  return new ClientSecretCredential(lab.tenantId, lab.admin.clientId, lab.admin.clientSecret, {
    authorityHost: lab.authorityHost,
    disableInstanceDiscovery: true,
  });
}

/** Options for management SDK clients pointed at the lab's ARM endpoint. */
export function armClientOptions(lab: Lab): { endpoint: string; credentialScopes: string[] } {
  return { endpoint: lab.armEndpoint, credentialScopes: ["https://management.azure.com/.default"] };
}

/**
 * A resource group and an access-policy vault (the admin holds every secret permission) made through the real
 * management SDKs; its host (`<vault>.vault.localhost:<port>`) and the admin's Key Vault and ARM tokens.
 */
export async function policyVault(lab: Lab, rg: string, vault: string): Promise<{ vaultHost: string; kvToken: string; armToken: string }> {
  const { ResourceManagementClient } = await import("@azure/arm-resources");
  const { KeyVaultManagementClient } = await import("@azure/arm-keyvault");
  const cred = adminCredential(lab);
  const opts = armClientOptions(lab);
  await new ResourceManagementClient(cred, lab.subscriptionId, opts).resourceGroups.createOrUpdate(rg, { location: "westeurope" });
  await new KeyVaultManagementClient(cred, lab.subscriptionId, opts).vaults.createOrUpdate(rg, vault, {
    location: "westeurope",
    properties: { tenantId: lab.tenantId, sku: { family: "A", name: "standard" }, accessPolicies: [{ tenantId: lab.tenantId, objectId: lab.admin.objectId, permissions: { secrets: ["all"] } }] },
  });
  return {
    vaultHost: `${vault}.vault.localhost:${lab.port}`,
    kvToken: (await cred.getToken(`https://vault.localhost:${lab.port}/.default`))!.token,
    armToken: (await cred.getToken("https://management.azure.com/.default"))!.token,
  };
}

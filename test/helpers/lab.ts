import { ClientSecretCredential } from "@azure/identity";
import { startLab, type Lab, type StartLabOptions } from "../../src/index.js";

/** Starts an in-memory lab on a random port that uses the suite's test CA (trusted via NODE_EXTRA_CA_CERTS). */
export async function startTestLab(o: StartLabOptions = {}): Promise<Lab> {
  const caDir = process.env.WILAB_TEST_CA_DIR;
  if (!caDir) throw new Error("WILAB_TEST_CA_DIR is not set: run the tests with `npm test` (scripts/run-tests.mjs)");
  return startLab({ memory: true, port: 0, caDir, ...o });
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

/**
 * wilab's quick-start sample: what the upstream `ghcr.io/azure/azure-workload-identity/msal-go` (and msal-node,
 * msal-python) images do, with the real Azure SDK for JavaScript. The kubelet runs it for those images.
 *
 * Reads KEYVAULT_URL and SECRET_NAME plus the four variables the workload identity webhook injects
 * (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST), fails like msal-go when
 * any is empty, then reads the secret every 60 s (WILAB_SAMPLE_INTERVAL_SECONDS changes that) and logs
 * `successfully got secret, secret=<value>`; on error it logs the error and tries again at the next interval.
 * WorkloadIdentityCredential re-reads the token file when it needs a new assertion, so the kubelet's token
 * refresh is picked up.
 */
import { WorkloadIdentityCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";

const REQUIRED = ["KEYVAULT_URL", "SECRET_NAME", "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST"] as const;

function info(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

function fail(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** The public cloud authority needs no switch; any other host is a local authority (the lab's). */
export function isPublicCloudAuthority(host: string): boolean {
  return /^https:\/\/login\.microsoftonline\.com\/?$/i.test(host.trim());
}

function intervalMs(): number {
  const v = Number(process.env.WILAB_SAMPLE_INTERVAL_SECONDS ?? "60");
  return (Number.isFinite(v) && v > 0 ? v : 60) * 1000;
}

async function main(): Promise<void> {
  for (const name of REQUIRED) {
    if (!process.env[name]) {
      fail(`${name} environment variable is not set`);
      process.exit(1);
    }
  }
  const env = process.env as Record<(typeof REQUIRED)[number], string>;
  const authorityHost = env.AZURE_AUTHORITY_HOST;
  const credential = new WorkloadIdentityCredential({
    tenantId: env.AZURE_TENANT_ID,
    clientId: env.AZURE_CLIENT_ID,
    tokenFilePath: env.AZURE_FEDERATED_TOKEN_FILE,
    authorityHost,
    // msal-node asks login.microsoftonline.com for instance metadata unless told not to; a local authority has none to give.
    disableInstanceDiscovery: !isPublicCloudAuthority(authorityHost),
  });
  const client = new SecretClient(env.KEYVAULT_URL, credential);

  let stopping = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopping = true;
    wake?.();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  while (!stopping) {
    try {
      const secret = await client.getSecret(env.SECRET_NAME);
      info(`successfully got secret, secret=${secret.value ?? ""}`);
    } catch (err) {
      fail(`failed to get secret from keyvault, err: ${(err as Error).message}`);
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, intervalMs());
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}

main().catch((err: unknown) => {
  fail(String((err as Error).stack ?? err));
  process.exit(1);
});

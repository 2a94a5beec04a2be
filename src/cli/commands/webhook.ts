import { readFileSync } from "node:fs";
import { str, type CommandDef, type GroupDef } from "../core/command.js";
import { CliError, UsageError } from "../core/errors.js";

export const groups: GroupDef[] = [{ name: "webhook", summary: "Run the Azure workload identity mutating admission webhook." }];

function readFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new CliError(`unable to read ${what} '${path}': ${(err as Error).message}`);
  }
}

export const commands: CommandDef[] = [
  {
    name: "webhook serve",
    summary: "Serve the workload identity webhook's AdmissionReview endpoint (/mutate-v1-pod) over HTTPS, as the upstream azure-wi-webhook does.",
    args: [
      { dest: "port", options: ["--port"], default: "9443", help: "The port to listen on." },
      { dest: "host", options: ["--host"], default: "0.0.0.0", help: "The address to bind." },
      { dest: "tls_cert_file", options: ["--tls-cert-file"], required: true, help: "PEM certificate (chain) the server presents." },
      { dest: "tls_private_key_file", options: ["--tls-private-key-file"], required: true, help: "PEM private key of the certificate." },
      { dest: "tls_min_version", options: ["--tls-min-version"], choices: ["1.2", "1.3"], default: "1.3", help: "Minimum TLS version." },
      { dest: "tenant_id", options: ["--tenant-id"], help: "AZURE_TENANT_ID: the tenant used when a service account has no tenant-id annotation. Default: $AZURE_TENANT_ID." },
      { dest: "azure_environment", options: ["--azure-environment"], help: "AZURE_ENVIRONMENT (AzurePublicCloud, AzureUSGovernmentCloud, AzureChinaCloud, AzureGermanCloud). Default: $AZURE_ENVIRONMENT or AzurePublicCloud." },
      { dest: "authority_host", options: ["--authority-host"], help: "The AZURE_AUTHORITY_HOST injected into pods (wins over --azure-environment)." },
      { dest: "audience", options: ["--audience"], default: "api://AzureADTokenExchange", help: "Audience of the projected service account token." },
      { dest: "layout", options: ["--layout"], choices: ["v1.5", "v1.6"], default: "v1.5", help: "Token volume layout: v1.5 (/var/run/secrets/azure/tokens/azure-identity-token) or v1.6 (/var/run/secrets/azure/wi/token/azure-identity-token)." },
      { dest: "proxy_image_registry", options: ["--proxy-image-registry"], help: "Registry of the proxy and proxy-init images." },
      { dest: "proxy_image_version", options: ["--proxy-image-version"], help: "Tag of the proxy and proxy-init images." },
      { dest: "log_level", options: ["--log-level"], default: "info", help: "Log level passed to the injected proxy sidecar." },
      { dest: "server_version", options: ["--server-version"], help: "The API server version (e.g. v1.32.2) that decides native sidecars. Default: read from the API server's /version." },
      { dest: "api_server", options: ["--api-server"], help: "The Kubernetes API server URL. Default: in-cluster (KUBERNETES_SERVICE_HOST/_PORT)." },
      { dest: "token_file", options: ["--token-file"], help: "Bearer token file for the API server. Default: /var/run/secrets/kubernetes.io/serviceaccount/token." },
      { dest: "ca_file", options: ["--ca-file"], help: "CA bundle of the API server. Default: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt." },
    ],
    examples: [
      {
        summary: "Run in a cluster (in-cluster config), as the azure-wi-webhook Deployment's container.",
        command: "wilab webhook serve --port 9443 --tls-cert-file /certs/tls.crt --tls-private-key-file /certs/tls.key --tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47",
      },
    ],
    async run(ctx, a) {
      const { KubeServiceAccountGetter, startWebhookServer, resolveWebhookConfig, WebhookConfigError } = await import("../../webhook/index.js");
      const port = Number(str(a, "port"));
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`argument --port: invalid value: '${str(a, "port")}'`);
      const tenantId = str(a, "tenant_id") ?? process.env.AZURE_TENANT_ID ?? "";
      if (tenantId === "") throw new CliError("AZURE_TENANT_ID is required");
      const cert = readFile(str(a, "tls_cert_file")!, "--tls-cert-file");
      const key = readFile(str(a, "tls_private_key_file")!, "--tls-private-key-file");

      let kube: InstanceType<typeof KubeServiceAccountGetter>;
      const apiServer = str(a, "api_server");
      try {
        if (apiServer) {
          const tokenFile = str(a, "token_file");
          const caFile = str(a, "ca_file");
          kube = new KubeServiceAccountGetter({ server: apiServer, tokenFile, caPem: caFile ? readFile(caFile, "--ca-file") : undefined });
        } else {
          kube = KubeServiceAccountGetter.inCluster();
        }
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      let serverVersion = str(a, "server_version");
      if (!serverVersion) {
        try {
          serverVersion = await kube.serverVersion();
        } catch (err) {
          throw new CliError(`failed to check kubernetes version: ${(err as Error).message}`);
        }
      }
      let config;
      try {
        config = resolveWebhookConfig({
          tenantId,
          azureEnvironment: str(a, "azure_environment") ?? process.env.AZURE_ENVIRONMENT,
          authorityHost: str(a, "authority_host"),
          audience: str(a, "audience"),
          layout: str(a, "layout") as "v1.5" | "v1.6",
          proxyImageRegistry: str(a, "proxy_image_registry"),
          proxyImageVersion: str(a, "proxy_image_version"),
          proxyImage: process.env.PROXY_IMAGE,
          proxyInitImage: process.env.PROXY_INIT_IMAGE,
          logLevel: str(a, "log_level"),
          serverVersion,
        });
      } catch (err) {
        if (err instanceof WebhookConfigError) throw new CliError(err.message);
        throw err;
      }
      const srv = await startWebhookServer({
        port,
        host: str(a, "host"),
        tlsCertPem: cert,
        tlsKeyPem: key,
        tlsMinVersion: str(a, "tls_min_version") === "1.2" ? "TLSv1.2" : "TLSv1.3",
        config,
        getServiceAccount: kube.get,
      });
      process.stderr.write(`webhook serving ${srv.url}/mutate-v1-pod (layout ${config.layout}, native sidecar ${config.useNativeSidecar}, authority ${config.authorityHost})\n`);
      ctx.info(`tenant ${config.tenantId}, audience ${config.audience}`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGTERM", stop);
          process.off("SIGINT", stop);
          void srv.close().then(resolve);
        };
        process.on("SIGTERM", stop);
        process.on("SIGINT", stop);
      });
      return undefined;
    },
  },
];

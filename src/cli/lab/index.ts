import type { Command } from "commander";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { startLab, defaultDataDir, type LabInfo } from "../../lab/Lab.js";
import { explainStartError } from "./startErrors.js";
import { homedir } from "node:os";

function readEndpoints(dataDir: string): LabInfo | undefined {
  const p = join(dataDir, "endpoints.json");
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, "utf8")) as LabInfo;
}

/** `wilab up`, `wilab env`: the lab's own commands. */
export function registerLabCommands(program: Command): void {
  program
    .command("up")
    .description("run the lab in the foreground: Entra, ARM and Key Vault over HTTPS from one listener")
    .option("--port <port>", "port to listen on (default 8443; 443 with --transparent)")
    .option("--data-dir <dir>", "state, CA and keys (default $WILAB_HOME, else ~/.wilab)")
    .option("--memory", "keep all state in memory; nothing is written to disk")
    .option("--transparent", "answer the real Azure host names on 443 (needs root; edits /etc/hosts while running)")
    .option("--tenant-id <guid>", "tenant id for a new lab")
    .option("--subscription-id <guid>", "subscription id for a new lab")
    .option("--fic-propagation <seconds>", "seconds before a new federated credential can be used (default 0)")
    .action(async (o: { port?: string; dataDir?: string; memory?: boolean; transparent?: boolean; tenantId?: string; subscriptionId?: string; ficPropagation?: string }) => {
      // Signal handlers first: a SIGINT/SIGTERM during start-up still stops the lab cleanly once it is up.
      let requestStop: () => void = () => undefined;
      const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
      process.on("SIGINT", requestStop);
      process.on("SIGTERM", requestStop);
      const port = o.port !== undefined ? Number(o.port) : o.transparent ? 443 : 8443;
      const started = await startLab({
        port,
        dataDir: o.dataDir,
        memory: o.memory,
        transparent: o.transparent,
        tenantId: o.tenantId,
        subscriptionId: o.subscriptionId,
        ficPropagationMs: o.ficPropagation ? Number(o.ficPropagation) * 1000 : 0,
        recordEndpoints: true,
        logger: { info: (m) => process.stdout.write(`${m}\n`), warn: (m) => process.stderr.write(`wilab: ${m}\n`) },
        kubeconfigFiles: process.env.KUBECONFIG ? process.env.KUBECONFIG.split(":").filter(Boolean) : [join(homedir(), ".kube", "config")],
      }).catch((err: unknown) => {
        const why = explainStartError(err, { port, transparent: !!o.transparent });
        if (!why) throw err;
        process.stderr.write(`wilab: ${why}\n`);
        process.exitCode = 1;
        return undefined;
      });
      if (!started) {
        process.off("SIGINT", requestStop);
        process.off("SIGTERM", requestStop);
        return;
      }
      const lab = started;
      for (const w of lab.modeSwitchWarnings) process.stderr.write(`wilab: warning: ${w.message}\n`);
      const trust = `trust the CA: export NODE_EXTRA_CA_CERTS=${lab.caCertPath} REQUESTS_CA_BUNDLE=${lab.caCertPath} (or eval "$(wilab env)")`;
      process.stdout.write(
        `wilab ready on ${lab.url} [${lab.mode}] — Entra ${lab.authorityHost}, ARM ${lab.armEndpoint}, Key Vault https://<vault>.${lab.ctx.hosts.vaultDnsSuffix} — tenant ${lab.tenantId}, subscription ${lab.subscriptionId} — ${lab.store} — ${trust}\n`,
      );
      const missing = lab.hostsLinesNeeded();
      if (missing.length) process.stdout.write(`add to /etc/hosts:\n${missing.join("\n")}\n`);
      await stopRequested;
      process.off("SIGINT", requestStop);
      process.off("SIGTERM", requestStop);
      await lab.stop();
    });

  program
    .command("env")
    .description("print the environment variables clients need to reach the running lab")
    .option("--data-dir <dir>", "the lab's data dir (default $WILAB_HOME, else ~/.wilab)")
    .option("--shell <shell>", "bash or pwsh", "bash")
    .action((o: { dataDir?: string; shell: string }) => {
      const dir = o.dataDir ?? defaultDataDir();
      const info = readEndpoints(dir);
      if (!info) throw new Error(`no running lab found in ${dir}: start one with 'wilab up'`);
      const vars: [string, string][] = [
        ["AZURE_AUTHORITY_HOST", `${info.authorityHost}/`],
        ["AZURE_TENANT_ID", info.tenantId],
        ["AZURE_SUBSCRIPTION_ID", info.subscriptionId],
        ["WILAB_ENDPOINT", info.url],
        ["WILAB_ADMIN_CLIENT_ID", info.admin.clientId],
        ["WILAB_ADMIN_CLIENT_SECRET", info.admin.clientSecret],
      ];
      for (const k of ["NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"]) vars.push([k, info.caCertPath]);
      const pwsh = o.shell === "pwsh" || o.shell === "powershell";
      for (const [k, v] of vars) process.stdout.write(pwsh ? `$env:${k} = '${v.replace(/'/g, "''")}'\n` : `export ${k}='${v.replace(/'/g, "'\\''")}'\n`);
    });
}

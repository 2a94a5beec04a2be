import { readFileSync, existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { startLab, defaultDataDir, type Lab, type LabInfo } from "../../lab/Lab.js";
import { parseLogFormat, parseLogLevel } from "../../platform/index.js";
import { bool, str, type ArgDef, type Args, type CommandContext, type CommandDef, type GroupDef } from "../core/command.js";
import { CliError } from "../core/errors.js";
import { explainStartError } from "./startErrors.js";

/**
 * `wilab up --realistic`: Azure-like propagation delays.
 * - Federated credentials: "It takes a few seconds for the federated identity credential to be propagated after
 *   being initially added" (AKS / AKS Arc workload identity docs; Entra's own docs warn of failures for up to
 *   several minutes) — 30 s.
 * - Role assignments: "it can take up to 10 minutes for changes to take effect" (Troubleshoot Azure RBAC, "Role
 *   assignment changes are not being detected"); a few minutes is typical — 5 min.
 */
export const REALISTIC_PROPAGATION = { ficMs: 30_000, rbacMs: 5 * 60_000 } as const;

function seconds(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new CliError(`${flag} takes a number of seconds; got '${v}'`);
  return Math.round(n * 1000);
}

interface UpOptions {
  port?: string;
  dataDir?: string;
  memory?: boolean;
  store?: string;
  transparent?: boolean;
  tenantId?: string;
  subscriptionId?: string;
  ficPropagation?: string;
  rbacPropagation?: string;
  realistic?: boolean;
  logLevel: string;
  logFormat: string;
  trustCa: string[];
  listen?: string;
  hostnames: string[];
  publicPorts: string[];
}

function upOptions(a: Args): UpOptions {
  return {
    port: str(a, "port"),
    dataDir: str(a, "dataDir"),
    memory: bool(a, "memory"),
    store: str(a, "store") ?? (process.env.WILAB_STORE || undefined),
    transparent: bool(a, "transparent"),
    tenantId: str(a, "tenantId"),
    subscriptionId: str(a, "subscriptionId"),
    ficPropagation: str(a, "ficPropagation"),
    rbacPropagation: str(a, "rbacPropagation"),
    realistic: bool(a, "realistic"),
    logLevel: str(a, "logLevel") ?? "info",
    logFormat: str(a, "logFormat") ?? "text",
    trustCa: Array.isArray(a.trustCa) ? (a.trustCa as string[]) : [],
    listen: str(a, "listen"),
    hostnames: Array.isArray(a.hostname) ? (a.hostname as string[]) : [],
    publicPorts: Array.isArray(a.publicPort) ? (a.publicPort as string[]) : [],
  };
}

/** A RangeError naming a bad flag value, or a start-up failure with no explanation: `ERROR: <message>`, exit 1. */
function asCliError(err: unknown): unknown {
  return err instanceof Error && !(err instanceof CliError) ? new CliError(err.message) : err;
}

function readEndpoints(dataDir: string): LabInfo | undefined {
  const p = join(dataDir, "endpoints.json");
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, "utf8")) as LabInfo;
}

/** The ready line on stdout (scripts wait for it), then mode-switch warnings, propagation delays and missing /etc/hosts lines. */
function announceReady(lab: Lab, ficPropagationMs: number, rbacPropagationMs: number): void {
  for (const w of lab.modeSwitchWarnings) process.stderr.write(`wilab: warning: ${w.message}\n`);
  // This process's own listener; behind a balancer (--public-port) the lab's URLs name the balancer instead.
  const own = lab.url.replace(/:\d+$/, "") + (lab.port === 443 ? "" : `:${lab.port}`);
  const trust = `trust the CA: export NODE_EXTRA_CA_CERTS=${lab.caCertPath} REQUESTS_CA_BUNDLE=${lab.caCertPath} (or eval "$(wilab env)")`;
  process.stdout.write(
    `wilab ready on ${own} [${lab.mode}]${own === lab.url ? "" : `, URLs name ${lab.url} (--public-port)`} — Entra ${lab.authorityHost}, ARM ${lab.armEndpoint}, Key Vault https://<vault>.${lab.ctx.hosts.vaultDnsSuffix} — tenant ${lab.tenantId}, subscription ${lab.subscriptionId} — ${lab.store} — listening on ${lab.listen}, certificate for ${lab.certificateNames.join(", ")} (and any name a client sends by SNI) — ${trust}\n`,
  );
  if (ficPropagationMs || rbacPropagationMs) {
    lab.ctx.labLog.log({ level: "info", face: "lab", op: "propagation", fields: { ficSeconds: ficPropagationMs / 1000, rbacSeconds: rbacPropagationMs / 1000 }, message: "new federated credentials and role assignments take effect after these delays (lab clock)" });
  }
  const missing = lab.hostsLinesNeeded();
  if (missing.length) process.stdout.write(`add to /etc/hosts:\n${missing.join("\n")}\n`);
}

/** `wilab up`: runs the lab in the foreground until SIGINT/SIGTERM; a start-up failure it can explain exits 1. */
async function up(o: UpOptions, setExitCode: (code: number) => void): Promise<void> {
  const logLevel = parseLogLevel(o.logLevel);
  const logFormat = parseLogFormat(o.logFormat);
  const ficPropagationMs = seconds(o.ficPropagation, "--fic-propagation") ?? (o.realistic ? REALISTIC_PROPAGATION.ficMs : 0);
  const rbacPropagationMs = seconds(o.rbacPropagation, "--rbac-propagation") ?? (o.realistic ? REALISTIC_PROPAGATION.rbacMs : 0);
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
    store: o.store,
    transparent: o.transparent,
    tenantId: o.tenantId,
    subscriptionId: o.subscriptionId,
    ficPropagationMs,
    rbacPropagationMs,
    recordEndpoints: true,
    // The lab log goes to stderr, so that stdout keeps only the ready line (scripts wait for it).
    logLevel,
    logFormat,
    logWrite: (line) => process.stderr.write(`${line}\n`),
    logger: { info: (m) => process.stdout.write(`${m}\n`), warn: (m) => process.stderr.write(`wilab: ${m}\n`) },
    kubeconfigFiles: process.env.KUBECONFIG ? process.env.KUBECONFIG.split(":").filter(Boolean) : [join(homedir(), ".kube", "config")],
    trustCa: o.trustCa,
    listen: o.listen,
    hostnames: o.hostnames,
    publicPorts: o.publicPorts.map((p) => {
      const n = Number(p);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new CliError(`--public-port must be a port number; got '${p}'`);
      return n;
    }),
  }).catch((err: unknown) => {
    const why = explainStartError(err, { port, transparent: !!o.transparent });
    if (!why) throw err;
    process.stderr.write(`wilab: ${why}\n`);
    setExitCode(1);
    return undefined;
  });
  if (!started) {
    process.off("SIGINT", requestStop);
    process.off("SIGTERM", requestStop);
    return;
  }
  const lab = started;
  announceReady(lab, ficPropagationMs, rbacPropagationMs);
  await stopRequested;
  process.off("SIGINT", requestStop);
  process.off("SIGTERM", requestStop);
  await lab.stop();
}

/** `wilab env`: the environment variables clients need, for bash or PowerShell. */
function env(o: { dataDir?: string; shell: string }): void {
  const dir = o.dataDir ?? defaultDataDir();
  const info = readEndpoints(dir);
  if (!info) throw new CliError(`no running lab found in ${dir}: start one with 'wilab up'`);
  const vars: [string, string][] = [
    ["AZURE_AUTHORITY_HOST", `${info.authorityHost}/`],
    ["AZURE_TENANT_ID", info.tenantId],
    ["AZURE_SUBSCRIPTION_ID", info.subscriptionId],
    ["WILAB_ENDPOINT", info.url],
    ["WILAB_GRAPH_ENDPOINT", info.graphEndpoint ?? info.url],
    ["WILAB_ADMIN_CLIENT_ID", info.admin.clientId],
    ["WILAB_ADMIN_CLIENT_SECRET", info.admin.clientSecret],
  ];
  for (const k of ["NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"]) vars.push([k, info.caCertPath]);
  const pwsh = o.shell === "pwsh" || o.shell === "powershell";
  for (const [k, v] of vars) process.stdout.write(pwsh ? `$env:${k} = '${v.replace(/'/g, "''")}'\n` : `export ${k}='${v.replace(/'/g, "'\\''")}'\n`);
}

const opt = (dest: string, option: string, help: string, extra: Partial<ArgDef> = {}): ArgDef => ({ dest, options: [option], help, ...extra });

const dataDirHelp = "(default $WILAB_HOME, else ~/.wilab)";

/** `wilab up`, `wilab env`: the lab's own commands; they start or read a lab in this process. */
export const groups: GroupDef[] = [];

export const commands: CommandDef[] = [
  {
    name: "up",
    summary: "Run the lab in the foreground: Entra, ARM and Key Vault over HTTPS from one listener.",
    offline: true,
    ownArgsOnly: true,
    args: [
      opt("port", "--port", "port to listen on (default 8443; 443 with --transparent)."),
      opt("dataDir", "--data-dir", `state, CA and keys ${dataDirHelp}.`),
      opt("memory", "--memory", "keep all state in memory; nothing is written to disk.", { kind: "flag" }),
      opt("store", "--store", "keep the lab's state in PostgreSQL, postgres://user@host:port/db (default $WILAB_STORE, else the embedded SQLite store in the data dir)."),
      opt("transparent", "--transparent", "answer the real Azure host names on 443 (needs root; edits /etc/hosts while running).", { kind: "flag" }),
      opt("tenantId", "--tenant-id", "tenant id for a new lab."),
      opt("subscriptionId", "--subscription-id", "subscription id for a new lab."),
      opt("ficPropagation", "--fic-propagation", "seconds before a new federated credential can be used (default 0; 30 with --realistic)."),
      opt("rbacPropagation", "--rbac-propagation", "seconds before a new role assignment takes effect (default 0; 300 with --realistic)."),
      opt("realistic", "--realistic", "Azure-like propagation delays: 30 s for federated credentials, 5 min for role assignments.", { kind: "flag" }),
      opt("logLevel", "--log-level", "lab log lines on stderr: debug (also one line per request), info (failures, tokens issued, faults), warn, error.", { default: "info" }),
      opt("logFormat", "--log-format", "text or json (one JSON object per line).", { default: "text" }),
      opt("listen", "--listen", "the address to listen on (default 127.0.0.1); 0.0.0.0 or a machine address lets other machines use the lab, each face authenticated as always."),
      opt("hostname", "--hostname", "a name (or IP address) remote clients use for the lab, added to its certificate (repeatable).", { kind: "append" }),
      opt("publicPort", "--public-port", "the port a balancer in front of this lab's replicas answers on (repeatable): the first is the port the lab's URLs name (issuers, authority host, vaultUri, API server); ARM and Key Vault accept tokens for https://localhost:<port> and https://vault.localhost:<port> of each.", { kind: "append" }),
      opt("trustCa", "--trust-ca", "a PEM file of CA certificates to trust for federated issuers' HTTPS (repeatable), besides the public roots, the lab CA and NODE_EXTRA_CA_CERTS.", { kind: "append" }),
    ],
    examples: [
      { summary: "Start a lab on https://localhost:8443 with its state in ~/.wilab.", command: "wilab up" },
      { summary: "A throwaway lab: nothing on disk, any free port.", command: "wilab up --memory --port 0" },
      { summary: "A lab whose state lives in PostgreSQL.", command: "wilab up --store postgres://wilab@db.example:5432/wilab" },
    ],
    async run(ctx: CommandContext, a: Args) {
      await up(upOptions(a), (code) => ctx.setExitCode(code)).catch((err: unknown) => {
        throw asCliError(err);
      });
      return undefined;
    },
  },
  {
    name: "env",
    summary: "Print the environment variables clients need to reach the running lab.",
    offline: true,
    ownArgsOnly: true,
    args: [opt("dataDir", "--data-dir", `the lab's data dir ${dataDirHelp}.`), opt("shell", "--shell", "bash or pwsh.", { default: "bash" })],
    examples: [
      { summary: "Point this bash session's clients at the running lab.", command: "eval \"$(wilab env)\"" },
      { summary: "The same in PowerShell.", command: "wilab env --shell pwsh | Invoke-Expression" },
    ],
    async run(_ctx: CommandContext, a: Args) {
      env({ dataDir: str(a, "dataDir"), shell: str(a, "shell") ?? "bash" });
      return undefined;
    },
  },
];

import { packageRoot } from "../../platform/packageRoot.js";
import { mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { str, type CommandDef, type GroupDef } from "../core/command.js";
import { dataDir } from "../core/lab.js";
import { isJsonObject, type JsonObject } from "../core/types.js";

export const groups: GroupDef[] = [{ name: "clock", summary: "Show, advance or reset the lab clock (token lifetimes, soft-delete retention, key rotation follow it)." }];

/** The az version wilab's commands and output follow. */
export const EMULATED_AZ_VERSION = "2.67.0";

function wilabVersion(): string {
  try {
    const p = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: string };
    return p.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

export const commands: CommandDef[] = [
  {
    name: "status",
    summary: "Show the running lab: endpoints, mode, store, uptime, clock.",
    args: [],
    examples: [{ summary: "Show the running lab.", command: "wilab status" }],
    async run(ctx) {
      const s = ctx.session();
      const st = await s.labApi("GET", "/_wilab/status");
      const out: JsonObject = {
        url: s.lab.url,
        authorityHost: s.lab.authorityHost,
        armEndpoint: s.lab.armEndpoint,
        caCertPath: s.lab.caCertPath,
        dataDir: dataDir(),
      };
      return isJsonObject(st) ? { ...out, ...st } : out;
    },
  },
  {
    name: "clock show",
    summary: "Show the lab clock (its time and its offset from the real one).",
    args: [],
    async run(ctx) {
      return (await ctx.session().labApi("GET", "/_wilab/clock")) ?? null;
    },
  },
  {
    name: "clock advance",
    summary: "Move the lab clock forward, e.g. past a token's expiry or a 45-day key rotation.",
    args: [{ dest: "duration", options: [], positional: true, required: true, help: "How far: 90s, 30m, 25h, 45d (units s, m, h, d)." }],
    examples: [
      { summary: "Jump past the 45-day service-account key rotation.", command: "wilab clock advance 45d" },
      { summary: "Let a one-hour token expire.", command: "wilab clock advance 61m" },
    ],
    async run(ctx, a) {
      return (await ctx.session().labApi("POST", "/_wilab/clock", { advance: str(a, "duration")! })) ?? null;
    },
  },
  {
    name: "clock reset",
    summary: "Put the lab clock back to the real time.",
    args: [],
    async run(ctx) {
      return (await ctx.session().labApi("POST", "/_wilab/clock", { reset: true })) ?? null;
    },
  },
  {
    name: "version",
    offline: true,
    summary: "Show the versions of wilab and of the Azure CLI it emulates.",
    args: [],
    async run() {
      return { "azure-cli": EMULATED_AZ_VERSION, "azure-cli-core": EMULATED_AZ_VERSION, "azure-cli-telemetry": "1.1.0", extensions: {}, wilab: wilabVersion() };
    },
  },
  {
    name: "shell",
    offline: true,
    summary: "Make a directory holding the `az` shim and print how to put it first on PATH: eval \"$(wilab shell)\".",
    args: [{ dest: "shell", options: ["--shell"], choices: ["bash", "pwsh"], default: "bash", help: "The shell to print for." }],
    examples: [
      { summary: "Use `az` for wilab in this bash session.", command: "eval \"$(wilab shell)\"" },
      { summary: "The same in PowerShell.", command: "wilab shell --shell pwsh | Invoke-Expression" },
    ],
    async run(_ctx, a) {
      const dir = join(dataDir(), "bin");
      mkdirSync(dir, { recursive: true });
      const target = join(packageRoot(), "bin", "wilab");
      const link = join(dir, "az");
      rmSync(link, { force: true });
      symlinkSync(target, link);
      const pwsh = str(a, "shell") === "pwsh";
      process.stdout.write(pwsh ? `$env:PATH = '${dir}' + [IO.Path]::PathSeparator + $env:PATH\n` : `export PATH='${dir.replace(/'/g, "'\\''")}':"$PATH"\n`);
      return undefined;
    },
  },
];

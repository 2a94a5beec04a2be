import { execFileSync } from "node:child_process";
import { bool, str, type CommandDef, type GroupDef } from "../core/command.js";
import { CliError } from "../core/errors.js";
import { findLab, type LabEndpoints } from "../core/lab.js";

/**
 * `wilab az-cloud [--register]`: the `az cloud register` command that points the real az (2.45 and later) at a
 * local-mode lab: ARM at the lab's origin, its /adfs authority (az and MSAL then skip instance and user-realm
 * discovery), Microsoft Graph at the lab's origin (`az ad …`, and `az keyvault create`, which looks the user up),
 * and the vault DNS suffix with the lab's port. In transparent mode the real AzureCloud needs nothing.
 */
export function cloudConfig(lab: LabEndpoints): Record<string, unknown> {
  const origin = `${lab.url.replace(/\/+$/, "")}/`;
  const host = new URL(lab.url);
  return {
    endpoints: {
      resourceManager: origin,
      activeDirectory: `${origin}adfs`,
      activeDirectoryResourceId: "https://management.core.windows.net/",
      activeDirectoryGraphResourceId: "https://graph.windows.net/",
      microsoftGraphResourceId: origin,
      portal: `${origin}portal/`,
    },
    suffixes: { keyvaultDns: `.vault.localhost${host.port ? `:${host.port}` : ""}` },
  };
}

const shellQuote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

export const groups: GroupDef[] = [];

export const commands: CommandDef[] = [
  {
    name: "az-cloud",
    offline: true,
    summary: "Print (or run, with --register) the `az cloud register` command that points the real az at this lab.",
    args: [
      { dest: "name", options: ["--name", "-n"], default: "wilab", help: "The cloud's name in az." },
      { dest: "register", options: ["--register"], kind: "flag", help: "Run it (and `az cloud set`) instead of printing it." },
    ],
    examples: [
      { summary: "Register, select, sign in as the lab's admin (REQUESTS_CA_BUNDLE from `wilab env`).", command: "wilab az-cloud --register && az login -u admin@wilab.onmicrosoft.com -p \"$PASSWORD\"" },
    ],
    async run(_ctx, a) {
      const lab = findLab();
      if (lab.mode === "transparent") {
        process.stdout.write("# transparent mode: the lab answers AzureCloud's own hosts; use az as it is (az cloud set -n AzureCloud)\n");
        return undefined;
      }
      const name = str(a, "name") ?? "wilab";
      const config = JSON.stringify(cloudConfig(lab));
      if (!bool(a, "register")) {
        process.stdout.write(`az cloud register -n ${shellQuote(name)} --cloud-config ${shellQuote(config)} && az cloud set -n ${shellQuote(name)}\n`);
        return undefined;
      }
      const env = { ...process.env, REQUESTS_CA_BUNDLE: process.env.REQUESTS_CA_BUNDLE ?? lab.caCertPath };
      try {
        execFileSync("az", ["cloud", "register", "-n", name, "--cloud-config", config], { env, stdio: ["ignore", "inherit", "inherit"] });
        execFileSync("az", ["cloud", "set", "-n", name], { env, stdio: ["ignore", "inherit", "inherit"] });
      } catch (err) {
        throw new CliError(`az cloud register failed: ${(err as Error).message} (is the real az on PATH, before the wilab shim?)`);
      }
      return undefined;
    },
  },
];

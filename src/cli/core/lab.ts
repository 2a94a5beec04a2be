import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { CliError } from "./errors.js";

/** What `wilab up` records in `<dataDir>/endpoints.json` (the CLI reads it; it never imports the lab). */
export interface LabEndpoints {
  url: string;
  port: number;
  mode: "local" | "transparent";
  authorityHost: string;
  armEndpoint: string;
  /** Absent in endpoints.json written by an older lab: the lab's origin then. */
  graphEndpoint?: string;
  tenantId: string;
  subscriptionId: string;
  caCertPath: string;
  caCert?: string;
  admin: { clientId: string; clientSecret: string; userPrincipalName: string; password: string; objectId: string; userObjectId: string };
  store?: string;
  dataDir?: string;
  pid?: number;
}

export function dataDir(): string {
  return process.env.WILAB_HOME || join(homedir(), ".wilab");
}

/** Where the CLI keeps its profile (accounts and tokens): `$WILAB_CONFIG_DIR`, else the data dir. */
export function configDir(): string {
  return process.env.WILAB_CONFIG_DIR || dataDir();
}

/** The running lab as `wilab up` left it; `WILAB_ENDPOINT` overrides its URL. */
export function findLab(): LabEndpoints {
  const dir = dataDir();
  let info: LabEndpoints;
  try {
    info = JSON.parse(readFileSync(join(dir, "endpoints.json"), "utf8")) as LabEndpoints;
  } catch {
    throw new CliError(`no running lab found in ${dir}: start one with 'wilab up' (or set WILAB_HOME to its data dir)`);
  }
  const override = process.env.WILAB_ENDPOINT?.replace(/\/+$/, "");
  if (override && override !== info.url) {
    if (info.mode === "local") {
      info.authorityHost = override;
      info.armEndpoint = override;
      info.graphEndpoint = override;
    }
    info.url = override;
    const p = new URL(override).port;
    info.port = p ? Number(p) : 443;
  }
  return info;
}

export function labCa(info: LabEndpoints): string | undefined {
  try {
    return readFileSync(info.caCertPath, "utf8");
  } catch {
    return info.caCert;
  }
}

/** The data-plane URL az builds from `--vault-name`: `https://{name}.{keyvault dns suffix}/`. */
export function vaultUrlFor(info: LabEndpoints, name: string): string {
  const port = new URL(info.url).port;
  if (info.mode === "transparent") return `https://${name.toLowerCase()}.vault.azure.net/`;
  return `https://${name.toLowerCase()}.vault.localhost${port && port !== "443" ? `:${port}` : ""}/`;
}

/** The token resource for a vault URL: the host minus its first label, with the port unless it is 443. */
export function vaultResourceFor(vaultUrl: string): string {
  const u = new URL(vaultUrl);
  const host = u.host.toLowerCase().replace(/:443$/, "");
  return `https://${host.slice(host.indexOf(".") + 1)}`;
}

/** Where each face is reached: the lab's host mode, its public hostnames and the vault hostnames. */

export type HostMode = "local" | "transparent";

export const TRANSPARENT_HOSTS = {
  login: "login.microsoftonline.com",
  arm: "management.azure.com",
  graph: "graph.microsoft.com",
  vaultSuffix: "vault.azure.net",
} as const;

export const LOCAL_VAULT_SUFFIX = "vault.localhost";

/** Where each face is reached, in the lab's current host mode. */
export class Hosts {
  constructor(
    readonly mode: HostMode,
    /** The port this process listens on. */
    public port: number,
    /**
     * The ports clients reach the lab at through a balancer in front of replicas (`--public-port`). The first is the
     * one the lab's URLs name (issuer, authority host, `vaultUri`, API server), so that every replica hands out the
     * same URLs and clients that follow them go through the balancer; tokens for every one of them are accepted.
     */
    readonly publicPorts: readonly number[] = [],
    /** Names remote clients reach the lab by (`--hostname`s, a specific `--listen` address): their ARM origins are accepted too. */
    readonly remoteNames: readonly string[] = [],
  ) {}

  /** The port the lab's URLs name: the balancer's (the first public port) or this process's own. */
  get urlPort(): number {
    return this.publicPorts[0] ?? this.port;
  }

  private withPort(host: string, port = this.urlPort): string {
    return port === 443 ? host : `${host}:${port}`;
  }

  /** The origin of the lab in local mode (`https://localhost:8443`). */
  get localOrigin(): string {
    return `https://${this.withPort("localhost")}`;
  }

  get loginOrigin(): string {
    return this.mode === "transparent" ? `https://${TRANSPARENT_HOSTS.login}` : this.localOrigin;
  }

  get armOrigin(): string {
    return this.mode === "transparent" ? `https://${TRANSPARENT_HOSTS.arm}` : this.localOrigin;
  }

  /** Microsoft Graph: graph.microsoft.com in transparent mode, the lab's origin (`/v1.0/…`, `/beta/…`) in local mode. */
  get graphOrigin(): string {
    return this.mode === "transparent" ? `https://${TRANSPARENT_HOSTS.graph}` : this.localOrigin;
  }

  /** `vault.azure.net` or `vault.localhost:8443`. */
  get vaultDnsSuffix(): string {
    return this.mode === "transparent" ? TRANSPARENT_HOSTS.vaultSuffix : this.withPort(LOCAL_VAULT_SUFFIX);
  }

  vaultHostname(name: string): string {
    return `${name.toLowerCase()}.${this.mode === "transparent" ? TRANSPARENT_HOSTS.vaultSuffix : LOCAL_VAULT_SUFFIX}`;
  }

  vaultUri(name: string): string {
    return `https://${name.toLowerCase()}.${this.vaultDnsSuffix}/`;
  }

  /** Every Key Vault resource URI the lab accepts as a token audience (no trailing slash). */
  vaultResources(): string[] {
    const ports = [this.port, ...this.publicPorts];
    return [`https://${TRANSPARENT_HOSTS.vaultSuffix}`, ...ports.map((p) => `https://${this.withPort(LOCAL_VAULT_SUFFIX, p)}`), `https://${LOCAL_VAULT_SUFFIX}`];
  }

  /**
   * Every ARM resource URI the lab accepts as a token audience (no trailing slash): Azure's, the lab's origin, and the
   * origins remote clients use as their ARM endpoint (management SDKs ask for `<endpoint>/.default`) at each port.
   */
  armResources(): string[] {
    return [...new Set(["https://management.azure.com", "https://management.core.windows.net", this.localOrigin, ...this.labOrigins()])];
  }

  /** The origins clients reach the lab at: `localhost` and each remote name, at the lab's port and each balancer's. */
  labOrigins(): string[] {
    const ports = [this.port, ...this.publicPorts];
    const origins = ["localhost", ...this.remoteNames].flatMap((n) => ports.map((p) => `https://${n.includes(":") ? `[${n}]` : n}${p === 443 ? "" : `:${p}`}`));
    return [...new Set(origins)];
  }
}

/** The vault name when a Host header addresses a vault (`kv1.vault.localhost:8443`, `kv1.vault.azure.net`). */
export function vaultNameFromHost(host: string): string | undefined {
  const m = /^([a-z0-9-]{1,63})\.vault\.(?:localhost|azure\.net)(?::\d+)?$/i.exec(host);
  return m ? m[1]!.toLowerCase() : undefined;
}

/** The challenge resource for a vault host: the host minus its first label, with the port unless it is 443. */
export function vaultResourceForHost(host: string): string {
  const h = host.toLowerCase().replace(/:443$/, "");
  return `https://${h.slice(h.indexOf(".") + 1)}`;
}

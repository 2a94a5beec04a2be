import type { CommandDef, GroupDef } from "../core/command.js";

export interface CommandModule {
  groups: GroupDef[];
  commands: CommandDef[];
}

interface TopEntry {
  summary: string;
  load: () => Promise<CommandModule>;
}

/**
 * The first word of a command picks the module to load, so a command only imports its own group.
 * Cluster commands (aksarc, connectedk8s, customlocation, stack-hci-vm, image) slot in here.
 */
export const TOP: Record<string, TopEntry> = {
  login: { summary: "Log in to the lab (as its admin user, or a service principal).", load: () => import("./account.js") },
  logout: { summary: "Log out to remove access to the lab.", load: () => import("./account.js") },
  account: { summary: "Manage the signed-in account and its subscription.", load: () => import("./account.js") },
  group: { summary: "Manage resource groups and template deployments.", load: () => import("./group.js") },
  identity: { summary: "Manage Managed Identities.", load: () => import("./identity.js") },
  keyvault: { summary: "Manage KeyVault keys, secrets, and certificates.", load: () => import("./keyvault.js") },
  role: { summary: "Manage Azure role-based access control (Azure RBAC).", load: () => import("./role.js") },
  ad: { summary: "Manage Microsoft Entra ID (formerly known as Azure Active Directory, Azure AD, AAD) entities needed for Azure role-based access control (Azure RBAC) through Microsoft Graph API.", load: () => import("./ad.js") },
  aksarc: { summary: "Manage provisioned Kubernetes clusters (AKS enabled by Azure Arc).", load: () => import("./cluster.js") },
  connectedk8s: { summary: "Commands to manage connected kubernetes clusters.", load: () => import("./cluster.js") },
  customlocation: { summary: "Commands to Create, Get, List and Delete CustomLocations.", load: () => import("./cluster.js") },
  "stack-hci-vm": { summary: "Manage Azure Local virtual machine resources.", load: () => import("./cluster.js") },
  image: { summary: "Map container images to local commands for the lab's kubelet.", load: () => import("./image.js") },
  webhook: { summary: "Run the Azure workload identity mutating admission webhook.", load: () => import("./webhook.js") },
  doctor: { summary: "See why the workload identity trust chain breaks: check a pod, an identity or a vault.", load: () => import("./doctor.js") },
  status: { summary: "Show the running lab: mode, store, uptime, clock.", load: () => import("./labcmds.js") },
  clock: { summary: "Show, advance or reset the lab clock.", load: () => import("./labcmds.js") },
  fault: { summary: "Inject faults: an unreachable issuer, latency, throttling, propagation delays.", load: () => import("./fault.js") },
  "az-cloud": { summary: "Print (or run) the `az cloud register` command that points the real az at this lab.", load: () => import("./azCloud.js") },
  "oidc-issuer": { summary: "Host the OIDC issuer documents (discovery and JWKS) of a self-managed cluster.", load: () => import("./oidcIssuer.js") },
  version: { summary: "Show the versions of wilab and the Azure CLI it emulates.", load: () => import("./labcmds.js") },
  shell: { summary: "Print a PATH entry that puts the `az` shim first (eval \"$(wilab shell)\").", load: () => import("./labcmds.js") },
  // The lab-process commands: they start or read a lab in this process, and take none of az's global arguments.
  up: { summary: "Run the lab in the foreground: Entra, ARM and Key Vault over HTTPS from one listener.", load: () => import("../lab/index.js") },
  env: { summary: "Print the environment variables clients need to reach the running lab.", load: () => import("../lab/index.js") },
};

/**
 * After a lab restarts in the other host mode (local ↔ transparent) or on another port, its clusters' issuer
 * URLs and API server URLs change: federated credentials and kubeconfigs made before still name the old ones,
 * and every token exchange fails with AADSTS700211/AADSTS70021. This compares what the user configured with
 * what the lab now serves, and names each stale value with the command that fixes it. Pure: no lab imports.
 */

/** A lab cluster with the URLs it has now. */
export interface ClusterNow {
  name: string;
  resourceGroup: string;
  tenantId: string;
  clusterId: string;
  /** The issuer URL the cluster serves now (ends in `/`). */
  issuerUrl?: string;
  /** The API server URL kubeconfigs should point at now. */
  apiServerUrl: string;
}

/** A federated identity credential as ARM keeps it. */
export interface CredentialNow {
  name: string;
  identityName: string;
  resourceGroup: string;
  issuer: string;
}

/** A `clusters[]` entry of a kubeconfig file. */
export interface KubeconfigEntry {
  file: string;
  cluster: string;
  server: string;
}

export interface StaleUrlWarning {
  kind: "federatedCredential" | "kubeconfig";
  /** The credential's or the kubeconfig cluster entry's name. */
  name: string;
  cluster: string;
  resourceGroup: string;
  old: string;
  new: string;
  fix: string;
  /** One line for the user. */
  message: string;
}

const GUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
/** Issuer URLs the lab has ever given a cluster: local (`https://localhost:<port>/oidc/<tenant>/<cluster>/`) and transparent (AKS Arc's). */
const LAB_ISSUER = new RegExp(`^https://(?:(?:localhost|127\\.0\\.0\\.1)(?::\\d+)?/oidc|oidcdiscovery-[a-z0-9]+-endpoint-[0-9a-f]{16}\\.000\\.azurefd\\.net)/(${GUID})/(${GUID})/?$`, "i");
/** API server URLs the lab has ever written into kubeconfigs. */
const LAB_API_SERVER = new RegExp(`^https://(?:localhost|127\\.0\\.0\\.1)(?::\\d+)?/k8s/(${GUID})/?$`, "i");

function origin(url: string): string {
  try {
    return new URL(url).origin.toLowerCase();
  } catch {
    return url.toLowerCase();
  }
}

function quote(v: string): string {
  return /^[A-Za-z0-9_./:@-]+$/.test(v) ? v : `"${v.replace(/(["\\$`])/g, "\\$1")}"`;
}

/** Credentials that trust an issuer URL a lab cluster had before (another mode or port), not the one it has now. */
export function staleCredentials(clusters: ClusterNow[], credentials: CredentialNow[]): StaleUrlWarning[] {
  const out: StaleUrlWarning[] = [];
  for (const fic of credentials) {
    const m = LAB_ISSUER.exec(fic.issuer.trim());
    if (!m) continue;
    const c = clusters.find((x) => x.tenantId.toLowerCase() === m[1]!.toLowerCase() && x.clusterId.toLowerCase() === m[2]!.toLowerCase());
    if (!c?.issuerUrl || origin(c.issuerUrl) === origin(fic.issuer)) continue;
    const fix = `az identity federated-credential update --name ${quote(fic.name)} --identity-name ${quote(fic.identityName)} --resource-group ${quote(fic.resourceGroup)} --issuer ${c.issuerUrl}`;
    out.push({
      kind: "federatedCredential",
      name: fic.name,
      cluster: c.name,
      resourceGroup: fic.resourceGroup,
      old: fic.issuer,
      new: c.issuerUrl,
      fix,
      message: `federated credential '${fic.name}' (identity '${fic.identityName}', group '${fic.resourceGroup}') trusts ${fic.issuer}, the issuer cluster '${c.name}' had before; it is now ${c.issuerUrl}. Fix: ${fix}`,
    });
  }
  return out;
}

/** Kubeconfig cluster entries that point at a lab cluster's API server under an old origin. */
export function staleKubeconfigs(clusters: ClusterNow[], entries: KubeconfigEntry[]): StaleUrlWarning[] {
  const out: StaleUrlWarning[] = [];
  for (const e of entries) {
    const m = LAB_API_SERVER.exec(e.server.trim());
    if (!m) continue;
    const c = clusters.find((x) => x.clusterId.toLowerCase() === m[1]!.toLowerCase());
    if (!c || origin(c.apiServerUrl) === origin(e.server)) continue;
    const fix = `az aksarc get-credentials --name ${quote(c.name)} --resource-group ${quote(c.resourceGroup)} --file ${quote(e.file)}`;
    out.push({
      kind: "kubeconfig",
      name: e.cluster,
      cluster: c.name,
      resourceGroup: c.resourceGroup,
      old: e.server,
      new: c.apiServerUrl,
      fix,
      message: `kubeconfig ${e.file}: cluster entry '${e.cluster}' points at ${e.server}; cluster '${c.name}' now answers at ${c.apiServerUrl}. Fix: ${fix} (or rerun 'az connectedk8s proxy')`,
    });
  }
  return out;
}

/** Every stale federated credential and kubeconfig entry, credentials first. */
export function modeSwitchWarnings(clusters: ClusterNow[], credentials: CredentialNow[], kubeconfigs: KubeconfigEntry[] = []): StaleUrlWarning[] {
  return [...staleCredentials(clusters, credentials), ...staleKubeconfigs(clusters, kubeconfigs)];
}

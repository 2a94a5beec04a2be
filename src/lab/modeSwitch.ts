import { existsSync, readFileSync } from "node:fs";
import { cjsExports } from "../platform/index.js";
import { modeSwitchWarnings, type ClusterNow, type CredentialNow, type KubeconfigEntry, type StaleUrlWarning } from "../diagnose/modeSwitch.js";
import type { KubeContext } from "../kube/index.js";
import { Clusters } from "../kube/index.js";
import { FederatedIdentityCredentials, type FederatedIdentityCredentialRecord } from "../entra/FederatedIdentityCredential.js";

/** The `clusters[]` entries of kubeconfig files (missing or unreadable files give none). */
export async function readKubeconfigClusters(files: string[]): Promise<KubeconfigEntry[]> {
  const out: KubeconfigEntry[] = [];
  if (!files.some((f) => existsSync(f))) return out;
  const YAML = cjsExports(await import("yaml"), "parse");
  for (const file of files) {
    if (!existsSync(file)) continue;
    try {
      const doc = YAML.parse(readFileSync(file, "utf8")) as { clusters?: { name?: unknown; cluster?: { server?: unknown } }[] } | null;
      for (const c of doc?.clusters ?? []) {
        if (typeof c?.name === "string" && typeof c.cluster?.server === "string") out.push({ file, cluster: c.name, server: c.cluster.server });
      }
    } catch {
      // not a kubeconfig we can read: nothing to compare
    }
  }
  return out;
}

/** `/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id/federatedIdentityCredentials/n`. */
function credentialOf(f: FederatedIdentityCredentialRecord): CredentialNow {
  const parts = f.id.split("/");
  const at = (k: string) => parts[parts.findIndex((p) => p.toLowerCase() === k) + 1] ?? "";
  return { name: f.name, identityName: at("userassignedidentities"), resourceGroup: at("resourcegroups"), issuer: f.issuer };
}

/** Federated credentials and kubeconfig entries that still name a cluster URL from another mode or port. */
export async function checkModeSwitch(kube: KubeContext, kubeconfigFiles: string[]): Promise<StaleUrlWarning[]> {
  const { clusters, fics } = await kube.ctx.store.read(async (tx) => ({
    clusters: await Clusters.all(tx),
    fics: await FederatedIdentityCredentials.all(tx),
  }));
  if (clusters.length === 0) return [];
  const now: ClusterNow[] = clusters.map((c) => ({
    name: c.name,
    resourceGroup: c.resourceGroup,
    tenantId: c.tenantId,
    clusterId: c.clusterId,
    issuerUrl: c.oidcIssuerEnabled ? kube.issuerUrl(c) : undefined,
    apiServerUrl: kube.apiServerUrl(c),
  }));
  return modeSwitchWarnings(now, fics.map(credentialOf), await readKubeconfigClusters(kubeconfigFiles));
}

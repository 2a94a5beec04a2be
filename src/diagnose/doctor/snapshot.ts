/**
 * Reads what the doctor's checks look at, through each component's own store accessors: the cluster and its
 * Kubernetes objects (pod, its controllers, service account, webhook registration), a token issued for the pod the
 * way the kubelet asks for one, identities and their credentials, sign-ins, the vault, role assignments, audit
 * events and the propagation delays in force. The only impure part of the doctor.
 */
import { Clusters, type ClusterRecord, type KubeContext, type KubeObject, type KubeStorage } from "../../kube/index.js";
import { Directory, FederatedIdentityCredentials } from "../../entra/index.js";
import { RoleAssignments, type RoleAssignmentRecord } from "../../rbac/index.js";
import { Vaults } from "../../keyvault/index.js";
import { UserAssignedIdentities } from "../../arm/managedidentity/index.js";
import { CLIENT_ID_ANNOTATION, DEFAULT_AUDIENCE, WEBHOOK_NAME } from "../../webhook/index.js";
import { loadJose } from "../../platform/jose.js";
import type { Store, Tx } from "../../store/index.js";
import { AuditEvents, SignIns } from "../store.js";
import type { ClusterView, IdentitySnapshot, IdentityView, PodSnapshot, PropagationView, TokenView, VaultRef, VaultSnapshot } from "./types.js";
import { envOf, projectedToken } from "./checks/common.js";

/** What the doctor needs from the lab (the lab builds it with `doctorDeps`; tests may build their own). */
export interface DoctorDeps {
  store: Store;
  kube: Pick<KubeContext, "storage" | "issuer" | "issuerUrl">;
  /** Lab-clock ms. */
  now(): number;
  tenantId: string;
  subscriptionId: string;
  /** AZURE_AUTHORITY_HOST the lab's webhook injects (read per request: the port is known only once the lab listens). */
  authorityHost(): string;
  propagation(): PropagationView;
  /** The injected issuer-unreachable fault covering an issuer, if any. */
  issuerFault(issuer: string): { id: string } | undefined;
  /** Writes the sign-ins and audit events still batched in memory, so that the snapshot sees every request answered so far. */
  flushRecords(): Promise<void>;
}

/** The parts of a lab the doctor's deps are made from (structurally a LabContext). */
export interface DoctorLab {
  config: { tenantId: string; subscriptionId: string; ficPropagationMs: number; rbacPropagationMs: number };
  clock: { now(): number };
  store: Store;
  hosts: { loginOrigin: string };
  faults: { ficPropagationMs(c: number): number; rbacPropagationMs(c: number): number; issuerUnreachable(issuer: string): { id: string } | undefined };
  records: { flush(): Promise<void> };
}

export function doctorDeps(lab: DoctorLab, kube: DoctorDeps["kube"]): DoctorDeps {
  return {
    store: lab.store,
    kube,
    now: () => lab.clock.now(),
    tenantId: lab.config.tenantId,
    subscriptionId: lab.config.subscriptionId,
    authorityHost: () => `${lab.hosts.loginOrigin}/`,
    propagation: () => ({ ficMs: lab.faults.ficPropagationMs(lab.config.ficPropagationMs), rbacMs: lab.faults.rbacPropagationMs(lab.config.rbacPropagationMs) }),
    flushRecords: () => lab.records.flush(),
    issuerFault: (issuer) => {
      const f = lab.faults.issuerUnreachable(issuer);
      return f ? { id: f.id } : undefined;
    },
  };
}

/** A request the doctor cannot answer (no such pod, ambiguous cluster): an HTTP status, a code and a message. */
export class DoctorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PodQuery {
  pod: string;
  namespace?: string;
  cluster?: string;
  resourceGroup?: string;
  /** The vault to check roles on when the pod has no KEYVAULT_URL. */
  vault?: string;
}

/** The cluster named (by name, and resource group when given), or the lab's only cluster. */
export async function findCluster(tx: Tx, name?: string, resourceGroup?: string): Promise<ClusterRecord> {
  const all = await Clusters.all(tx);
  const match = all.filter((c) => (!name || c.name.toLowerCase() === name.toLowerCase()) && (!resourceGroup || c.resourceGroup.toLowerCase() === resourceGroup.toLowerCase()));
  if (match.length === 1) return match[0]!;
  const names = all.map((c) => `${c.name} (-g ${c.resourceGroup})`).join(", ") || "none";
  if (match.length === 0) throw new DoctorError(404, "ClusterNotFound", name ? `no cluster named '${name}'${resourceGroup ? ` in resource group '${resourceGroup}'` : ""}; the lab's clusters: ${names}` : "the lab has no cluster");
  throw new DoctorError(400, "ClusterAmbiguous", `the lab has ${match.length} clusters${name ? ` named '${name}'` : ""}: name one with --cluster NAME -g GROUP (${names})`);
}

export function clusterView(deps: DoctorDeps, c: ClusterRecord): ClusterView {
  return { name: c.name, resourceGroup: c.resourceGroup, clusterId: c.clusterId, issuer: deps.kube.issuerUrl(c), oidcIssuerEnabled: c.oidcIssuerEnabled, workloadIdentityEnabled: c.workloadIdentityEnabled };
}

const OWNER_RESOURCES: Record<string, string> = { ReplicaSet: "replicasets", Deployment: "deployments", Job: "jobs", StatefulSet: "statefulsets", DaemonSet: "daemonsets", CronJob: "cronjobs" };

interface OwnerRef {
  kind?: string;
  name?: string;
  controller?: boolean;
}

/** The pod's controllers, nearest first, read by resource name (a kind the lab does not serve simply ends the walk). */
async function ownersOf(storage: KubeStorage, clusterId: string, pod: KubeObject): Promise<KubeObject[]> {
  return storage.read(async (tx) => {
    const out: KubeObject[] = [];
    let cur: KubeObject = pod;
    for (let depth = 0; depth < 4; depth++) {
      const refs = (cur.metadata.ownerReferences ?? []) as OwnerRef[];
      const ref = refs.find((r) => r.controller) ?? refs[0];
      const resource = ref?.kind ? OWNER_RESOURCES[ref.kind] : undefined;
      if (!ref?.name || !resource) break;
      const owner = await tx.get(clusterId, resource, pod.metadata.namespace, ref.name);
      if (!owner) break;
      out.push(owner);
      cur = owner;
    }
    return out;
  });
}

/** A token for the pod as the kubelet asks for it (projected audience and expiry, bound to the pod); only its claims are kept. */
async function tokenFor(deps: DoctorDeps, c: ClusterRecord, pod: KubeObject, sa: KubeObject): Promise<TokenView> {
  const projected = projectedToken(pod);
  const issuer = deps.kube.issuerUrl(c);
  const issued = await deps.kube.issuer.sign(c.clusterId, {
    issuer,
    namespace: pod.metadata.namespace ?? "default",
    serviceAccount: { name: sa.metadata.name, uid: sa.metadata.uid },
    audiences: [projected?.audience ?? DEFAULT_AUDIENCE],
    expirationSeconds: projected?.expirationSeconds ?? 3600,
    pod: { name: pod.metadata.name, uid: pod.metadata.uid },
  });
  const { decodeJwt } = await loadJose();
  const claims = decodeJwt(issued.token);
  const verified = (await deps.kube.issuer.verify(c.clusterId, issued.token, issuer)) !== undefined;
  const jwks = await deps.kube.issuer.jwks(c.clusterId);
  const aud = claims.aud;
  return {
    iss: String(claims.iss),
    sub: String(claims.sub),
    aud: Array.isArray(aud) ? aud : aud ? [aud] : [],
    iat: Number(claims.iat),
    exp: Number(claims.exp),
    kid: issued.kid,
    publishedKids: jwks.keys.map((k) => String(k.kid)),
    verified,
  };
}

export async function identitiesWithCredentials(tx: Tx): Promise<IdentityView[]> {
  const out: IdentityView[] = [];
  for (const i of await UserAssignedIdentities.all(tx)) out.push({ ...i, credentials: await FederatedIdentityCredentials.list(tx, i.id) });
  return out;
}

/** Display names of the principals role assignments name, by lower-case object id. */
export async function principalNames(tx: Tx, assignments: RoleAssignmentRecord[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const id of new Set(assignments.map((a) => a.principalId.toLowerCase()))) {
    const p = await Directory.principal(tx, id);
    if (!p) continue;
    if (p.type === "User") out[id] = (await Directory.userByUpn(tx, p.key))?.userPrincipalName ?? p.key;
    else out[id] = (await Directory.servicePrincipalByAppId(tx, p.key))?.displayName ?? p.key;
  }
  return out;
}

/** The vault name in a data-plane URL (`https://kv1.vault.azure.net/`, `https://kv1.vault.localhost:8443`). */
export function vaultNameFromUrl(url: string): string | undefined {
  try {
    const m = /^([a-z0-9-]{1,63})\.vault\.(?:localhost|azure\.net)$/i.exec(new URL(url).hostname);
    return m ? m[1]!.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** Where the vault the pod uses is named: the query, KEYVAULT_URL, else the identity's last Key Vault request. */
async function vaultRefOf(tx: Tx, pod: KubeObject, q: PodQuery, principalId: string | undefined): Promise<VaultRef | undefined> {
  const secretName = envOf(pod, "SECRET_NAME");
  const withSecret = (r: VaultRef): VaultRef => (secretName ? { ...r, secretName } : r);
  if (q.vault) return withSecret({ name: q.vault.toLowerCase(), source: "query" });
  const url = envOf(pod, "KEYVAULT_URL");
  const fromEnv = url ? vaultNameFromUrl(url) : undefined;
  if (fromEnv) return withSecret({ name: fromEnv, source: "KEYVAULT_URL" });
  if (!principalId) return undefined;
  const last = (await AuditEvents.list(tx, { oid: principalId, top: 1 }))[0];
  const m = last ? /\/vaults\/([^/]+)/i.exec(last.resourceId) : null;
  return m ? withSecret({ name: m[1]!.toLowerCase(), source: "audit log" }) : undefined;
}

export async function podSnapshot(deps: DoctorDeps, q: PodQuery): Promise<PodSnapshot> {
  const namespace = q.namespace || "default";
  await deps.flushRecords();
  const c = await deps.store.read((tx) => findCluster(tx, q.cluster, q.resourceGroup));
  const storage = deps.kube.storage;
  const { pod, sa, registered } = await storage.read(async (tx) => {
    const pod = await tx.get(c.clusterId, "pods", namespace, q.pod);
    if (!pod) throw new DoctorError(404, "PodNotFound", `pods "${q.pod}" not found in namespace '${namespace}' of cluster ${c.name}`);
    const saName = ((pod.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName) || "default";
    const sa = await tx.get(c.clusterId, "serviceaccounts", namespace, saName);
    const mwcs = await tx.list(c.clusterId, "mutatingwebhookconfigurations");
    const registered = mwcs.some((m) => ((m.webhooks ?? []) as { name?: string }[]).some((w) => w.name === WEBHOOK_NAME));
    return { pod, sa, registered };
  });
  const owners = await ownersOf(storage, c.clusterId, pod);
  const token = sa ? await tokenFor(deps, c, pod, sa) : undefined;
  const cluster = clusterView(deps, c);
  const saName = ((pod.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName) || "default";
  const clientId = envOf(pod, "AZURE_CLIENT_ID") || sa?.metadata.annotations?.[CLIENT_ID_ANNOTATION] || undefined;
  return deps.store.read(async (tx) => {
    const identities = await identitiesWithCredentials(tx);
    const identity = clientId ? identities.find((i) => i.clientId.toLowerCase() === clientId.toLowerCase()) : undefined;
    const vaultRef = await vaultRefOf(tx, pod, q, identity?.principalId);
    const vault = vaultRef ? await Vaults.get(tx, vaultRef.name) : undefined;
    const roleAssignments = await RoleAssignments.all(tx);
    const s: PodSnapshot = {
      now: deps.now(),
      tenantId: deps.tenantId,
      subscriptionId: deps.subscriptionId,
      cluster,
      webhookConfig: { tenantId: c.tenantId, authorityHost: deps.authorityHost(), serverVersion: `v${c.kubernetesVersion}` },
      webhookRegistered: registered,
      pod,
      owners,
      serviceAccountName: saName,
      identities,
      signIns: clientId ? await SignIns.list(tx, { appId: clientId, top: 5 }) : [],
      roleAssignments,
      principalNames: await principalNames(tx, roleAssignments),
      propagation: deps.propagation(),
    };
    if (sa) s.serviceAccount = sa;
    if (token) s.token = token;
    if (vaultRef) s.vaultRef = vaultRef;
    if (vault) s.vault = vault;
    else if (vaultRef && (await Vaults.getDeleted(tx, vaultRef.name))) s.vaultDeleted = true;
    const fault = deps.issuerFault(cluster.issuer);
    if (fault) s.issuerFault = fault;
    return s;
  });
}

export async function identitySnapshot(deps: DoctorDeps, q: { name: string; resourceGroup: string }): Promise<IdentitySnapshot> {
  await deps.flushRecords();
  const clusters = await deps.store.read((tx) => Clusters.all(tx));
  const base = await deps.store.read(async (tx) => {
    const rec = await UserAssignedIdentities.get(tx, deps.subscriptionId, q.resourceGroup, q.name);
    const identity = rec ? { ...rec, credentials: await FederatedIdentityCredentials.list(tx, rec.id) } : undefined;
    const ids = identity ? [identity.principalId.toLowerCase(), identity.clientId.toLowerCase()] : [];
    const roleAssignments = (await RoleAssignments.all(tx)).filter((a) => ids.includes(a.principalId.toLowerCase()));
    return { identity, roleAssignments, signIns: identity ? await SignIns.list(tx, { appId: identity.clientId, top: 5 }) : [] };
  });
  const ids = base.identity ? [base.identity.principalId.toLowerCase(), base.identity.clientId.toLowerCase()] : [];
  const serviceAccounts: IdentitySnapshot["serviceAccounts"] = [];
  await deps.kube.storage.read(async (tx) => {
    for (const c of clusters) {
      for (const sa of await tx.list(c.clusterId, "serviceaccounts")) {
        const v = sa.metadata.annotations?.[CLIENT_ID_ANNOTATION];
        if (v && ids.includes(v.toLowerCase())) serviceAccounts.push({ cluster: c.name, namespace: sa.metadata.namespace ?? "default", name: sa.metadata.name, clientId: v });
      }
    }
  });
  const s: IdentitySnapshot = { now: deps.now(), tenantId: deps.tenantId, query: q, clusters: clusters.map((c) => clusterView(deps, c)), serviceAccounts, signIns: base.signIns, roleAssignments: base.roleAssignments, propagation: deps.propagation() };
  if (base.identity) s.identity = base.identity;
  return s;
}

export async function vaultSnapshot(deps: DoctorDeps, name: string): Promise<VaultSnapshot> {
  await deps.flushRecords();
  return deps.store.read(async (tx) => {
    const vault = await Vaults.get(tx, name);
    const roleAssignments = await RoleAssignments.all(tx);
    const s: VaultSnapshot = {
      now: deps.now(),
      name,
      roleAssignments,
      identities: await identitiesWithCredentials(tx),
      principalNames: await principalNames(tx, roleAssignments),
      auditEvents: await AuditEvents.list(tx, { vault: name, top: 50 }),
      propagation: deps.propagation(),
    };
    if (vault) s.vault = vault;
    else if (await Vaults.getDeleted(tx, name)) s.vaultDeleted = true;
    return s;
  });
}

/**
 * The trust chain of one workload as a graph: pod → service account → managed identity → federated
 * credential → cluster issuer → token exchange → role assignment → vault → secret. Each edge carries the
 * doctor checks that decide it: red when one failed (with its detail and fix command), amber for a warning,
 * green when they passed, grey when they were skipped. Pure: snapshot and report in, graph out.
 */
import type { CheckResult, CheckStatus, DoctorReport, PodSnapshot } from "../diagnose/doctor/index.js";
import { clientIdInUse, identityByClientId, podPresentedClaims } from "../diagnose/doctor/index.js";
import { matchFederatedCredential } from "../diagnose/index.js";
import { roleByGuid } from "../rbac/index.js";

const roleLabel = (id: string) => { const g = id.split("/").pop() ?? id; return roleByGuid(g)?.roleName ?? g; };

export const SECRETS_USER_ROLE_ID = "4633458b-17de-408a-b874-0445c86b69e6";

export type NodeKind = "pod" | "serviceAccount" | "identity" | "federatedCredential" | "issuer" | "tokenExchange" | "roleAssignment" | "vault" | "secret";

export interface ChainNode {
  id: NodeKind;
  label: string;
  /** What the node is, in a line or two (names, ids, values). */
  details: Record<string, string>;
}

export interface ChainEdge {
  from: NodeKind;
  to: NodeKind;
  status: CheckStatus;
  checks: CheckResult[];
}

/** A fix the portal can apply itself (through ARM, with the signed-in user's token). */
export type ChainAction =
  | { kind: "addFederatedCredential"; identityId: string; identityName: string; name: string; issuer: string; subject: string; audience: string }
  | { kind: "assignRole"; principalId: string; principalName: string; scope: string; roleDefinitionId: string; roleName: string };

export interface ChainGraph {
  target: string;
  ok: boolean;
  nodes: ChainNode[];
  edges: ChainEdge[];
  actions: ChainAction[];
}

/** Which checks decide which edge. */
const EDGES: { from: NodeKind; to: NodeKind; checks: string[] }[] = [
  { from: "pod", to: "serviceAccount", checks: ["pod-label", "service-account", "webhook-mutation"] },
  { from: "serviceAccount", to: "identity", checks: ["identity"] },
  { from: "identity", to: "federatedCredential", checks: ["federated-credential"] },
  { from: "federatedCredential", to: "issuer", checks: ["token"] },
  { from: "issuer", to: "tokenExchange", checks: ["sign-in"] },
  { from: "tokenExchange", to: "roleAssignment", checks: ["role-assignment"] },
  { from: "roleAssignment", to: "vault", checks: ["vault", "propagation"] },
  { from: "vault", to: "secret", checks: ["vault"] },
];

const RANK: Record<CheckStatus, number> = { fail: 3, warn: 2, pass: 1, skip: 0 };

function edgeStatus(checks: CheckResult[]): CheckStatus {
  if (checks.length === 0) return "skip";
  const worst = checks.reduce((a, c) => (RANK[c.status] > RANK[a] ? c.status : a), "skip" as CheckStatus);
  return worst === "skip" ? "skip" : worst;
}

function nodes(s: PodSnapshot): ChainNode[] {
  const ns = s.pod.metadata.namespace ?? "default";
  const identity = identityByClientId(s, clientIdInUse(s));
  const claims = podPresentedClaims(s);
  const verdict = identity ? matchFederatedCredential(identity.credentials, claims) : undefined;
  const fic = verdict ? (verdict.matched ? verdict.credential : verdict.nearest) : undefined;
  const signIn = s.signIns.find((r) => !identity || r.appId.toLowerCase() === identity.clientId.toLowerCase());
  const assignments = identity ? s.roleAssignments.filter((a) => a.principalId.toLowerCase() === identity.principalId.toLowerCase()) : [];
  return [
    { id: "pod", label: `pod ${ns}/${s.pod.metadata.name}`, details: { cluster: s.cluster.name, namespace: ns, serviceAccountName: s.serviceAccountName } },
    { id: "serviceAccount", label: `service account ${s.serviceAccountName}`, details: { clientIdAnnotation: clientIdInUse(s) ?? "(none)" } },
    { id: "identity", label: identity ? `identity ${identity.name}` : "managed identity", details: identity ? { clientId: identity.clientId, principalId: identity.principalId, resourceGroup: identity.resourceGroup } : { clientId: clientIdInUse(s) ?? "(none)" } },
    {
      id: "federatedCredential",
      label: fic ? `credential ${fic.name}` : "federated credential",
      details: fic ? { issuer: fic.issuer, subject: fic.subject, audiences: fic.audiences.join(", "), matches: verdict?.matched ? "yes" : "no" } : { credentials: "(none)" },
    },
    { id: "issuer", label: `issuer of ${s.cluster.name}`, details: { issuer: s.cluster.issuer, tokenSubject: claims.subject, tokenAudiences: claims.audiences.join(", ") } },
    {
      id: "tokenExchange",
      label: "token exchange",
      details: signIn ? { lastSignIn: signIn.createdDateTime, errorCode: String(signIn.status.errorCode), failureReason: signIn.status.failureReason ?? "" } : { lastSignIn: "(none yet)" },
    },
    { id: "roleAssignment", label: "role assignment", details: { assignments: assignments.map((a) => `${roleLabel(a.roleDefinitionId)} at ${a.scope}`).join("; ") || "(none)" } },
    { id: "vault", label: s.vault ? `vault ${s.vault.name}` : `vault ${s.vaultRef?.name ?? "(unknown)"}`, details: s.vault ? { id: s.vault.id, rbac: String(s.vault.enableRbacAuthorization !== false) } : {} },
    { id: "secret", label: `secret ${s.vaultRef?.secretName ?? "(unknown)"}`, details: {} },
  ];
}

function actions(s: PodSnapshot, r: DoctorReport): ChainAction[] {
  const out: ChainAction[] = [];
  const failing = new Set(r.checks.filter((c) => c.status === "fail").map((c) => c.id));
  const identity = identityByClientId(s, clientIdInUse(s));
  if (!identity) return out;
  if (failing.has("federated-credential")) {
    const c = podPresentedClaims(s);
    out.push({ kind: "addFederatedCredential", identityId: identity.id, identityName: identity.name, name: `${s.cluster.name}-${s.serviceAccountName}`.toLowerCase().replace(/[^a-z0-9-_]/g, "-").slice(0, 120), issuer: c.issuer, subject: c.subject, audience: c.audiences[0] ?? "api://AzureADTokenExchange" });
  }
  if (failing.has("role-assignment") && s.vault) {
    out.push({ kind: "assignRole", principalId: identity.principalId, principalName: identity.name, scope: s.vault.id, roleDefinitionId: SECRETS_USER_ROLE_ID, roleName: "Key Vault Secrets User" });
  }
  return out;
}

export function chainGraph(s: PodSnapshot, r: DoctorReport): ChainGraph {
  const byId = new Map<string, CheckResult>(r.checks.map((c) => [c.id, c]));
  const edges = EDGES.map((e) => {
    const checks = e.checks.map((id) => byId.get(id)).filter((c): c is CheckResult => c !== undefined);
    return { from: e.from, to: e.to, status: edgeStatus(checks), checks };
  });
  return { target: r.target, ok: r.ok, nodes: nodes(s), edges, actions: actions(s, r) };
}

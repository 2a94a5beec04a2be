/** What several pod checks derive from the same snapshot: the client id in use, its identity, the claims presented. */
import type { KubeObject } from "../../../kube/index.js";
import { CLIENT_ID_ANNOTATION, DEFAULT_AUDIENCE, USE_WORKLOAD_IDENTITY_LABEL, type Container, type Pod } from "../../../webhook/index.js";
import type { PresentedClaims } from "../../ficMatch.js";
import type { CheckResult, CheckStatus, IdentityView, PodSnapshot } from "../types.js";

export const GET_SECRET = "Microsoft.KeyVault/vaults/secrets/getSecret/action";
export const SECRETS_USER = "Key Vault Secrets User";

export function result(id: string, title: string, status: CheckStatus, detail: string, extra: Partial<Pick<CheckResult, "expected" | "actual" | "fix">> = {}): CheckResult {
  const r: CheckResult = { id, title, status, detail };
  if (extra.expected !== undefined) r.expected = extra.expected;
  if (extra.actual !== undefined) r.actual = extra.actual;
  if (extra.fix !== undefined) r.fix = extra.fix;
  return r;
}

export function failed(earlier: readonly CheckResult[], id: string): boolean {
  return earlier.some((r) => r.id === id && r.status === "fail");
}

export function ns(s: PodSnapshot): string {
  return s.pod.metadata.namespace ?? "default";
}

export function labelled(o: { metadata?: { labels?: Record<string, string> } } | undefined): boolean {
  return o?.metadata?.labels?.[USE_WORKLOAD_IDENTITY_LABEL] === "true";
}

/** Every container the webhook would touch (init containers first). */
export function containersOf(pod: KubeObject): Container[] {
  const spec = (pod as Pod).spec ?? {};
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

/** A plain env value of the pod's first container that sets it. */
export function envOf(pod: KubeObject, name: string): string | undefined {
  for (const c of containersOf(pod)) {
    const e = (c.env ?? []).find((x) => x.name === name && typeof x.value === "string");
    if (e) return e.value;
  }
  return undefined;
}

export function annotationClientId(s: PodSnapshot): string | undefined {
  const v = s.serviceAccount?.metadata.annotations?.[CLIENT_ID_ANNOTATION];
  return v === undefined || v === "" ? undefined : v;
}

/** The client id the pod's SDK sends: the injected AZURE_CLIENT_ID, else the service account's annotation. */
export function clientIdInUse(s: PodSnapshot): string | undefined {
  return envOf(s.pod, "AZURE_CLIENT_ID") || annotationClientId(s);
}

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function identityByClientId(s: { identities: IdentityView[] }, clientId: string | undefined): IdentityView | undefined {
  return clientId ? s.identities.find((i) => eq(i.clientId, clientId)) : undefined;
}

export function identityByPrincipalId(s: { identities: IdentityView[] }, principalId: string | undefined): IdentityView | undefined {
  return principalId ? s.identities.find((i) => eq(i.principalId, principalId)) : undefined;
}

export function subjectOf(s: PodSnapshot): string {
  return `system:serviceaccount:${ns(s)}:${s.serviceAccountName}`;
}

/** The projected azure-identity-token source the webhook added (any layout), if any. */
export function projectedToken(pod: KubeObject): { volume: string; audience?: string; expirationSeconds?: number; path: string } | undefined {
  for (const v of (pod as Pod).spec?.volumes ?? []) {
    for (const src of v.projected?.sources ?? []) {
      const t = src.serviceAccountToken;
      if (t && t.path.endsWith("azure-identity-token")) return { volume: v.name, audience: t.audience, expirationSeconds: t.expirationSeconds, path: t.path };
    }
  }
  return undefined;
}

/** What the pod's token presents to Entra: the token's claims, else what the cluster would put in one. */
export function presentedClaims(s: PodSnapshot): PresentedClaims {
  if (s.token) return { issuer: s.token.iss, subject: s.token.sub, audiences: s.token.aud };
  return { issuer: s.cluster.issuer, subject: subjectOf(s), audiences: [projectedToken(s.pod)?.audience ?? DEFAULT_AUDIENCE] };
}

/** The identity whose credential trusts this pod's subject (the one the service account probably should name). */
export function identityTrustingSubject(s: PodSnapshot): IdentityView | undefined {
  const sub = subjectOf(s);
  return s.identities.find((i) => i.credentials.some((c) => c.subject === sub && c.issuer === s.cluster.issuer)) ?? s.identities.find((i) => i.credentials.some((c) => c.subject === sub));
}

/** Shell-quotes one argument when it needs it. */
export function q(v: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`;
}

/** The kubectl command that makes a pod again so that the webhook mutates it (the webhook runs only on CREATE). */
export function recreatePod(s: PodSnapshot): string {
  const top = s.owners[s.owners.length - 1];
  if (top?.kind === "Deployment") return `kubectl rollout restart deployment/${top.metadata.name} -n ${ns(s)}`;
  if (top?.kind === "ReplicaSet") return `kubectl delete pod ${s.pod.metadata.name} -n ${ns(s)}`;
  return `kubectl replace --force -f <the pod's manifest>`;
}

export function seconds(ms: number): string {
  return ms % 60_000 === 0 && ms >= 60_000 ? `${ms / 60_000}m` : `${Math.round(ms / 1000)}s`;
}

/** `az identity federated-credential create|update` with every value the credential must have. */
export function ficCommand(verb: "create" | "update", name: string, identity: { name: string; resourceGroup: string }, c: PresentedClaims): string {
  return `az identity federated-credential ${verb} --name ${q(name)} --identity-name ${q(identity.name)} --resource-group ${q(identity.resourceGroup)} --issuer ${q(c.issuer)} --subject ${q(c.subject)} --audiences ${c.audiences.map(q).join(" ")}`;
}

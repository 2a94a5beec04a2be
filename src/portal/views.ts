/**
 * What the portal's pages show, read from the lab's store through the doctor's snapshots (the same data
 * `wilab doctor`, the sign-in log and the audit log give): the overview, the workloads with their chain's
 * status, one workload's chain, identities and the issuers they trust, clusters with their key timeline,
 * sign-ins, audit events, and "which credential matches?" for a pasted token.
 */
import { loadJose, type LabContext } from "../platform/index.js";
import type { KubeObject } from "../kube/index.js";
import { Clusters, KEY_LIFETIME_MS, ROTATION_MS, type ClusterRecord } from "../kube/index.js";
import { clusterView, diagnosePod, identitiesWithCredentials, podSnapshot, type DoctorDeps, type IdentityView } from "../diagnose/doctor/index.js";
import { AuditEvents, describeDifferences, ficDifferences, SignIns, type AuditEventRecord, type FicDifference, type SignInRecord } from "../diagnose/index.js";
import { Vaults } from "../keyvault/index.js";
import { RoleAssignments } from "../rbac/index.js";
import { chainGraph, type ChainGraph } from "./chain.js";
import { PortalErrors } from "./PortalError.js";

export interface PortalViewDeps {
  ctx: LabContext;
  doctor: DoctorDeps;
}

const USE_LABEL = "azure.workload.identity/use";

export interface WorkloadRow {
  cluster: string;
  resourceGroup: string;
  namespace: string;
  pod: string;
  phase: string;
  ok: boolean;
  failing: string[];
  warnings: string[];
}

async function podsOf(d: PortalViewDeps, c: ClusterRecord): Promise<KubeObject[]> {
  return d.doctor.kube.storage.read((tx) => tx.list(c.clusterId, "pods"));
}

/** Pods that use workload identity (the label) in every cluster, each with its chain's verdict. */
export async function workloads(d: PortalViewDeps): Promise<WorkloadRow[]> {
  await d.doctor.flushRecords();
  const clusters = await d.ctx.store.read((tx) => Clusters.all(tx));
  const rows: WorkloadRow[] = [];
  for (const c of clusters) {
    for (const pod of await podsOf(d, c)) {
      if (pod.metadata.labels?.[USE_LABEL] !== "true") continue;
      const ns = pod.metadata.namespace ?? "default";
      const report = diagnosePod(await podSnapshot(d.doctor, { pod: pod.metadata.name, namespace: ns, cluster: c.name, resourceGroup: c.resourceGroup }));
      const status = (pod as { status?: { phase?: string } }).status;
      rows.push({
        cluster: c.name,
        resourceGroup: c.resourceGroup,
        namespace: ns,
        pod: pod.metadata.name,
        phase: status?.phase ?? "Unknown",
        ok: report.ok,
        failing: report.checks.filter((x) => x.status === "fail").map((x) => x.id),
        warnings: report.checks.filter((x) => x.status === "warn").map((x) => x.id),
      });
    }
  }
  return rows;
}

export async function chain(d: PortalViewDeps, q: { cluster?: string; resourceGroup?: string; namespace?: string; pod?: string }): Promise<ChainGraph> {
  if (!q.pod) throw PortalErrors.badRequest("name the pod: ?pod=NAME&namespace=NS&cluster=NAME&resourceGroup=GROUP");
  await d.doctor.flushRecords();
  const s = await podSnapshot(d.doctor, { pod: q.pod, namespace: q.namespace, cluster: q.cluster, resourceGroup: q.resourceGroup });
  return chainGraph(s, diagnosePod(s));
}

export async function overview(d: PortalViewDeps): Promise<Record<string, unknown>> {
  const { ctx } = d;
  const counts = await ctx.store.read(async (tx) => {
    const clusters = await Clusters.all(tx);
    const identities = await identitiesWithCredentials(tx);
    return {
      clusters: clusters.length,
      identities: identities.length,
      federatedCredentials: identities.reduce((n, i) => n + i.credentials.length, 0),
      vaults: (await Vaults.all(tx)).length,
      roleAssignments: (await RoleAssignments.all(tx)).length,
    };
  });
  const now = ctx.clock.now();
  return {
    clock: { now: new Date(now).toISOString(), offsetMs: now - Date.now() },
    tenantId: ctx.config.tenantId,
    subscriptionId: ctx.config.subscriptionId,
    counts,
    faults: ctx.faults.list(),
  };
}

/** Each identity's credentials, with whether some lab cluster presents the issuer each trusts. */
export async function identities(d: PortalViewDeps): Promise<(IdentityView & { credentialIssuers: { name: string; issuer: string; presentedBy: string[] }[] })[]> {
  const { ids, clusters } = await d.ctx.store.read(async (tx) => ({ ids: await identitiesWithCredentials(tx), clusters: await Clusters.all(tx) }));
  const issuers = clusters.map((c) => ({ name: c.name, issuer: clusterView(d.doctor, c).issuer }));
  return ids.map((i) => ({
    ...i,
    credentialIssuers: i.credentials.map((f) => ({ name: f.name, issuer: f.issuer, presentedBy: issuers.filter((x) => x.issuer === f.issuer).map((x) => x.name) })),
  }));
}

/** Clusters with their issuer and key timeline on the lab clock (creation, next rotation, retirement). */
export async function clusters(d: PortalViewDeps): Promise<Record<string, unknown>[]> {
  const all = await d.ctx.store.read((tx) => Clusters.all(tx));
  const now = d.ctx.clock.now();
  const out: Record<string, unknown>[] = [];
  for (const c of all) {
    const ring = await d.doctor.kube.issuer.keys(c.clusterId);
    const active = ring.active(now);
    out.push({
      ...clusterView(d.doctor, c),
      keys: ring.published(now).map((k) => ({
        kid: k.record.kid,
        createdAt: new Date(k.record.createdAt).toISOString(),
        retireAt: new Date(k.record.retireAt ?? k.record.createdAt + KEY_LIFETIME_MS).toISOString(),
        active: k.record.kid === active.record.kid,
      })),
      nextRotation: new Date(active.record.createdAt + ROTATION_MS).toISOString(),
    });
  }
  return out;
}

export async function signIns(d: PortalViewDeps, q: { appId?: string; errorCode?: string; since?: string; top?: string }): Promise<SignInRecord[]> {
  await d.ctx.records.flush();
  const errorCode = q.errorCode !== undefined && q.errorCode !== "" ? Number(q.errorCode) : undefined;
  if (errorCode !== undefined && !Number.isInteger(errorCode)) throw PortalErrors.badRequest("errorCode must be an integer");
  return d.ctx.store.read((tx) => SignIns.list(tx, { appId: q.appId || undefined, errorCode, since: q.since || undefined, top: Math.min(Number(q.top ?? 200) || 200, 1000) }));
}

export async function auditEvents(d: PortalViewDeps, q: { vault?: string; top?: string }): Promise<AuditEventRecord[]> {
  await d.ctx.records.flush();
  return d.ctx.store.read((tx) => AuditEvents.list(tx, { vault: q.vault || undefined, top: Math.min(Number(q.top ?? 200) || 200, 1000) }));
}

export interface MatchRow {
  identity: string;
  resourceGroup: string;
  credential: string;
  matches: boolean;
  differences: FicDifference[];
  summary: string;
}

/**
 * "Which credential matches?": a pasted JWT's issuer, subject and audiences against every federated credential
 * of the lab, each difference named. Only the claims are read (nothing here grants anything): the signature is
 * not what this page is about, and the token is never stored.
 */
export async function matchToken(d: PortalViewDeps, token: unknown): Promise<{ claims: Record<string, unknown>; header: Record<string, unknown>; rows: MatchRow[] }> {
  if (typeof token !== "string" || !token.trim()) throw PortalErrors.badRequest("paste a JWT in the field 'token'");
  const { decodeJwt, decodeProtectedHeader } = await loadJose();
  let claims: Record<string, unknown>;
  let header: Record<string, unknown>;
  try {
    claims = decodeJwt(token.trim());
    header = decodeProtectedHeader(token.trim());
  } catch {
    throw PortalErrors.badRequest("the text is not a JWT (three base64url parts, header.payload.signature)");
  }
  const aud = claims.aud;
  const presented = { issuer: String(claims.iss ?? ""), subject: String(claims.sub ?? ""), audiences: Array.isArray(aud) ? aud.map(String) : aud !== undefined ? [String(aud)] : [] };
  const ids = await d.ctx.store.read((tx) => identitiesWithCredentials(tx));
  const rows = ids.flatMap((i) =>
    i.credentials.map((f) => {
      const differences = ficDifferences(f, presented);
      return { identity: i.name, resourceGroup: i.resourceGroup, credential: f.name, matches: differences.length === 0, differences, summary: differences.length ? describeDifferences(differences) : "matches" };
    }),
  );
  rows.sort((a, b) => Number(b.matches) - Number(a.matches) || a.differences.length - b.differences.length);
  return { claims: { iss: claims.iss, sub: claims.sub, aud: claims.aud, exp: claims.exp, iat: claims.iat }, header: { alg: header.alg, kid: header.kid }, rows };
}

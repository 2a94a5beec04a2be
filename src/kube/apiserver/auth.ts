/**
 * Authentication of API requests: the kubeconfig's admin bearer token (system:masters) or a
 * service-account token of the cluster (issuer signature, an API audience, the service account and
 * bound pod still existing with the same uid).
 */
import { timingSafeEqual } from "node:crypto";
import type { KubeContext } from "../KubeContext.js";
import type { ClusterRecord } from "../Cluster.js";
import type { UserInfo } from "../admission/index.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export interface AuthenticatedUser extends UserInfo {
  serviceAccount?: { namespace: string; name: string };
}

function eq(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

/** The user a bearer token names, or undefined (401). */
export async function authenticate(kube: KubeContext, c: ClusterRecord, token: string | undefined): Promise<AuthenticatedUser | undefined> {
  if (!token) return undefined;
  if (eq(token, c.adminToken)) return { username: "system:admin", groups: ["system:masters", "system:authenticated"] };
  return verifyServiceAccountToken(kube, c, token);
}

/** Verifies a service-account token like kube-apiserver's authenticator; returns the user it names. */
export async function verifyServiceAccountToken(kube: KubeContext, c: ClusterRecord, token: string, audiences?: string[]): Promise<AuthenticatedUser | undefined> {
  if (token.split(".").length !== 3) return undefined;
  const issuer = kube.issuerUrl(c);
  const claims = await kube.issuer.verify(c.clusterId, token, issuer);
  if (!claims) return undefined;
  const aud = Array.isArray(claims.aud) ? (claims.aud as string[]) : typeof claims.aud === "string" ? [claims.aud] : [];
  const accepted = audiences && audiences.length ? audiences : [issuer];
  if (!aud.some((a) => accepted.includes(a))) return undefined;
  const k = isObj(claims["kubernetes.io"]) ? claims["kubernetes.io"] : undefined;
  if (!k) return undefined;
  const ns = String(k.namespace ?? "");
  const sa = isObj(k.serviceaccount) ? k.serviceaccount : {};
  const pod = isObj(k.pod) ? k.pod : undefined;
  const node = isObj(k.node) ? k.node : undefined;
  const ok = await kube.storage.read(async (tx) => {
    const s = await tx.get(c.clusterId, "serviceaccounts", ns, String(sa.name ?? ""));
    if (!s || s.metadata.uid !== sa.uid) return false;
    if (pod) {
      const p = await tx.get(c.clusterId, "pods", ns, String(pod.name ?? ""));
      if (!p || p.metadata.uid !== pod.uid || p.metadata.deletionTimestamp) return false;
    }
    return true;
  });
  if (!ok) return undefined;
  const extra: Record<string, string[]> = {};
  if (typeof claims.jti === "string") extra["authentication.kubernetes.io/credential-id"] = [`JTI=${claims.jti}`];
  if (pod) {
    extra["authentication.kubernetes.io/pod-name"] = [String(pod.name)];
    extra["authentication.kubernetes.io/pod-uid"] = [String(pod.uid)];
  }
  if (node) {
    extra["authentication.kubernetes.io/node-name"] = [String(node.name)];
    if (node.uid) extra["authentication.kubernetes.io/node-uid"] = [String(node.uid)];
  }
  return {
    username: `system:serviceaccount:${ns}:${String(sa.name)}`,
    uid: String(sa.uid),
    groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"],
    ...(Object.keys(extra).length ? { extra } : {}),
    serviceAccount: { namespace: ns, name: String(sa.name) },
  };
}

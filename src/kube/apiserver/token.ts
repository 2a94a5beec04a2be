/**
 * TokenRequest (`POST .../serviceaccounts/<name>/token`), as pkg/registry/core/serviceaccount/storage/token.go:
 * expirationSeconds default 3600, at least 600, capped at the cluster's maximum with a warning; audiences
 * default to the API audiences (the issuer URL); a bound Pod must run as the service account.
 */
import type { KubeContext } from "../KubeContext.js";
import type { ClusterRecord } from "../Cluster.js";
import type { KubeObject } from "../KubeStorage.js";
import { KubeErrors } from "../KubeStatusError.js";
import { MAX_TOKEN_SECONDS, type IssuedToken } from "../issuer/ServiceAccountIssuer.js";
import { Errs } from "./validation.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export interface TokenRequestSpec {
  audiences?: string[] | null;
  expirationSeconds?: number | null;
  boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string } | null;
}

export interface TokenResult {
  response: Record<string, unknown>;
  warnings: string[];
  /** The token as issued (its lab-clock issue and expiry times): the kubelet's token manager keeps it to refresh on time. */
  issued: IssuedToken;
}

function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * Issues a service-account token like kube-apiserver's TokenRequest, with its validation. The API server's
 * `serviceaccounts/<name>/token` calls it, and so does the kubelet for projected service-account tokens (in-process,
 * as the node's identity: bound to the pod it runs).
 */
export async function requestToken(kube: KubeContext, cluster: ClusterRecord, namespace: string, saName: string, body: unknown): Promise<TokenResult> {
  const b = isObj(body) ? body : {};
  const spec: TokenRequestSpec = isObj(b.spec) ? (b.spec as TokenRequestSpec) : {};
  const warnings: string[] = [];
  const clusterId = cluster.clusterId;
  const issuer = kube.issuerUrl(cluster);
  const meta = isObj(b.metadata) ? b.metadata : {};
  if (meta.name && meta.name !== saName) throw KubeErrors.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${saName})`);

  const { sa, pod } = await kube.storage.read(async (tx) => {
    const sa = await tx.get(clusterId, "serviceaccounts", namespace, saName);
    let pod: KubeObject | undefined;
    const ref = spec.boundObjectRef;
    if (sa && ref && ref.kind === "Pod" && ref.name) pod = await tx.get(clusterId, "pods", namespace, ref.name);
    return { sa, pod };
  });
  if (!sa) throw KubeErrors.notFound("serviceaccounts", saName);

  const audiences = spec.audiences && spec.audiences.length ? spec.audiences : [issuer];
  let exp = typeof spec.expirationSeconds === "number" ? spec.expirationSeconds : 3600;
  const e = new Errs();
  if (exp < 600) e.invalid("spec.expirationSeconds", exp, "may not specify a duration less than 10 minutes");
  else if (exp > 2 ** 32) e.invalid("spec.expirationSeconds", exp, "may not specify a duration larger than 2^32 seconds");
  const ref = spec.boundObjectRef ?? undefined;
  if (ref && ref.kind !== undefined && !["Pod", "Secret", "Node"].includes(ref.kind)) e.notSupported("spec.boundObjectRef.kind", ref.kind, ["Node", "Pod", "Secret"]);
  if (e.causes.length) throw KubeErrors.invalid("TokenRequest", saName, e.causes, "authentication.k8s.io");

  let podRef: { name: string; uid: string } | undefined;
  let node: { name: string } | undefined;
  if (ref && ref.kind === "Pod") {
    if (!pod) throw KubeErrors.notFound("pods", ref.name ?? "");
    const podSpec = isObj(pod.spec) ? pod.spec : {};
    if ((podSpec.serviceAccountName ?? "default") !== saName)
      throw KubeErrors.badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
    if (ref.uid && ref.uid !== pod.metadata.uid)
      throw KubeErrors.boundObjectUidMismatch(ref.uid);
    podRef = { name: pod.metadata.name, uid: pod.metadata.uid };
    if (typeof podSpec.nodeName === "string" && podSpec.nodeName) node = { name: podSpec.nodeName };
  }
  if (exp > MAX_TOKEN_SECONDS) {
    warnings.push(`requested expiration of ${exp} seconds shortened to ${MAX_TOKEN_SECONDS} seconds`);
    exp = MAX_TOKEN_SECONDS;
  }
  const issued = await kube.issuer.sign(clusterId, {
    issuer,
    namespace,
    serviceAccount: { name: saName, uid: sa.metadata.uid },
    audiences,
    expirationSeconds: exp,
    pod: podRef,
    node,
  });
  const now = kube.ctx.clock.now();
  return {
    warnings,
    issued,
    response: {
      kind: "TokenRequest",
      apiVersion: "authentication.k8s.io/v1",
      metadata: { name: saName, namespace, creationTimestamp: rfc3339(now) },
      spec: { audiences, expirationSeconds: exp, boundObjectRef: ref ? { kind: ref.kind, apiVersion: ref.apiVersion ?? "v1", name: ref.name, ...(ref.uid ? { uid: ref.uid } : {}) } : null },
      status: { token: issued.token, expirationTimestamp: rfc3339(now + exp * 1000) },
    },
  };
}

/** The create-only virtual resources: SelfSubjectReview (who am I) and TokenReview (is this token valid). */
import { KubeErrors } from "../../KubeStatusError.js";
import { verifyServiceAccountToken } from "../auth.js";
import { parseBody, rfc3339 } from "../registry.js";
import { contentTypeOf, isObj, methodNotAllowed, rawBody, send, type ApiServer, type Handler, type ResourceCall } from "./context.js";

async function tokenReview({ kube }: ApiServer, call: ResourceCall, body: unknown): Promise<unknown> {
  const spec = isObj(body) && isObj(body.spec) ? body.spec : {};
  const token = typeof spec.token === "string" ? spec.token : "";
  if (!token) throw KubeErrors.invalid("TokenReview", "", [{ reason: "FieldValueRequired", message: "Required value", field: "spec.token" }], "authentication.k8s.io");
  const auds = Array.isArray(spec.audiences) ? (spec.audiences as string[]) : undefined;
  const who = token === call.cluster.adminToken ? undefined : await verifyServiceAccountToken(kube, call.cluster, token, auds);
  const status = who
    ? { authenticated: true, user: { username: who.username, uid: who.uid, groups: who.groups, ...(who.extra ? { extra: who.extra } : {}) }, audiences: auds ?? [kube.issuerUrl(call.cluster)] }
    : { user: {}, error: "[invalid bearer token, service account token has been invalidated]" };
  return send(call.reply, 201, { kind: "TokenReview", apiVersion: "authentication.k8s.io/v1", metadata: { creationTimestamp: null }, spec, status });
}

export const review: Handler = async (s, call) => {
  if (call.req.method !== "POST" || call.info.name) methodNotAllowed();
  const body = parseBody(rawBody(call), contentTypeOf(call));
  if (call.def.resource !== "selfsubjectreviews") return tokenReview(s, call, body);
  const { serviceAccount: _sa, ...user } = call.user;
  const now = rfc3339(s.kube.ctx.clock.now());
  return send(call.reply, 201, { kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1", metadata: { creationTimestamp: now }, status: { userInfo: user } });
};

/** `serviceaccounts/token` (TokenRequest): a service-account token, through the same path the kubelet uses. */
import { parseBody } from "../registry.js";
import { requestToken } from "../token.js";
import { contentTypeOf, methodNotAllowed, rawBody, send, type Handler } from "./context.js";

export const token: Handler = async ({ kube }, call) => {
  const { namespace: ns, name } = call.info;
  if (call.req.method !== "POST" || !ns || !name) methodNotAllowed();
  const raw = rawBody(call);
  const body = raw && raw.length ? parseBody(raw, contentTypeOf(call)) : {};
  const r = await requestToken(kube, call.cluster, ns, name, body);
  call.warnings.push(...r.warnings);
  return send(call.reply, 201, r.response, call.warnings);
};

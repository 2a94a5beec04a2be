/** `<workload>/scale`: the autoscaling/v1 Scale view of a workload (get, update, patch). */
import { scaleSubresource } from "../scale.js";
import { contentTypeOf, methodNotAllowed, opContext, rawBody, send, type Handler } from "./context.js";

export const scale: Handler = async ({ registry }, call) => {
  const { namespace: ns, name } = call.info;
  const method = call.req.method;
  if (!ns || !name || !["GET", "HEAD", "PUT", "PATCH"].includes(method)) methodNotAllowed();
  const out = await scaleSubresource(registry, call.def, ns, name, { method, contentType: contentTypeOf(call), raw: rawBody(call) }, opContext(call));
  return send(call.reply, 200, out, call.warnings);
};

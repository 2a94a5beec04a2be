/** `patch`: JSON, merge, strategic-merge or apply patch of an object or its `status` (201 when apply creates it). */
import { contentTypeOf, opContext, rawBody, send, type Handler } from "./context.js";

export const patch: Handler = async ({ registry }, call) => {
  const { def, info } = call;
  const r = await registry.patch(def, info.namespace, info.name!, info.subresource, contentTypeOf(call), rawBody(call), opContext(call));
  return send(call.reply, r.created ? 201 : 200, r.obj, call.warnings);
};

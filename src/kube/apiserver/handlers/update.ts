/** `update` (PUT): replaces an object or its `status`. */
import { parseBody } from "../registry.js";
import { contentTypeOf, opContext, rawBody, send, type Handler } from "./context.js";

export const update: Handler = async ({ registry }, call) => {
  const { def, info } = call;
  const body = parseBody(rawBody(call), contentTypeOf(call));
  const updated = await registry.update(def, info.namespace, info.name!, info.subresource, body, opContext(call));
  return send(call.reply, 200, updated, call.warnings);
};

/** `delete`: one object, with DeleteOptions from the body and the gracePeriodSeconds/propagationPolicy query. */
import { parseBody } from "../registry.js";
import { contentTypeOf, isObj, opContext, rawBody, send, type Handler, type Obj, type ResourceCall } from "./context.js";

/** The DeleteOptions of a delete: the body's, if any (a body that is not an object counts as none). */
export function deleteOptions(call: ResourceCall): unknown {
  const raw = rawBody(call);
  return raw && raw.length ? parseBody(raw, contentTypeOf(call)) : {};
}

export const del: Handler = async ({ registry }, call) => {
  const { def, info, query } = call;
  const options = deleteOptions(call);
  const opts: Obj = isObj(options) ? { ...options } : {};
  if (query.gracePeriodSeconds !== undefined) opts.gracePeriodSeconds = Number(query.gracePeriodSeconds);
  if (query.propagationPolicy) opts.propagationPolicy = query.propagationPolicy;
  const [code, body] = await registry.delete(def, info.namespace, info.name!, opts, opContext(call, opts));
  return send(call.reply, code, body, call.warnings);
};

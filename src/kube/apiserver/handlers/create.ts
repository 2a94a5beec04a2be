/** `create`: a new object in a collection (201, or 200 on a dry run), as JSON or as a Table. */
import { parseBody } from "../registry.js";
import { toTable, wantsTable } from "../table.js";
import { kindStrategy } from "../strategies/index.js";
import { contentTypeOf, includeOf, opContext, rawBody, send, type Handler } from "./context.js";

export const create: Handler = async ({ kube, registry }, call) => {
  const { def, info } = call;
  const body = parseBody(rawBody(call), contentTypeOf(call));
  const o = opContext(call);
  const created = await registry.create(def, info.namespace, body, o);
  const out = wantsTable(call.req.headers.accept) ? toTable(kindStrategy(def.kind).printer, [created], kube.ctx.clock.now(), includeOf(call.query)) : created;
  return send(call.reply, o.dryRun ? 200 : 201, out, call.warnings);
};

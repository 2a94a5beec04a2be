/** `get`: one object (or its `status`), as JSON or as a Table. */
import { toTable, wantsTable } from "../table.js";
import { kindStrategy } from "../strategies/index.js";
import { includeOf, send, type Handler } from "./context.js";

export const get: Handler = async ({ kube, registry }, call) => {
  const { def, info } = call;
  const o = await registry.get(call.cluster, def, info.namespace, info.name!);
  if (!wantsTable(call.req.headers.accept)) return send(call.reply, 200, o);
  return send(call.reply, 200, toTable(kindStrategy(def.kind).printer, [o], kube.ctx.clock.now(), includeOf(call.query), { resourceVersion: o.metadata.resourceVersion }));
};

/** `list`: a collection (in a namespace or across all), with selectors and paging, as a List or a Table. */
import { listItem, withTypeMeta } from "../registry.js";
import { toTable, wantsTable } from "../table.js";
import { kindStrategy } from "../strategies/index.js";
import { apiVersionOf, includeOf, selectors, send, type Handler, type Obj } from "./context.js";

export const list: Handler = async ({ kube, registry }, call) => {
  const { def, info, query } = call;
  const sel = selectors(def, query);
  const limit = query.limit ? Number(query.limit) : undefined;
  const r = await registry.list(call.cluster, def, info.namespace, { ...sel, limit, continueToken: query.continue || undefined });
  const meta: Obj = {
    resourceVersion: r.resourceVersion,
    ...(r.continueToken ? { continue: r.continueToken } : {}),
    ...(r.remaining !== undefined ? { remainingItemCount: r.remaining } : {}),
  };
  if (wantsTable(call.req.headers.accept)) {
    return send(call.reply, 200, toTable(kindStrategy(def.kind).printer, r.items.map((o) => withTypeMeta(def, o)), kube.ctx.clock.now(), includeOf(query), meta));
  }
  return send(call.reply, 200, { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: meta, items: r.items.map(listItem) });
};

/** `deletecollection`: deletes every object the selectors match; answers the list of what went. */
import type { KubeObject } from "../../KubeStorage.js";
import { KubeStatusError } from "../../KubeStatusError.js";
import { listItem } from "../registry.js";
import { deleteOptions } from "./delete.js";
import { apiVersionOf, isObj, methodNotAllowed, opContext, selectors, send, type Handler } from "./context.js";

export const deletecollection: Handler = async ({ registry }, call) => {
  const { def, info } = call;
  if (!def.verbs.includes("deletecollection")) methodNotAllowed();
  const options = deleteOptions(call);
  const o = opContext(call, isObj(options) ? options : undefined);
  const sel = selectors(def, call.query);
  const r = await registry.list(call.cluster, def, info.namespace, sel);
  const gone: KubeObject[] = [];
  for (const item of r.items) {
    try {
      const [, body] = await registry.delete(def, item.metadata.namespace, item.metadata.name, isObj(options) ? options : {}, o);
      gone.push(isObj(body) && body.kind !== "Status" ? (body as unknown as KubeObject) : item);
    } catch (e) {
      if (!(e instanceof KubeStatusError && e.reason === "NotFound")) throw e;
    }
  }
  const out = { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: { resourceVersion: r.resourceVersion }, items: gone.map(listItem) };
  return send(call.reply, 200, out, call.warnings);
};

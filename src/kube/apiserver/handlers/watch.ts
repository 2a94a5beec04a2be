/**
 * `watch`: a chunked stream of `{type, object}` lines — the initial ADDED events (or none when resuming
 * from a resourceVersion), then every change the selectors see, BOOKMARKs when asked, and a 410 Expired
 * ERROR when the resourceVersion is older than the hub remembers.
 */
import type { ServerResponse } from "node:http";
import type { KubeObject, WatchEvent } from "../../KubeStorage.js";
import { KubeErrors } from "../../KubeStatusError.js";
import { eventExpired } from "../../events.js";
import { withTypeMeta } from "../registry.js";
import { matchRequirements } from "../labelSelector.js";
import { matchFields } from "../fieldSelector.js";
import { toTable, wantsTable } from "../table.js";
import { kindStrategy } from "../strategies/index.js";
import { apiVersionOf, includeOf, selectors, type ApiServer, type Handler, type ResourceCall } from "./context.js";

const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/** Whether an object is in the watch (namespace, label and field selectors, unexpired events). */
function matcher(s: ApiServer, call: ResourceCall): (o: KubeObject) => boolean {
  const { def, info } = call;
  const ns = info.namespace;
  const sel = selectors(def, call.query);
  if (info.name) sel.field.push({ field: "metadata.name", op: "=", value: info.name });
  return (o) =>
    (!def.namespaced || ns === undefined || o.metadata.namespace === ns) &&
    matchRequirements(o.metadata.labels, sel.label) &&
    matchFields(def.resource, o, sel.field) &&
    (def.resource !== "events" || !eventExpired(o, s.kube.ctx.clock.now()));
}

/** The stream's writer: events as JSON lines, objects rendered as the client asked (object or Table). */
function writer(s: ApiServer, call: ResourceCall, res: ServerResponse) {
  const { def } = call;
  const table = wantsTable(call.req.headers.accept);
  const include = includeOf(call.query);
  const write = (type: string, obj: unknown) => res.write(JSON.stringify({ type, object: obj }) + "\n");
  const render = (o: KubeObject) => (table ? toTable(kindStrategy(def.kind).printer, [withTypeMeta(def, o)], s.kube.ctx.clock.now(), include) : withTypeMeta(def, o));
  const bookmark = (rvNow: string, annotations?: Record<string, string>) =>
    write("BOOKMARK", { kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: rvNow, ...(annotations ? { annotations } : {}) } });
  return { write, render, bookmark };
}

/** The watch's reaction to one storage event: ADDED/MODIFIED/DELETED as the object enters, changes in or leaves the selection. */
function onEvents(call: ResourceCall, matches: (o: KubeObject) => boolean, visible: Set<string>, out: ReturnType<typeof writer>, seen: (rv: string) => void) {
  return (e: WatchEvent) => {
    if (e.resource !== call.def.resource) return;
    const o = e.object;
    const key = keyOf(o);
    const m = matches(o);
    seen(o.metadata.resourceVersion);
    if (e.type === "DELETED") {
      if (visible.delete(key) || m) out.write("DELETED", out.render(o));
      return;
    }
    if (m) {
      out.write(visible.has(key) ? (e.type === "ADDED" ? "ADDED" : "MODIFIED") : "ADDED", out.render(o));
      visible.add(key);
    } else if (visible.has(key)) {
      visible.delete(key);
      out.write("DELETED", out.render(o));
    }
  };
}

function expired(s: ApiServer, clusterId: string, fromRv: number, out: ReturnType<typeof writer>, res: ServerResponse): undefined {
  out.write("ERROR", KubeErrors.expired(`too old resource version: ${fromRv} (${s.hub.horizon(clusterId)})`).toStatus());
  res.end();
  return undefined;
}

export const watch: Handler = async (s, call) => {
  const { req, reply, query, def, info } = call;
  const clusterId = call.cluster.clusterId;
  const matches = matcher(s, call);
  const rvParam = query.resourceVersion ?? "";
  const initialEvents = query.sendInitialEvents === "true";
  const timeout = query.timeoutSeconds ? Math.max(1, Number(query.timeoutSeconds)) : 1800 + Math.floor(Math.random() * 1800);
  const { items, rv } = await s.kube.storage.read(async (tx) => ({
    items: await tx.list(clusterId, def.resource, def.namespaced ? info.namespace : undefined),
    rv: await tx.currentVersion(clusterId),
  }));
  const fromRv = rvParam === "" || rvParam === "0" ? Number(rv) : Number(rvParam);
  if (!Number.isFinite(fromRv)) throw KubeErrors.badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a valid resource version`);
  const visible = new Set(items.filter(matches).map(keyOf));

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { "content-type": "application/json", "cache-control": "no-cache, private", "transfer-encoding": "chunked" });
  // Headers go out now: client-go's reflector only sees its stop signal once Watch() has returned, so a
  // watch on an object that does not change (`rollout status` of a finished rollout) would hang otherwise.
  res.flushHeaders();
  const out = writer(s, call, res);
  let lastRv = String(fromRv);
  if (rvParam === "" || rvParam === "0" || initialEvents) {
    for (const o of items.filter(matches)) out.write("ADDED", out.render(o));
    if (initialEvents) out.bookmark(rv, { "k8s.io/initial-events-end": "true" });
  }
  const unsubscribe = s.hub.subscribe(clusterId, fromRv, onEvents(call, matches, visible, out, (v) => (lastRv = v)));
  if (!unsubscribe) return expired(s, clusterId, fromRv, out, res);
  const tick = query.allowWatchBookmarks === "true" ? setInterval(() => out.bookmark(lastRv), 60_000) : undefined;
  tick?.unref();
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    unsubscribe();
    clearTimeout(timer);
    if (tick) clearInterval(tick);
    res.end();
  };
  const timer = setTimeout(finish, timeout * 1000);
  timer.unref();
  req.raw.on("close", finish);
  res.on("close", finish);
  return undefined;
};

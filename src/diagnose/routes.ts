import type { FastifyInstance } from "fastify";
import { queryOf, sendJson } from "../platform/index.js";
import { sendRefusal, type AdminAuthenticate } from "./adminAuth.js";
import type { Store } from "../store/index.js";
import { AuditEvents, MAX_RECORDS } from "./store.js";

export interface DiagnoseRouteDeps {
  /** What the routes need from the lab (its context fits). */
  ctx: { store: Store; records: { flush(): Promise<void> } };
  authenticate: AdminAuthenticate;
}

/**
 * The lab's diagnostics under `/_wilab` (not part of Azure), authenticated like the other `/_wilab` APIs:
 * an ARM bearer token of the lab tenant. `GET /_wilab/auditEvents?vault=NAME[&oid=…][&since=ISO][&top=N]`
 * answers a vault's Key Vault audit events, newest first (what a diagnostic setting would send to Log Analytics).
 */
export async function diagnoseRoutes(app: FastifyInstance, d: DiagnoseRouteDeps): Promise<void> {
  const { ctx } = d;

  app.get("/_wilab/auditEvents", async (req, reply) => {
    const refused = await d.authenticate(req);
    if (refused) return sendRefusal(reply, refused);
    const q = queryOf(req);
    const top = q.top === undefined ? 100 : Number(q.top);
    if (!Number.isInteger(top) || top < 1 || top > MAX_RECORDS) {
      return sendJson(reply, 400, { error: { code: "BadRequest", message: `top must be an integer between 1 and ${MAX_RECORDS}` } });
    }
    if (q.since !== undefined && Number.isNaN(Date.parse(q.since))) {
      return sendJson(reply, 400, { error: { code: "BadRequest", message: "since must be an ISO 8601 time" } });
    }
    const since = q.since === undefined ? undefined : new Date(q.since).toISOString();
    await ctx.records.flush();
    const value = await ctx.store.read((tx) => AuditEvents.list(tx, { vault: q.vault || undefined, oid: q.oid || undefined, since, top }));
    return sendJson(reply, 200, { value });
  });
}

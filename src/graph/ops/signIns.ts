import { SignIns, type SignInRecord } from "../../diagnose/index.js";
import { compileFilter, equalityOf, type FilterSchema } from "../filters.js";
import type { GraphOperation } from "../types.js";
import { collection, page, selectOf, topOf } from "./common.js";

const eq = ["eq"] as const;

const SIGN_IN_FILTER: FilterSchema<SignInRecord> = {
  resource: "signIn",
  service: "report",
  allowOr: true,
  properties: {
    id: { get: (r) => r.id, type: "string", ops: [...eq] },
    appid: { get: (r) => r.appId, type: "string", ops: [...eq] },
    appdisplayname: { get: (r) => r.appDisplayName, type: "string", ops: [...eq], functions: ["startswith"] },
    serviceprincipalid: { get: (r) => r.servicePrincipalId, type: "string", ops: [...eq] },
    userid: { get: (r) => r.userId, type: "string", ops: [...eq] },
    userprincipalname: { get: (r) => r.userPrincipalName, type: "string", ops: [...eq], functions: ["startswith"] },
    resourceid: { get: (r) => r.resourceId, type: "string", ops: [...eq] },
    correlationid: { get: (r) => r.correlationId, type: "string", ops: [...eq] },
    createddatetime: { get: (r) => r.createdDateTime, type: "datetime", ops: ["eq", "ge", "le", "gt", "lt"] },
    "status/errorcode": { get: (r) => r.status.errorCode, type: "number", ops: [...eq] },
  },
};

const MAX_TOP = 1000;

/** `GET /auditLogs/signIns`: newest first, `$filter` (appId, createdDateTime, status/errorCode, … with and/or) and `$top` paging. */
export const listSignIns: GraphOperation = {
  method: "GET",
  path: ["auditLogs", "signIns"],
  versions: ["beta", "v1.0"],
  access: "auditLog",
  async handler(call) {
    const { test, expr } = compileFilter(SIGN_IN_FILTER, call.query.$filter);
    const all = (await SignIns.list(call.tx, { appId: equalityOf(expr, "appid") })).filter(test);
    const p = page(call, all, (r) => `${r.createdDateTime}|${r.id}`, topOf(call, MAX_TOP, MAX_TOP), true);
    const select = selectOf(call);
    return { status: 200, body: collection(call, "auditLogs/signIns", p.rows.map((r) => select({ ...r })), p.nextLink) };
  },
};

import { Directory, type ServicePrincipalRecord } from "../../entra/index.js";
import { servicePrincipalEntity, servicePrincipalNames } from "../entities.js";
import { compileFilter, equalityOf, type FilterSchema } from "../filters.js";
import { GraphErrors } from "../GraphError.js";
import type { GraphOperation } from "../types.js";
import { collection, contextUrl, page, selectOf, topOf } from "./common.js";

const SP_FILTER: FilterSchema<ServicePrincipalRecord> = {
  resource: "ServicePrincipal",
  service: "directory",
  allowOr: true,
  properties: {
    id: { get: (s) => s.objectId, type: "string", ops: ["eq"] },
    appid: { get: (s) => s.appId, type: "string", ops: ["eq"] },
    displayname: { get: (s) => s.displayName, type: "string", ops: ["eq"], functions: ["startswith"] },
    serviceprincipaltype: { get: (s) => s.servicePrincipalType, type: "string", ops: ["eq"] },
  },
  collections: { serviceprincipalnames: servicePrincipalNames },
};

/** `GET /servicePrincipals`: `$filter` on appId, displayName, `servicePrincipalNames/any(c:c eq '…')`; `$top` (1..999). */
export const listServicePrincipals: GraphOperation = {
  method: "GET",
  path: ["servicePrincipals"],
  versions: ["v1.0", "beta"],
  access: "directory",
  async handler(call) {
    const { test, expr } = compileFilter(SP_FILTER, call.query.$filter);
    // `appId eq '…'` (what `az ad sp show --id` sends) is one keyed read.
    const appId = equalityOf(expr, "appid");
    const candidates = appId !== undefined ? [await Directory.servicePrincipalByAppId(call.tx, appId)].filter((s) => s !== undefined) : await Directory.servicePrincipals(call.tx);
    const all = candidates.filter(test).sort((a, b) => a.objectId.localeCompare(b.objectId));
    const p = page(call, all, (s) => s.objectId, topOf(call, 999, 100), false);
    const select = selectOf(call);
    return { status: 200, body: collection(call, "servicePrincipals", p.rows.map((s) => select(servicePrincipalEntity(s, call.ctx.config.tenantId))), p.nextLink) };
  },
};

/** `GET /servicePrincipals/{id}` (the object id). */
export const getServicePrincipal: GraphOperation = {
  method: "GET",
  path: ["servicePrincipals", ":id"],
  versions: ["v1.0", "beta"],
  access: "directory",
  async handler(call) {
    const id = call.params.id!;
    const ref = await Directory.principal(call.tx, id);
    const sp = ref?.type === "ServicePrincipal" ? await Directory.servicePrincipalByAppId(call.tx, ref.key) : undefined;
    if (!sp) throw GraphErrors.resourceNotFound(id).withHint(ref ? `'${id}' is a user` : "use the service principal's object id (its appId goes in $filter=appId eq '…')");
    return { status: 200, body: { "@odata.context": contextUrl(call, "servicePrincipals/$entity"), ...selectOf(call)(servicePrincipalEntity(sp, call.ctx.config.tenantId)) } };
  },
};

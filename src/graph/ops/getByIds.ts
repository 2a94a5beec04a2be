import { Directory } from "../../entra/index.js";
import { GUID_RE } from "../../platform/index.js";
import { directoryObject, servicePrincipalEntity, userEntity } from "../entities.js";
import { GraphErrors } from "../GraphError.js";
import type { GraphOperation } from "../types.js";
import { collection } from "./common.js";

const MAX_IDS = 1000;

function stringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined;
}

/** `POST /directoryObjects/getByIds` `{ids, types?}`: the users and service principals among the ids, unknown ids left out. */
export const getByIds: GraphOperation = {
  method: "POST",
  path: ["directoryObjects", "getByIds"],
  versions: ["v1.0", "beta"],
  access: "directory",
  async handler(call) {
    const body = call.body && typeof call.body === "object" ? (call.body as Record<string, unknown>) : {};
    const ids = stringArray(body.ids);
    if (!ids) throw GraphErrors.badBody("").withHint("send {\"ids\": [\"<object id>\", …], \"types\": [\"user\", \"servicePrincipal\"]}");
    if (ids.length > MAX_IDS) throw GraphErrors.tooManyIds();
    const bad = ids.find((id) => !GUID_RE.test(id));
    if (bad !== undefined) throw GraphErrors.invalidObjectId(bad);
    const types = body.types === undefined ? undefined : stringArray(body.types)?.map((t) => t.toLowerCase());
    if (body.types !== undefined && !types) throw GraphErrors.badBody("").withHint("'types' is a list of strings");
    const out: Record<string, unknown>[] = [];
    for (const id of ids) {
      const ref = await Directory.principal(call.tx, id);
      if (ref?.type === "User" && (!types || types.includes("user"))) {
        const u = await Directory.userByUpn(call.tx, ref.key);
        if (u) out.push(directoryObject("user", userEntity(u)));
      } else if (ref?.type === "ServicePrincipal" && (!types || types.includes("serviceprincipal"))) {
        const sp = await Directory.servicePrincipalByAppId(call.tx, ref.key);
        if (sp) out.push(directoryObject("servicePrincipal", servicePrincipalEntity(sp, call.ctx.config.tenantId)));
      }
    }
    return { status: 200, body: collection(call, "directoryObjects", out) };
  },
};

import { Directory, type UserRecord } from "../../entra/index.js";
import { userEntity } from "../entities.js";
import { compileFilter, type FilterSchema } from "../filters.js";
import { GraphErrors } from "../GraphError.js";
import type { GraphOperation } from "../types.js";
import { collection, contextUrl, page, selectOf, topOf } from "./common.js";

const USER_FILTER: FilterSchema<UserRecord> = {
  resource: "User",
  service: "directory",
  allowOr: true,
  properties: {
    id: { get: (u) => u.objectId, type: "string", ops: ["eq"] },
    userprincipalname: { get: (u) => u.userPrincipalName, type: "string", ops: ["eq"], functions: ["startswith"] },
    displayname: { get: (u) => u.displayName, type: "string", ops: ["eq"], functions: ["startswith"] },
  },
};

/** `GET /users`: `$filter` on id, userPrincipalName, displayName; `$top` (1..999) with `@odata.nextLink`. */
export const listUsers: GraphOperation = {
  method: "GET",
  path: ["users"],
  versions: ["v1.0", "beta"],
  access: "directory",
  async handler(call) {
    const { test } = compileFilter(USER_FILTER, call.query.$filter);
    const all = (await Directory.users(call.tx)).filter(test).sort((a, b) => a.objectId.localeCompare(b.objectId));
    const p = page(call, all, (u) => u.objectId, topOf(call, 999, 100), false);
    const select = selectOf(call);
    return { status: 200, body: collection(call, "users", p.rows.map((u) => select(userEntity(u))), p.nextLink) };
  },
};

/** `GET /users/{id | userPrincipalName}`. */
export const getUser: GraphOperation = {
  method: "GET",
  path: ["users", ":id"],
  versions: ["v1.0", "beta"],
  access: "directory",
  async handler(call) {
    const key = call.params.id!;
    let user = key.includes("@") ? await Directory.userByUpn(call.tx, key) : undefined;
    if (!user) {
      const ref = await Directory.principal(call.tx, key);
      if (ref?.type === "User") user = await Directory.userByUpn(call.tx, ref.key);
    }
    if (!user) throw GraphErrors.resourceNotFound(key);
    return { status: 200, body: { "@odata.context": contextUrl(call, "users/$entity"), ...selectOf(call)(userEntity(user)) } };
  },
};

import { Directory } from "../../entra/index.js";
import { userEntity } from "../entities.js";
import { GraphErrors } from "../GraphError.js";
import type { GraphOperation } from "../types.js";
import { contextUrl, selectOf } from "./common.js";

/** `GET /me`: the signed-in user (delegated tokens only; an application token gets Graph's 400). */
export const getMe: GraphOperation = {
  method: "GET",
  path: ["me"],
  versions: ["v1.0", "beta"],
  access: "self",
  async handler(call) {
    const ref = await Directory.principal(call.tx, call.caller.claims.oid);
    const user = ref?.type === "User" ? await Directory.userByUpn(call.tx, ref.key) : undefined;
    if (!user) throw GraphErrors.resourceNotFound(call.caller.claims.oid).withHint("the token's oid names no user of the lab tenant");
    return { status: 200, body: { "@odata.context": contextUrl(call, "users/$entity"), ...selectOf(call)(userEntity(user)) } };
  },
};

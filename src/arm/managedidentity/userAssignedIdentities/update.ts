import { isObject } from "../../ArmRoute.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { identityBody, UserAssignedIdentities } from "../UserAssignedIdentity.js";
import { IN_GROUP, ITEM, mustGetIdentity } from "./shared.js";

/** `PATCH …/userAssignedIdentities/{name}`: tags only. */
export const update = defineOperation<ArmDeps>({
  method: "PATCH",
  path: ITEM,
  ...IN_GROUP,
  handler: async (d, req, tx) => {
    const r = await mustGetIdentity(d, tx, req);
    if (isObject(req.body) && isObject(req.body.tags)) r.tags = req.body.tags as Record<string, string>;
    await UserAssignedIdentities.put(tx, r);
    return { status: 200, body: identityBody(r, req.apiVersion) };
  },
});

import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { identityBody } from "../UserAssignedIdentity.js";
import { IN_GROUP, ITEM, mustGetIdentity } from "./shared.js";

/** `GET …/userAssignedIdentities/{name}`. */
export const get = defineOperation<ArmDeps>({
  method: "GET",
  path: ITEM,
  ...IN_GROUP,
  handler: async (d, req, tx) => ({ status: 200, body: identityBody(await mustGetIdentity(d, tx, req), req.apiVersion) }),
});

import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { deleteIdentity, findIdentity, IN_GROUP, ITEM } from "./shared.js";

/** `DELETE …/userAssignedIdentities/{name}`: 200, or 204 when there was nothing to delete. */
export const deleteOperation = defineOperation<ArmDeps>({
  method: "DELETE",
  path: ITEM,
  ...IN_GROUP,
  handler: async (d, req, tx) => {
    const r = await findIdentity(d, tx, req);
    if (!r) return { status: 204 };
    await deleteIdentity(tx, r);
    return { status: 200 };
  },
});

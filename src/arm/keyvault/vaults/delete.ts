import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { IN_GROUP, inThisGroup, softDelete, VAULT_ITEM } from "./shared.js";

/** `DELETE …/vaults/{name}`: a soft delete; 204 when there was nothing to delete. */
export const deleteOperation = defineOperation<ArmDeps>({
  method: "DELETE",
  path: VAULT_ITEM,
  ...IN_GROUP,
  handler: async (d, req, tx) => {
    const v = await inThisGroup(d, tx, req);
    if (!v) return { status: 204 };
    await softDelete(d, tx, v);
    return { status: 200 };
  },
});

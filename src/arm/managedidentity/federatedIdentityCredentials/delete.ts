import { FederatedIdentityCredentials } from "../../../entra/index.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { claimFicWrite, ficWritesOnArrival, FIC_ITEM, FIC_ROUTE, parentIdentity } from "./shared.js";

/** `DELETE …/federatedIdentityCredentials/{name}`: 200, or 204 when there was nothing to delete. */
export const deleteOperation = defineOperation<ArmDeps>({
  method: "DELETE",
  path: FIC_ITEM,
  ...FIC_ROUTE,
  onArrival: ficWritesOnArrival,
  handler: async (d, req, tx) => {
    const id = await parentIdentity(d, tx, req);
    claimFicWrite(d, req, id);
    const gone = await FederatedIdentityCredentials.delete(tx, id.id, req.params.ficName!);
    return { status: gone ? 200 : 204 };
  },
});

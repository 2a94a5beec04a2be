import { FederatedIdentityCredentials } from "../../../entra/index.js";
import { ArmErrors } from "../../ArmError.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { ficBody, FIC_ITEM, FIC_ROUTE, FIC_TYPE, parentIdentity } from "./shared.js";

/** `GET …/federatedIdentityCredentials/{name}`. */
export const get = defineOperation<ArmDeps>({
  method: "GET",
  path: FIC_ITEM,
  ...FIC_ROUTE,
  handler: async (d, req, tx) => {
    const id = await parentIdentity(d, tx, req);
    const f = await FederatedIdentityCredentials.get(tx, id.id, req.params.ficName!);
    if (!f) throw ArmErrors.resourceNotFound(FIC_TYPE, `${id.name}/${req.params.ficName}`, req.params.resourceGroupName!);
    return { status: 200, body: ficBody(f) };
  },
});

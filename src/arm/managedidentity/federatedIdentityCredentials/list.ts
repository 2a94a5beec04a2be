import { FederatedIdentityCredentials } from "../../../entra/index.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { ficBody, FIC_LIST, FIC_ROUTE, parentIdentity } from "./shared.js";

/** `GET …/userAssignedIdentities/{name}/federatedIdentityCredentials`. */
export const list = defineOperation<ArmDeps>({
  method: "GET",
  path: FIC_LIST,
  ...FIC_ROUTE,
  handler: async (d, req, tx) => {
    const id = await parentIdentity(d, tx, req);
    return { status: 200, body: { value: (await FederatedIdentityCredentials.list(tx, id.id)).map(ficBody) } };
  },
});

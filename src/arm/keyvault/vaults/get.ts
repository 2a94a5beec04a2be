import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { vaultBody } from "../vaultBody.js";
import { IN_GROUP, mustGetVault, VAULT_ITEM } from "./shared.js";

/** `GET …/vaults/{name}`. */
export const get = defineOperation<ArmDeps>({
  method: "GET",
  path: VAULT_ITEM,
  ...IN_GROUP,
  handler: async (d, req, tx) => ({ status: 200, body: vaultBody(await mustGetVault(d, tx, req), d.ctx.hosts) }),
});

import { ArmErrors } from "../../ArmError.js";
import { normaliseLocation } from "../../ArmRoute.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { deletedVaultBody } from "../vaultBody.js";
import { liveDeleted } from "../vaults/shared.js";
import { DELETED_ITEM, IN_LOCATION } from "./shared.js";

/** `GET …/locations/{location}/deletedVaults/{name}`. */
export const get = defineOperation<ArmDeps>({
  method: "GET",
  path: DELETED_ITEM,
  ...IN_LOCATION,
  handler: async (d, req, tx) => {
    const del = await liveDeleted(d, tx, req.params.vaultName!, false);
    if (!del || del.vault.location !== normaliseLocation(req.params.location!)) throw ArmErrors.deletedVaultNotFound(req.params.vaultName!);
    return { status: 200, body: deletedVaultBody(del) };
  },
});

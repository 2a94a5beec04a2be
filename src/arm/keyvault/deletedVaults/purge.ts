import { ArmErrors } from "../../ArmError.js";
import { normaliseLocation } from "../../ArmRoute.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { liveDeleted, purgeVault } from "../vaults/shared.js";
import { DELETED_ITEM, IN_LOCATION } from "./shared.js";

/** `POST …/locations/{location}/deletedVaults/{name}/purge`: refused while purge protection is on. */
export const purge = defineOperation<ArmDeps>({
  method: "POST",
  path: `${DELETED_ITEM}/purge`,
  ...IN_LOCATION,
  verb: "purge",
  handler: async (d, req, tx) => {
    const del = await liveDeleted(d, tx, req.params.vaultName!, true);
    if (!del || del.vault.location !== normaliseLocation(req.params.location!)) throw ArmErrors.deletedVaultNotFound(req.params.vaultName!);
    if (del.vault.enablePurgeProtection) {
      throw ArmErrors.purgeNotAllowed().withHint(`purge protection is on for '${del.vault.name}': it is purged automatically on ${new Date(del.scheduledPurgeDate).toISOString()} (advance the lab clock to get there)`);
    }
    await purgeVault(tx, del.vault.name);
    return { status: 200 };
  },
});

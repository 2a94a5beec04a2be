import { Vaults } from "../../../keyvault/index.js";
import { ArmErrors } from "../../ArmError.js";
import { isObject } from "../../ArmRoute.js";
import { KEYVAULT_API_VERSIONS } from "../../apiVersions.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { vaultNameValid } from "../rules.js";
import { VAULT_TYPE } from "../vaultBody.js";
import { liveDeleted, SUB_BASE } from "./shared.js";

/** `POST /subscriptions/{s}/providers/Microsoft.KeyVault/checkNameAvailability`: a POST that only reads. */
export const checkNameAvailability = defineOperation<ArmDeps>({
  method: "POST",
  path: `${SUB_BASE}/checkNameAvailability`,
  type: "Microsoft.KeyVault/checkNameAvailability",
  apiVersions: KEYVAULT_API_VERSIONS,
  permission: "read",
  write: false,
  handler: async (d, req, tx) => {
    const body = isObject(req.body) ? req.body : undefined;
    if (!body || typeof body.name !== "string") throw ArmErrors.missingProperty("name");
    if (body.type !== undefined && (typeof body.type !== "string" || body.type.toLowerCase() !== VAULT_TYPE.toLowerCase())) throw ArmErrors.invalidProperty("type", body.type);
    const name = body.name;
    if (!vaultNameValid(name)) return { status: 200, body: { nameAvailable: false, reason: "AccountNameInvalid", message: ArmErrors.vaultNameNotValid(name).message } };
    if ((await Vaults.get(tx, name)) || (await liveDeleted(d, tx, name, false))) {
      return { status: 200, body: { nameAvailable: false, reason: "AlreadyExists", message: ArmErrors.vaultAlreadyExists(name).message } };
    }
    return { status: 200, body: { nameAvailable: true } };
  },
});

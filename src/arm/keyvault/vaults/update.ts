import { Vaults } from "../../../keyvault/index.js";
import { ArmErrors } from "../../ArmError.js";
import { isObject } from "../../ArmRoute.js";
import { defineOperation } from "../../operation.js";
import type { ArmDeps } from "../../deps.js";
import { applyVaultProperties } from "../vaultInput.js";
import { vaultBody } from "../vaultBody.js";
import { callerName, IN_GROUP, mustGetVault, VAULT_ITEM } from "./shared.js";

/** `PATCH …/vaults/{name}`: tags and the properties the body names. */
export const update = defineOperation<ArmDeps>({
  method: "PATCH",
  path: VAULT_ITEM,
  ...IN_GROUP,
  handler: async (d, req, tx) => {
    const v = await mustGetVault(d, tx, req);
    if (req.body !== undefined && !isObject(req.body)) throw ArmErrors.invalidRequestContent("The request content was not a JSON object");
    const body = isObject(req.body) ? req.body : {};
    if (isObject(body.tags)) v.tags = body.tags as Record<string, string>;
    if (body.properties !== undefined && !isObject(body.properties)) throw ArmErrors.invalidProperty("properties", body.properties);
    applyVaultProperties(v, isObject(body.properties) ? body.properties : {}, { create: false, full: false, previous: { ...v } });
    const who = callerName(req.caller);
    v.updatedAt = d.ctx.clock.now();
    v.updatedBy = who.by;
    v.updatedByType = who.type;
    await Vaults.put(tx, v);
    return { status: 200, body: vaultBody(v, d.ctx.hosts) };
  },
});

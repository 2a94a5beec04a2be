import { ArmErrors } from "../../ArmError.js";
import { isObject, normaliseLocation } from "../../ArmRoute.js";
import { defineOperation } from "../../operation.js";
import { resourceGroupBody, ResourceGroups, type ResourceGroupRecord } from "../ResourceGroup.js";
import { RG_ITEM, RG_NAME, RG_ROUTE, type ResourceGroupDeps } from "./shared.js";

/** `PUT /subscriptions/{s}/resourcegroups/{name}`: a group's location can't change. */
export const createOrUpdate = defineOperation<ResourceGroupDeps>({
  method: "PUT",
  path: RG_ITEM,
  ...RG_ROUTE,
  handler: async ({ ctx }, req, tx) => {
    const sub = ctx.config.subscriptionId;
    const name = req.params.resourceGroupName!;
    if (!RG_NAME.test(name) || name.endsWith(".")) throw ArmErrors.invalidResourceGroupName(name);
    const body = req.body;
    if (!isObject(body)) throw ArmErrors.emptyBody();
    if (typeof body.location !== "string" || !body.location.trim()) throw ArmErrors.locationRequired();
    const existing = await ResourceGroups.get(tx, sub, name);
    const location = normaliseLocation(body.location);
    if (existing && existing.location !== location) throw ArmErrors.resourceGroupLocationConflict(location, existing.location);
    const tags = isObject(body.tags) ? (body.tags as Record<string, string>) : undefined;
    const rg: ResourceGroupRecord = { name: existing?.name ?? name, location, ...(tags ? { tags } : {}), ...(typeof body.managedBy === "string" ? { managedBy: body.managedBy } : {}) };
    await ResourceGroups.put(tx, sub, rg);
    return { status: existing ? 200 : 201, body: resourceGroupBody(sub, rg) };
  },
});

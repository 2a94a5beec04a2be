import { Directory, FederatedIdentityCredentials } from "../../../entra/index.js";
import type { Tx } from "../../../store/index.js";
import { ArmErrors } from "../../ArmError.js";
import type { ArmRequest } from "../../ArmRoute.js";
import { MSI_API_VERSIONS } from "../../apiVersions.js";
import type { ArmDeps } from "../../deps.js";
import { UserAssignedIdentities, type UserAssignedIdentityRecord } from "../UserAssignedIdentity.js";

export const TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities";
export const BASE = "subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/Microsoft.ManagedIdentity/userAssignedIdentities";
export const ITEM = `${BASE}/{resourceName}`;
/** What every operation on a user-assigned identity in a resource group shares. */
export const IN_GROUP = { type: TYPE, apiVersions: MSI_API_VERSIONS, resourceGroupParam: "resourceGroupName" } as const;

/** The identity the request names, if it exists. */
export function findIdentity({ ctx }: ArmDeps, tx: Tx, req: ArmRequest): Promise<UserAssignedIdentityRecord | undefined> {
  return UserAssignedIdentities.get(tx, ctx.config.subscriptionId, req.params.resourceGroupName!, req.params.resourceName!);
}

/** The identity the request names, or ARM's ResourceNotFound. */
export async function mustGetIdentity(d: ArmDeps, tx: Tx, req: ArmRequest): Promise<UserAssignedIdentityRecord> {
  const r = await findIdentity(d, tx, req);
  if (!r) throw ArmErrors.resourceNotFound(TYPE, req.params.resourceName!, req.params.resourceGroupName!);
  return r;
}

/** Deletes an identity with its federated credentials and its service principal. */
export async function deleteIdentity(tx: Tx, r: UserAssignedIdentityRecord): Promise<void> {
  await FederatedIdentityCredentials.deleteAll(tx, r.id);
  await Directory.deleteServicePrincipal(tx, r.clientId);
  await UserAssignedIdentities.delete(tx, r);
}

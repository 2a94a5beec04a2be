import type { ArmRoute } from "../ArmRoute.js";
import type { ArmDeps } from "../deps.js";
import { buildRoutes, type ArmOperationSpec } from "../operation.js";
import type { ResourceGroupCascade } from "../resources/ResourceGroup.js";
import type { ResourceLister } from "../resources/genericResources/list.js";
import { UserAssignedIdentities } from "./UserAssignedIdentity.js";
import * as fic from "./federatedIdentityCredentials/index.js";
import * as uai from "./userAssignedIdentities/index.js";
import { deleteIdentity } from "./userAssignedIdentities/shared.js";

export { UserAssignedIdentities, identityId, type UserAssignedIdentityRecord } from "./UserAssignedIdentity.js";

/** Microsoft.ManagedIdentity's operations, in match order (most specific path first). */
export const managedIdentityOperations: readonly ArmOperationSpec<ArmDeps>[] = [
  fic.get,
  fic.createOrUpdate,
  fic.deleteOperation,
  fic.list,
  uai.get,
  uai.createOrUpdate,
  uai.update,
  uai.deleteOperation,
  uai.listByResourceGroup,
  uai.listBySubscription,
];

/** Deletes the identities of a deleted resource group. */
export const managedIdentityCascade: ResourceGroupCascade = async (tx, s, rg) => {
  for (const r of await UserAssignedIdentities.inResourceGroup(tx, s, rg)) await deleteIdentity(tx, r);
};

/** Microsoft.ManagedIdentity: user-assigned identities and their federated identity credentials (reference §2). */
export function managedIdentityRoutes(ctx: ArmDeps["ctx"]): { routes: ArmRoute[]; cascade: ResourceGroupCascade; resources: ResourceLister } {
  return { routes: buildRoutes(managedIdentityOperations, { ctx }), cascade: managedIdentityCascade, resources: managedIdentityResources };
}

/** The identities as ARM's generic resource list shows them. */
export const managedIdentityResources: ResourceLister = async (tx) =>
  (await UserAssignedIdentities.all(tx)).map((r) => ({ id: r.id, name: r.name, type: "Microsoft.ManagedIdentity/userAssignedIdentities", location: r.location, tags: r.tags }));

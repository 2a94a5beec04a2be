import type { ArmRoute } from "../ArmRoute.js";
import type { ArmDeps } from "../deps.js";
import { buildRoutes, type ArmOperationSpec } from "../operation.js";
import type { ResourceGroupCascade } from "../resources/ResourceGroup.js";
import type { ResourceLister } from "../resources/genericResources/list.js";
import { Vaults } from "../../keyvault/index.js";
import * as deletedVaults from "./deletedVaults/index.js";
import * as vaults from "./vaults/index.js";
import * as managedHsms from "./managedHsms/list.js";
import { softDelete } from "./vaults/shared.js";

export { vaultBody, deletedVaultBody } from "./vaultBody.js";

/** Microsoft.KeyVault's operations, in match order (most specific path first). */
export const keyVaultOperations: readonly ArmOperationSpec<ArmDeps>[] = [
  vaults.updateAccessPolicy,
  vaults.get,
  vaults.createOrUpdate,
  vaults.update,
  vaults.deleteOperation,
  vaults.listByResourceGroup,
  vaults.listBySubscription,
  deletedVaults.list,
  deletedVaults.purge,
  deletedVaults.get,
  vaults.checkNameAvailability,
  managedHsms.listByResourceGroup,
  managedHsms.listBySubscription,
  managedHsms.listDeleted,
];

/** Microsoft.KeyVault/vaults, deletedVaults, recover (createMode "recover"), purge and checkNameAvailability (reference §4.1). */
export function keyVaultRoutes(ctx: ArmDeps["ctx"]): { routes: ArmRoute[]; cascade: ResourceGroupCascade; resources: ResourceLister } {
  const deps: ArmDeps = { ctx };
  const cascade: ResourceGroupCascade = async (tx, s, rg) => {
    for (const v of await Vaults.inResourceGroup(tx, s, rg)) await softDelete(deps, tx, v);
  };
  const resources: ResourceLister = async (tx) =>
    (await Vaults.all(tx)).map((v) => ({ id: v.id, name: v.name, type: "Microsoft.KeyVault/vaults", location: v.location, tags: v.tags ?? {} }));
  return { routes: buildRoutes(keyVaultOperations, deps), cascade, resources };
}

import type { ArmRoute } from "../ArmRoute.js";
import type { LabContext } from "../../lab/context.js";
import type { ResourceGroupCascade } from "../resources/ResourceGroup.js";

/** Microsoft.KeyVault/vaults, deletedVaults, recover and purge. */
export function keyVaultRoutes(_ctx: LabContext): { routes: ArmRoute[]; cascade: ResourceGroupCascade } {
  return { routes: [], cascade: async () => undefined };
}

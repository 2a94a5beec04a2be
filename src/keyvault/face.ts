import type { FastifyInstance } from "fastify";
import type { LabContext } from "../lab/context.js";
import type { LabRecord } from "../lab/LabRecord.js";
import type { TokenService } from "../entra/index.js";

export interface KeyVaultFaceDeps {
  ctx: LabContext;
  tokens: TokenService;
  lab: () => LabRecord;
}

/** The Key Vault data plane, served on vault hosts (`<vault>.vault.localhost:<port>`, `<vault>.vault.azure.net`). */
export async function keyVaultFace(_app: FastifyInstance, _d: KeyVaultFaceDeps): Promise<void> {
  // Built out in src/keyvault (secrets, challenge, RBAC data actions).
}

import type { LabContext } from "../lab/context.js";

/** What an ARM operation's handler is given besides its request and transaction. */
export interface ArmDeps {
  ctx: LabContext;
}

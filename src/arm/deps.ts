import type { LabContext } from "../platform/index.js";

/** What an ARM operation's handler is given besides its request and transaction. */
export interface ArmDeps {
  ctx: LabContext;
}

import type { ArmCaller } from "./ArmRoute.js";

/** Who made a change, as ARM's systemData names the caller: a user's UPN, or an application's client id. */
export function callerName(c: ArmCaller): { by: string; type: string } {
  return c.claims.idtyp === "user" ? { by: c.claims.upn ?? c.oid, type: "User" } : { by: c.appid, type: "Application" };
}

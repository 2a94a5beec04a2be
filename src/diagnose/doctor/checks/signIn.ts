/**
 * Check 7: the last sign-in Entra recorded for the identity (Graph's signIn shape): its error code, reason and the
 * lab's hint. A failure older than a chain that now checks out is a warning: the next attempt should succeed.
 */
import type { SignInRecord } from "../../records.js";
import type { CheckResult, PodSnapshot } from "../types.js";
import { clientIdInUse, result } from "./common.js";

const ID = "sign-in";
const TITLE = "the last sign-in for the identity";

/** `AADSTS70021: No matching federated identity record found… (hint: …)`. */
export function describeSignIn(r: SignInRecord): string {
  const why = [r.status.failureReason, r.status.additionalDetails ? `hint: ${r.status.additionalDetails}` : undefined].filter(Boolean).join(" — ");
  return `${r.createdDateTime}: error ${r.status.errorCode}${why ? ` (${why})` : ""}, correlationId ${r.correlationId}`;
}

const CHAIN = ["pod-label", "service-account", "webhook-mutation", "token", "identity", "federated-credential"];

export function checkSignIn(s: PodSnapshot, earlier: readonly CheckResult[]): CheckResult {
  const clientId = clientIdInUse(s);
  if (!clientId) return result(ID, TITLE, "skip", "the pod sends no client id (see service-account)");
  const last = s.signIns[0];
  if (!last) return result(ID, TITLE, "warn", `Entra has no sign-in recorded for appId ${clientId} yet: the pod has not asked for a token (or asked with another client id)`);
  if (last.status.errorCode === 0) return result(ID, TITLE, "pass", `the last sign-in for appId ${clientId} succeeded at ${last.createdDateTime}${last.resourceDisplayName ? ` for ${last.resourceDisplayName}` : ""}`);
  const chainOk = CHAIN.every((id) => earlier.some((r) => r.id === id && (r.status === "pass" || r.status === "warn")));
  return result(ID, TITLE, chainOk ? "warn" : "fail", `the last sign-in for appId ${clientId} failed: ${describeSignIn(last)}${chainOk ? "; the chain checks out now, so the next attempt should succeed" : ""}`, {
    expected: "errorCode 0",
    actual: `errorCode ${last.status.errorCode}`,
  });
}

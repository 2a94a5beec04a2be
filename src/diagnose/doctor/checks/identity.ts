/**
 * Check 5: a managed identity of the subscription has the client id the pod sends. The common slip: the identity's
 * principalId (object id) in the annotation instead of its clientId; Entra answers AADSTS700016.
 */
import { CLIENT_ID_ANNOTATION } from "../../../webhook/index.js";
import type { CheckResult, PodSnapshot } from "../types.js";
import { clientIdInUse, envOf, identityByClientId, identityByPrincipalId, identityTrustingSubject, ns, recreatePod, result } from "./common.js";

const ID = "identity";
const TITLE = "the managed identity behind the client id";

export function checkIdentity(s: PodSnapshot): CheckResult {
  const clientId = clientIdInUse(s);
  if (!clientId) return result(ID, TITLE, "skip", "the pod sends no client id (see service-account)");
  const source = envOf(s.pod, "AZURE_CLIENT_ID") ? "the pod's AZURE_CLIENT_ID" : `the service account's ${CLIENT_ID_ANNOTATION}`;
  const found = identityByClientId(s, clientId);
  if (found) {
    return result(ID, TITLE, "pass", `${source} ${clientId} is the clientId of managed identity ${found.name} (resource group ${found.resourceGroup}, principalId ${found.principalId})`);
  }
  const annotate = (value: string) => `kubectl annotate serviceaccount ${s.serviceAccountName} -n ${ns(s)} ${CLIENT_ID_ANNOTATION}=${value} --overwrite && ${recreatePod(s)}`;
  const byPrincipal = identityByPrincipalId(s, clientId);
  if (byPrincipal) {
    return result(ID, TITLE, "fail", `${source} is ${clientId}, the principalId (object id) of managed identity ${byPrincipal.name}, not its clientId ${byPrincipal.clientId}: Entra answers AADSTS700016`, {
      expected: `clientId ${byPrincipal.clientId}`,
      actual: `principalId ${clientId}`,
      fix: annotate(byPrincipal.clientId),
    });
  }
  const trusted = identityTrustingSubject(s);
  return result(ID, TITLE, "fail", `no managed identity of the subscription has clientId ${clientId} (${source}): Entra answers AADSTS700016${trusted ? `; identity ${trusted.name} (clientId ${trusted.clientId}) has a credential for this service account` : ""}`, {
    expected: trusted ? `clientId ${trusted.clientId} (identity ${trusted.name})` : "the clientId of an existing managed identity",
    actual: clientId,
    fix: annotate(trusted ? trusted.clientId : "$(az identity show --name <identity> --resource-group <group> --query clientId -o tsv)"),
  });
}

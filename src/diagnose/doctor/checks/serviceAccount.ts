/**
 * Check 2: the pod's service account exists and carries `azure.workload.identity/client-id` (the webhook's only
 * source for AZURE_CLIENT_ID). Near-miss keys (`client_id`, `azure.workload.identity/clientid`, the key set as a
 * label) are named.
 */
import { CLIENT_ID_ANNOTATION } from "../../../webhook/index.js";
import type { CheckResult, PodSnapshot } from "../types.js";
import { identityTrustingSubject, ns, result } from "./common.js";

const ID = "service-account";
const TITLE = `the service account and its ${CLIENT_ID_ANNOTATION} annotation`;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const norm = (k: string) => k.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Keys that look like the client-id annotation but are not it. */
export function clientIdNearMisses(map: Record<string, string> | undefined): [string, string][] {
  return Object.entries(map ?? {}).filter(([k]) => {
    if (k === CLIENT_ID_ANNOTATION) return false;
    const n = norm(k);
    return n === norm(CLIENT_ID_ANNOTATION) || (/clientid$/.test(n) && (n.startsWith("azure") || n === "clientid"));
  });
}

export function checkServiceAccount(s: PodSnapshot): CheckResult {
  const n = ns(s);
  const sa = s.serviceAccount;
  const trusted = identityTrustingSubject(s);
  const clientIdHint = trusted ? trusted.clientId : `$(az identity show --name <identity> --resource-group <group> --query clientId -o tsv)`;
  const annotate = `kubectl annotate serviceaccount ${s.serviceAccountName} -n ${n} ${CLIENT_ID_ANNOTATION}=${clientIdHint} --overwrite`;
  if (!sa) {
    return result(ID, TITLE, "fail", `the pod runs as service account '${s.serviceAccountName}', which does not exist in namespace '${n}'`, {
      expected: `serviceaccount ${n}/${s.serviceAccountName}`,
      actual: "not found",
      fix: `kubectl create serviceaccount ${s.serviceAccountName} -n ${n} && ${annotate}`,
    });
  }
  const value = sa.metadata.annotations?.[CLIENT_ID_ANNOTATION];
  const who = `service account ${n}/${s.serviceAccountName}`;
  if (value === undefined || value === "") {
    const near = [...clientIdNearMisses(sa.metadata.annotations).map(([k, v]) => `annotation '${k}=${v}'`), ...clientIdNearMisses(sa.metadata.labels).map(([k, v]) => `label '${k}=${v}'`)];
    if (sa.metadata.labels?.[CLIENT_ID_ANNOTATION]) near.push(`label '${CLIENT_ID_ANNOTATION}=${sa.metadata.labels[CLIENT_ID_ANNOTATION]}' (it must be an annotation)`);
    const nearValue = [...clientIdNearMisses(sa.metadata.annotations), ...clientIdNearMisses(sa.metadata.labels)].map(([, v]) => v).find((v) => GUID.test(v));
    const fixValue = trusted?.clientId ?? nearValue ?? clientIdHint;
    return result(ID, TITLE, "fail", `${who} has no ${CLIENT_ID_ANNOTATION} annotation${near.length ? `; it has ${near.join(", ")}, which the webhook ignores` : value === "" ? " value (it is empty)" : ""}: the webhook injects no AZURE_CLIENT_ID`, {
      expected: `annotation ${CLIENT_ID_ANNOTATION}=<the identity's clientId>${trusted ? ` (${trusted.clientId}, identity ${trusted.name})` : ""}`,
      actual: near.length ? near.join(", ") : "no such annotation",
      fix: `kubectl annotate serviceaccount ${s.serviceAccountName} -n ${n} ${CLIENT_ID_ANNOTATION}=${fixValue} --overwrite`,
    });
  }
  if (!GUID.test(value)) {
    return result(ID, TITLE, "fail", `${who} has ${CLIENT_ID_ANNOTATION}='${value}', which is not a client id (a GUID)`, {
      expected: "a GUID: the managed identity's clientId",
      actual: value,
      fix: annotate,
    });
  }
  return result(ID, TITLE, "pass", `${who} exists with ${CLIENT_ID_ANNOTATION}=${value}`);
}

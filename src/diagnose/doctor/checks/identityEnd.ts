/**
 * `doctor identity`: the chain from the identity's end: it exists, its credentials name a lab cluster's current
 * issuer, the service accounts that name its client id are trusted, its last sign-in, its role assignments.
 */
import { describeDifferences, matchFederatedCredential } from "../../ficMatch.js";
import { CLIENT_ID_ANNOTATION } from "../../../webhook/index.js";
import type { CheckResult, IdentitySnapshot } from "../types.js";
import { ficCommand, result } from "./common.js";
import { principalText } from "./roleAssignment.js";
import { describeSignIn } from "./signIn.js";
import { checkPropagationOf } from "./propagation.js";

export function checkIdentityExists(s: IdentitySnapshot): CheckResult {
  const { name, resourceGroup } = s.query;
  const i = s.identity;
  if (!i) return result("identity", "the managed identity", "fail", `there is no managed identity ${name} in resource group ${resourceGroup}`, { expected: `identity ${name}`, actual: "not found", fix: `az identity create --name ${name} --resource-group ${resourceGroup}` });
  return result("identity", "the managed identity", "pass", `identity ${i.name}: clientId ${i.clientId} (what the service account's annotation names), principalId ${i.principalId} (what role assignments name)`);
}

/** Each credential's issuer against the lab clusters' issuers now (a changed port or host mode moves them). */
export function checkCredentialIssuers(s: IdentitySnapshot): CheckResult {
  const id = "credential-issuers";
  const title = "the federated credentials' issuers against the clusters'";
  const i = s.identity!;
  if (i.credentials.length === 0) return result(id, title, "fail", `identity ${i.name} has no federated credential: no token is trusted`, { expected: "a federated credential", actual: "none", fix: s.clusters[0] ? ficCommand("create", "kubernetes-federated-credential", i, { issuer: s.clusters[0].issuer, subject: "system:serviceaccount:<namespace>:<service account>", audiences: ["api://AzureADTokenExchange"] }) : undefined });
  const issuers = new Set(s.clusters.map((c) => c.issuer));
  for (const f of i.credentials) {
    if (issuers.has(f.issuer)) continue;
    const moved = s.clusters.find((c) => f.issuer.includes(c.clusterId));
    if (moved) {
      return result(id, title, "fail", `credential ${f.name} trusts issuer '${f.issuer}', but cluster ${moved.name}'s issuer is now '${moved.issuer}'`, {
        expected: moved.issuer,
        actual: f.issuer,
        fix: ficCommand("update", f.name, i, { issuer: moved.issuer, subject: f.subject, audiences: f.audiences }),
      });
    }
  }
  const external = i.credentials.filter((f) => !issuers.has(f.issuer));
  if (external.length) return result(id, title, "warn", `credential ${external.map((f) => `${f.name} (${f.issuer})`).join(", ")} trusts an issuer that is no lab cluster's`);
  return result(id, title, "pass", `every credential trusts a lab cluster's current issuer: ${i.credentials.map((f) => f.name).join(", ")}`);
}

/** The service accounts that name this identity, each compared with the credentials. */
export function checkServiceAccountsTrusted(s: IdentitySnapshot): CheckResult {
  const id = "service-accounts";
  const title = "the service accounts that name the identity";
  const i = s.identity!;
  const slip = s.serviceAccounts.find((sa) => sa.clientId.toLowerCase() === i.principalId.toLowerCase());
  if (slip) {
    return result(id, title, "fail", `service account ${slip.namespace}/${slip.name} in cluster ${slip.cluster} names the principalId ${i.principalId}, not the clientId ${i.clientId}`, {
      expected: i.clientId,
      actual: slip.clientId,
      fix: `kubectl annotate serviceaccount ${slip.name} -n ${slip.namespace} ${CLIENT_ID_ANNOTATION}=${i.clientId} --overwrite`,
    });
  }
  if (s.serviceAccounts.length === 0) return result(id, title, "warn", `no service account in the lab's clusters has ${CLIENT_ID_ANNOTATION}=${i.clientId}`);
  for (const sa of s.serviceAccounts) {
    const cluster = s.clusters.find((c) => c.name === sa.cluster);
    if (!cluster) continue;
    const p = { issuer: cluster.issuer, subject: `system:serviceaccount:${sa.namespace}:${sa.name}`, audiences: ["api://AzureADTokenExchange"] };
    const v = matchFederatedCredential(i.credentials, p);
    if (!v.matched) {
      return result(id, title, "fail", `no credential of ${i.name} trusts service account ${sa.namespace}/${sa.name} of cluster ${sa.cluster}${v.nearest ? `; nearest: ${v.nearest.name}, ${describeDifferences(v.differences)}` : ""}`, {
        expected: `issuer=${p.issuer}; subject=${p.subject}`,
        actual: v.nearest ? `issuer=${v.nearest.issuer}; subject=${v.nearest.subject}; audiences=${v.nearest.audiences.join(",")}` : "no credentials",
        fix: ficCommand(v.nearest ? "update" : "create", v.nearest?.name ?? `${sa.name}-federated-credential`, i, p),
      });
    }
  }
  return result(id, title, "pass", `trusted: ${s.serviceAccounts.map((sa) => `${sa.cluster}:${sa.namespace}/${sa.name}`).join(", ")}`);
}

export function checkIdentitySignIn(s: IdentitySnapshot): CheckResult {
  const last = s.signIns[0];
  const i = s.identity!;
  if (!last) return result("sign-in", "the last sign-in", "warn", `Entra has no sign-in recorded for appId ${i.clientId}`);
  if (last.status.errorCode === 0) return result("sign-in", "the last sign-in", "pass", `the last sign-in succeeded at ${last.createdDateTime}`);
  return result("sign-in", "the last sign-in", "fail", `the last sign-in failed: ${describeSignIn(last)}`, { expected: "errorCode 0", actual: `errorCode ${last.status.errorCode}` });
}

export function checkIdentityRoles(s: IdentitySnapshot): CheckResult {
  const id = "role-assignments";
  const title = "the identity's role assignments";
  const i = s.identity!;
  const toClientId = s.roleAssignments.filter((a) => a.principalId.toLowerCase() === i.clientId.toLowerCase());
  if (toClientId.length) {
    const a = toClientId[0]!;
    return result(id, title, "fail", `a role assignment at ${a.scope} names ${principalText({ identities: [i], principalNames: {} }, a.principalId)}`, {
      expected: `principalId ${i.principalId}`,
      actual: `principalId ${a.principalId}`,
      fix: `az role assignment create --assignee-object-id ${i.principalId} --role ${a.roleDefinitionId.split("/").pop()} --scope '${a.scope}' --assignee-principal-type ServicePrincipal`,
    });
  }
  const mine = s.roleAssignments.filter((a) => a.principalId.toLowerCase() === i.principalId.toLowerCase());
  if (mine.length === 0) return result(id, title, "warn", `no role is assigned to ${i.name}'s principal ${i.principalId}`);
  return result(id, title, "pass", `${mine.length} assignment(s): ${mine.map((a) => a.scope).join(", ")}`);
}

export function checkIdentityPropagation(s: IdentitySnapshot): CheckResult {
  const i = s.identity!;
  return checkPropagationOf(s.now, s.propagation, i.credentials, s.roleAssignments.filter((a) => a.principalId.toLowerCase() === i.principalId.toLowerCase()));
}

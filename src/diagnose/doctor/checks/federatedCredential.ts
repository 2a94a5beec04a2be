/**
 * Check 6: the identity's federated credentials compared exactly with what the pod's token presents (Entra's rules:
 * issuer and subject case-sensitive, one audience in common), with the nearest miss and each differing value.
 */
import { describeDifferences, matchFederatedCredential, refusalCode } from "../../ficMatch.js";
import type { CheckResult, PodSnapshot } from "../types.js";
import { clientIdInUse, ficCommand, identityByClientId, presentedClaims, result } from "./common.js";

const ID = "federated-credential";
const TITLE = "the federated credentials, compared exactly";

export function checkFederatedCredential(s: PodSnapshot): CheckResult {
  const identity = identityByClientId(s, clientIdInUse(s));
  if (!identity) return result(ID, TITLE, "skip", "no identity to compare with (see identity)");
  const p = presentedClaims(s);
  const presented = `issuer '${p.issuer}', subject '${p.subject}', audience '${p.audiences.join(",")}'`;
  const v = matchFederatedCredential(identity.credentials, p);
  if (v.matched) return result(ID, TITLE, "pass", `credential ${v.credential.name} of ${identity.name} trusts the token: ${presented}`);
  if (!v.nearest) {
    return result(ID, TITLE, "fail", `identity ${identity.name} has no federated credential: Entra answers ${refusalCode(identity.credentials, p)} for the token (${presented})`, {
      expected: `a credential with ${presented}`,
      actual: "no credentials",
      fix: ficCommand("create", `${s.serviceAccountName}-federated-credential`, identity, p),
    });
  }
  const others = s.identities.filter((i) => i !== identity && i.credentials.some((c) => c.issuer === p.issuer && c.subject === p.subject));
  const elsewhere = others.length ? `; identity ${others.map((i) => i.name).join(", ")} trusts this subject, but the pod uses ${identity.name}` : "";
  return result(ID, TITLE, "fail", `no credential of ${identity.name} matches the token (Entra answers ${refusalCode(identity.credentials, p)}); nearest: ${v.nearest.name}, ${describeDifferences(v.differences)}${elsewhere}`, {
    // The token is what it is: the credential must trust its values.
    expected: v.differences.map((d) => `${d.field}=${d.presented} (the token's)`).join("; "),
    actual: v.differences.map((d) => `${d.field}=${d.expected} (credential ${v.nearest!.name})`).join("; "),
    fix: ficCommand("update", v.nearest.name, identity, p),
  });
}

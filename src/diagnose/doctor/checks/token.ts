/**
 * Check 4: the service-account token the pod gets (issued as the kubelet asks for it: the projected audience and
 * expiry, bound to the pod) against the cluster's published issuer and keys, and against the issuers the identity's
 * federated credentials trust. "The issuer changed" shows here: tokens carry the cluster's issuer now, the
 * credential still trusts the old one.
 */
import type { CheckResult, PodSnapshot } from "../types.js";
import { clientIdInUse, ficCommand, identityByClientId, projectedToken, result, subjectOf } from "./common.js";

const ID = "token";
const TITLE = "the token's claims against the cluster's issuer and keys";

export function checkToken(s: PodSnapshot): CheckResult {
  const c = s.cluster;
  if (!c.oidcIssuerEnabled) {
    return result(ID, TITLE, "fail", `cluster ${c.name} has no OIDC issuer: Entra cannot fetch keys to verify its tokens`, {
      expected: "oidcIssuerEnabled=true",
      actual: "oidcIssuerEnabled=false",
      fix: `az aksarc update --name ${c.name} --resource-group ${c.resourceGroup} --enable-oidc-issuer`,
    });
  }
  if (s.issuerFault) {
    return result(ID, TITLE, "fail", `an injected fault (${s.issuerFault.id}) makes the issuer ${c.issuer} unreachable: Entra answers AADSTS50166`, {
      expected: `${c.issuer}.well-known/openid-configuration reachable`,
      actual: "unreachable (fault)",
      fix: `wilab fault clear ${s.issuerFault.id}`,
    });
  }
  const t = s.token;
  if (!t) return result(ID, TITLE, "skip", "no token could be issued for the pod (see service-account)");
  const problems: { what: string; expected: string; actual: string }[] = [];
  if (t.iss !== c.issuer) problems.push({ what: "iss", expected: c.issuer, actual: t.iss });
  if (!t.publishedKids.includes(t.kid)) problems.push({ what: "kid", expected: `one of ${t.publishedKids.join(", ")}`, actual: t.kid });
  else if (!t.verified) problems.push({ what: "signature", expected: "valid with the published key", actual: "invalid" });
  if (t.sub !== subjectOf(s)) problems.push({ what: "sub", expected: subjectOf(s), actual: t.sub });
  const projected = projectedToken(s.pod);
  if (projected?.audience && !t.aud.includes(projected.audience)) problems.push({ what: "aud", expected: projected.audience, actual: t.aud.join(",") });
  if (problems.length) {
    return result(ID, TITLE, "fail", `the token does not verify against cluster ${c.name}'s issuer: ${problems.map((p) => `${p.what} is '${p.actual}', expected '${p.expected}'`).join("; ")}`, {
      expected: problems.map((p) => `${p.what}=${p.expected}`).join("; "),
      actual: problems.map((p) => `${p.what}=${p.actual}`).join("; "),
    });
  }
  const claims = `iss=${t.iss}, sub=${t.sub}, aud=${t.aud.join(",")}, lifetime ${t.exp - t.iat}s, kid ${t.kid} published`;
  const identity = identityByClientId(s, clientIdInUse(s));
  const trusted = identity ? [...new Set(identity.credentials.map((f) => f.issuer))] : [];
  if (identity && trusted.length && !trusted.includes(t.iss)) {
    const fic = identity.credentials.find((f) => f.subject === t.sub) ?? identity.credentials[0]!;
    return result(ID, TITLE, "fail", `the cluster's tokens carry issuer '${t.iss}', but identity ${identity.name}'s federated credentials trust only ${trusted.map((i) => `'${i}'`).join(", ")}: the issuer changed (lab mode or port) or the credential names another cluster`, {
      expected: `an issuer trusted by ${identity.name}: ${trusted.join(", ")}`,
      actual: `iss=${t.iss}`,
      fix: ficCommand("update", fic.name, identity, { issuer: t.iss, subject: fic.subject, audiences: fic.audiences }),
    });
  }
  return result(ID, TITLE, "pass", `a token for the pod verifies against the cluster's published issuer and keys: ${claims}`);
}

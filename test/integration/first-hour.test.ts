// The acceptance test of issue 8 ("the first hour"), the Entra and Key Vault side: the pod of the upstream quick-start
// image, which the kubelet runs as a local process with the real @azure/identity and @azure/keyvault-secrets, with the
// chain broken in the federated credential (the wrong subject namespace, a trailing slash on the audience, the issuer
// changed) or in the role assignment (the wrong principal, the wrong scope). For each break the pod is made again with
// real kubectl and fails in its own log; `wilab doctor pod` (the CLI binary) exits 1 naming both differing values and
// a fix; the lab log shows the failure; the sign-in log read over Microsoft Graph (a token from `az account
// get-access-token`, as `az rest` does) holds the record with Entra's errorCode; `kubectl describe` shows the events;
// the printed fix is run as printed (the az shim), a new pod reads the secret, and the doctor passes.
// The cluster side (annotation, label, Deployment) is in first-hour-kube.test.ts; the setup in test/helpers/firstHour.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { AUDIENCE, FIC, IDENTITY, POD, RG, SA, SECRETS_USER, SUBJECT, assignmentsOf, auditSince, authz, byId, cluster, describeShows, doctor, dump, failing, identity, k, lab, logUntil, logged, mark, other, podManifest, readsTheSecretAndPasses, recreatePod, restoreChain, roleDef, runFix, setCredential, signInsSince, vaultId, useFirstHourLab } from "../helpers/firstHour.js";

useFirstHourLab();

test("the whole chain: the pod reads the secret, the doctor passes, the sign-in succeeded, kubectl describe shows the pod's events", async () => {
  await restoreChain();
  await k("apply", "-f", podManifest({ label: true }));
  await readsTheSecretAndPasses();
  const events = await describeShows(POD, ["Scheduled", "Pulled", "Created", "Started"]);
  assert.match(events, /Normal +Scheduled .*Successfully assigned default\/quick-start to wilab-node/);
  assert.doesNotMatch(events, /Warning/);
});

interface FicBreak {
  title: string;
  credential: () => { issuer?: string; subject?: string; audience?: string };
  code: number;
  field: "issuer" | "subject" | "audience";
  /** The value the credential trusts, and the one the pod's token presents. */
  trusted: () => string;
  presented: () => string;
  /** The failing checks, the first naming both values. */
  failing: string[];
}

const issuerNow = () => lab.kube.issuerUrl(cluster.record);
/** The issuer as it was when the lab listened on another port (a recreated cluster or lab: the same slip). */
const issuerBefore = () => issuerNow().replace(`:${lab.port}/`, `:${lab.port === 8443 ? 9443 : 8443}/`);
const DEV_SUBJECT = `system:serviceaccount:dev:${SA}`;

const FIC_BREAKS: FicBreak[] = [
  {
    title: "the wrong subject namespace",
    credential: () => ({ subject: DEV_SUBJECT }),
    code: 700213,
    field: "subject",
    trusted: () => DEV_SUBJECT,
    presented: () => SUBJECT,
    failing: ["federated-credential", "sign-in"],
  },
  {
    title: "a trailing slash on the audience",
    credential: () => ({ audience: `${AUDIENCE}/` }),
    code: 700212,
    field: "audience",
    trusted: () => `${AUDIENCE}/`,
    presented: () => AUDIENCE,
    failing: ["federated-credential", "sign-in"],
  },
  {
    title: "the webhook's issuer changed (the credential trusts the issuer of the lab on its old port)",
    credential: () => ({ issuer: issuerBefore() }),
    code: 700211,
    field: "issuer",
    trusted: issuerBefore,
    presented: issuerNow,
    failing: ["token", "federated-credential", "sign-in"],
  },
];

for (const b of FIC_BREAKS) {
  test(`${b.title}: AADSTS${b.code} in the pod's log, the doctor names both values, the lab log, the sign-in over Graph and the events show it; the printed fix works`, async () => {
    await restoreChain();
    const m = mark();
    await setCredential(b.credential());
    await recreatePod();

    const logs = await logUntil(POD, /failed to get secret|successfully got secret/);
    assert.match(logs, new RegExp(`AADSTS${b.code}: No matching federated identity record found for presented assertion ${b.field} '${b.presented()}'`), logs);
    assert.doesNotMatch(logs, /successfully got secret/);

    // The doctor: exit 1, the credential's value and the token's named, with the fix.
    const { code, report } = await doctor(POD);
    assert.equal(code, 1, dump(report));
    assert.deepEqual(failing(report), b.failing, dump(report));
    const f = byId(report, "federated-credential");
    assert.equal(f.expected, `${b.field}=${b.presented()} (the token's)`);
    assert.equal(f.actual, `${b.field}=${b.trusted()} (credential ${FIC})`);
    assert.ok(f.detail.includes(`(Entra answers AADSTS${b.code});`), `the doctor names the code Entra answered: ${f.detail}`);
    const fix = `az identity federated-credential update --name ${FIC} --identity-name ${IDENTITY} --resource-group ${RG} --issuer ${issuerNow()} --subject ${SUBJECT} --audiences ${AUDIENCE}`;
    assert.equal(f.fix, fix);
    if (b.field === "issuer") {
      const t = byId(report, "token");
      assert.equal(t.actual, `iss=${issuerNow()}`);
      assert.equal(t.expected, `an issuer trusted by ${IDENTITY}: ${issuerBefore()}`);
      assert.equal(t.fix, fix);
    }
    const s = byId(report, "sign-in");
    assert.equal(s.expected, "errorCode 0");
    assert.equal(s.actual, `errorCode ${b.code}`);

    // The lab log: Entra's refusal, with the caller and the hint.
    const line = await logged(m.from, `AADSTS${b.code}`, (l) => l.face === "entra" && l.code === `AADSTS${b.code}`);
    assert.equal(line.level, "warn");
    assert.equal(line.status, 401);
    assert.equal(line.caller?.clientId, identity.clientId);
    assert.equal(line.fields?.[b.field], b.presented());
    assert.ok(line.hint, "the wilab hint");

    // The sign-in log over Graph: the failure with Entra's errorCode, the credential that came nearest.
    const signIns = await signInsSince(m.since);
    assert.ok(signIns.length >= 1, "a sign-in since the break");
    assert.ok(signIns.every((r) => r.status.errorCode === b.code), JSON.stringify(signIns, null, 1));
    const [last] = signIns;
    assert.match(last!.status.failureReason ?? "", new RegExp(`presented assertion ${b.field} '${b.presented()}'`));
    assert.equal(last!.federatedCredential?.name, FIC);
    assert.equal(last!.federatedCredential?.matched, false);
    assert.deepEqual(last!.federatedCredential?.differences, [{ field: b.field, expected: b.trusted(), presented: b.presented() }]);

    // kubectl describe: the kubelet's events and wilab's warning naming both values and Entra's answer.
    const events = await describeShows(POD, ["Scheduled", "Pulled", "Created", "Started", "WorkloadIdentityNoFederatedCredential"]);
    assert.match(events, /Warning +WorkloadIdentityNoFederatedCredential/);
    assert.ok(events.includes(`Entra will answer AADSTS${b.code}`), events);
    assert.ok(events.includes(`${b.field}: credential has '${b.trusted()}', the pod presents '${b.presented()}'`), events);
    const warned = await logged(m.from, "the warning", (l) => l.face === "kubelet" && l.code === "WorkloadIdentityNoFederatedCredential");
    assert.equal(warned.fields?.pod, `default/${POD}`);

    // The fix as printed; a new pod reads the secret; the doctor passes.
    await runFix(fix);
    await recreatePod();
    await readsTheSecretAndPasses();
  });
}

interface RoleBreak {
  title: string;
  /** Gives the role somewhere it does not count; answers the doctor's expected and actual values. */
  misassign: () => Promise<{ expected: string; actual: string }>;
}

const ROLE_BREAKS: RoleBreak[] = [
  {
    title: "the role given to the wrong principal",
    misassign: async () => {
      await authz().roleAssignments.create(vaultId, randomUUID(), { roleDefinitionId: roleDef(SECRETS_USER), principalId: other.principalId, principalType: "ServicePrincipal" });
      return { expected: `principalId ${identity.principalId} (identity ${IDENTITY})`, actual: `principalId ${other.principalId}` };
    },
  },
  {
    title: "a role at the wrong scope",
    misassign: async () => {
      const elsewhere = `/subscriptions/${lab.subscriptionId}/resourceGroups/rg-elsewhere`;
      await authz().roleAssignments.create(elsewhere, randomUUID(), { roleDefinitionId: roleDef(SECRETS_USER), principalId: identity.principalId, principalType: "ServicePrincipal" });
      return { expected: `a scope containing ${vaultId}/secrets/my-secret`, actual: `scope ${elsewhere}` };
    },
  },
];

for (const b of ROLE_BREAKS) {
  test(`${b.title}: the sign-in succeeds, Key Vault answers 403 ForbiddenByRbac (pod log, lab log, audit event), the doctor names both values; the printed fix works`, async () => {
    await restoreChain();
    for (const a of await assignmentsOf(identity.principalId)) await authz().roleAssignments.deleteById(a.id);
    const want = await b.misassign();
    const m = mark();
    await recreatePod();

    const logs = await logUntil(POD, /failed to get secret|successfully got secret/);
    assert.match(logs, /failed to get secret from keyvault, err: Caller is not authorized to perform action on resource/, logs);
    assert.doesNotMatch(logs, /successfully got secret/);

    const { code, report } = await doctor(POD);
    assert.equal(code, 1, dump(report));
    assert.deepEqual(failing(report), ["role-assignment"], dump(report));
    const ra = byId(report, "role-assignment");
    assert.equal(ra.expected, want.expected);
    assert.equal(ra.actual, want.actual);
    const fix = `az role assignment create --assignee-object-id ${identity.principalId} --role 'Key Vault Secrets User' --scope ${vaultId} --assignee-principal-type ServicePrincipal`;
    assert.equal(ra.fix, fix);

    // Entra let the pod in: every sign-in since the break succeeded.
    const signIns = await signInsSince(m.since);
    assert.ok(signIns.length >= 1, "a sign-in since the break");
    assert.ok(signIns.every((r) => r.status.errorCode === 0), JSON.stringify(signIns, null, 1));
    // Key Vault did not: the lab log and the audit log say so, and name the caller.
    const line = await logged(m.from, "Key Vault's 403", (l) => l.face === "keyvault" && l.status === 403);
    assert.equal(line.code, "ForbiddenByRbac");
    assert.equal(line.op, "SecretGet");
    assert.equal(line.caller?.objectId, identity.principalId);
    assert.match(line.hint ?? "", /Key Vault Secrets User/);
    const denied = (await auditSince(m.since)).filter((e) => e.operationName === "SecretGet" && e.resultSignature === "Forbidden");
    assert.ok(denied.length >= 1);
    assert.equal(denied[0]!.properties.httpStatusCode, 403);
    assert.equal(denied[0]!.identity.claim.appid, identity.clientId);
    assert.equal(denied[0]!.authorization?.roleAssignmentId, undefined);

    // The cluster side is sound: the kubelet's events, no workload identity warning.
    const events = await describeShows(POD, ["Scheduled", "Pulled", "Created", "Started"]);
    assert.doesNotMatch(events, /WorkloadIdentity/);

    await runFix(fix);
    await recreatePod();
    await readsTheSecretAndPasses();
    const allowed = (await auditSince(m.since)).find((e) => e.operationName === "SecretGet" && e.resultSignature === "OK");
    assert.ok(allowed?.authorization?.roleAssignmentId, "the audit event names the assignment that allowed it");
  });
}

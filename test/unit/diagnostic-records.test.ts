import { test } from "node:test";
import assert from "node:assert/strict";
import { SqliteStore, type Store } from "../../src/store/index.js";
import { AuditEvents, DiagnosticRecords, MAX_RECORDS, SignIns, type AuditEventRecord, type SignInRecord } from "../../src/diagnose/index.js";
import { Hosts } from "../../src/lab/context.js";
import { signInLogEntry, signInRecord, type SignInAttempt } from "../../src/entra/index.js";
import { auditEvent, auditLogEntry, type KvRequestFacts } from "../../src/keyvault/audit.js";
import { auditRecord } from "../helpers/records.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");

function signIn(i: number, appId = "app-a"): SignInRecord {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    createdDateTime: new Date(T0 + i).toISOString(),
    appId,
    correlationId: `c-${i}`,
    clientCredentialType: "clientSecret",
    signInEventTypes: ["servicePrincipal"],
    isInteractive: false,
    status: { errorCode: 0 },
  };
}

const audit = (i: number): AuditEventRecord => auditRecord(`a-${i}`, T0 + i, `c-${i}`);

/** A store that counts its write transactions (and can be made to fail them). */
function counting(store: Store): Store & { writes: number; fail: boolean } {
  const s = {
    writes: 0,
    fail: false,
    description: store.description,
    read: store.read.bind(store),
    write<T>(fn: Parameters<Store["write"]>[0]): Promise<T> {
      s.writes++;
      if (s.fail) return Promise.reject(new Error("disk full"));
      return store.write(fn) as Promise<T>;
    },
    close: () => store.close(),
  };
  return s as Store & { writes: number; fail: boolean };
}

test("recorder: records handed over are committed in groups and visible after flush()", async () => {
  const store = counting(new SqliteStore(":memory:"));
  const rec = new DiagnosticRecords(store, { now: () => T0, onError: (e) => assert.fail(e), maxPending: 256, delayMs: 5 });
  for (let i = 0; i < 300; i++) rec.addSignIn(signIn(i));
  rec.addAuditEvent("KV1", audit(1));
  assert.equal(store.writes, 1, "the first 256 are committed at once");
  await rec.flush();
  assert.equal(store.writes, 2, "the other 45 in one more transaction");
  assert.equal(rec.pending, 0);
  const rows = await store.read((tx) => SignIns.list(tx, { appId: "APP-A" }));
  assert.equal(rows.length, 300);
  assert.equal(rows[0]!.id, signIn(299).id, "newest first");
  assert.deepEqual((await store.read((tx) => AuditEvents.list(tx, { vault: "kv1" }))).map((e) => e.id), ["a-1"]);
  // A timer commits a lone record without a flush.
  rec.addSignIn(signIn(1000, "app-b"));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(store.writes, 3);
  assert.equal((await store.read((tx) => SignIns.list(tx, { appId: "app-b" }))).length, 1);
  await rec.close();
  rec.addSignIn(signIn(2000, "app-c"));
  assert.equal(rec.pending, 0, "a closed recorder takes no more");
  await store.close();
});

test("recorder: a failed commit is reported, never thrown; the count stays bounded across large groups", async () => {
  const store = counting(new SqliteStore(":memory:"));
  const errors: string[] = [];
  const rec = new DiagnosticRecords(store, { now: () => T0, onError: (e) => errors.push(e.message), maxPending: 1000 });
  store.fail = true;
  rec.addSignIn(signIn(1));
  await rec.flush();
  assert.deepEqual(errors, ["disk full"]);
  store.fail = false;
  for (let i = 0; i < MAX_RECORDS + 700; i++) rec.addSignIn(signIn(i));
  await rec.flush();
  const n = await store.read((tx) => tx.count("diag:signIn"));
  assert.ok(n <= MAX_RECORDS, `${n} records kept`);
  const newest = await store.read((tx) => SignIns.list(tx, { top: 1 }));
  assert.equal(newest[0]!.id, signIn(MAX_RECORDS + 699).id, "pruning removes the oldest");
  await rec.close();
  await store.close();
});

const hosts = new Hosts("local", 8443);

test("signInRecord: Graph's signIn shape for a federated failure, a secret success and a password grant", () => {
  const mi = { objectId: "oid-mi", appId: "cid-mi", displayName: "app-id", servicePrincipalType: "ManagedIdentity" as const, miResourceId: "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/app-id" };
  const fed: SignInAttempt = {
    correlationId: "corr",
    clientId: "cid-mi",
    sp: mi,
    resource: "https://vault.azure.net",
    credentialType: "federatedIdentityCredential",
    assertion: { issuer: "https://issuer", subject: "system:serviceaccount:prod:app", audiences: ["api://AzureADTokenExchange"], tokenId: "jti-1" },
    credential: { name: "fic", matched: false, differences: [{ field: "subject", expected: "system:serviceaccount:default:app", presented: "system:serviceaccount:prod:app" }] },
  };
  const r = signInRecord({ hosts }, fed, { errorCode: 700213, failureReason: "No matching…", hint: "subject: …", status: 401 }, "id-1", T0);
  assert.equal(r.createdDateTime, "2026-01-01T00:00:00.000Z");
  assert.deepEqual(r.status, { errorCode: 700213, failureReason: "No matching…", additionalDetails: "subject: …" });
  assert.deepEqual(r.signInEventTypes, ["managedIdentity"]);
  assert.deepEqual(r.managedServiceIdentity, { msiType: "userAssigned", associatedResourceId: mi.miResourceId, federatedTokenId: "jti-1", federatedTokenIssuer: "https://issuer" });
  assert.deepEqual([r.resourceId, r.resourceDisplayName], ["cfa8b339-82a2-471a-a3c9-0fc0be7a4093", "Azure Key Vault"]);
  assert.equal(r.federatedCredential?.differences?.[0]?.field, "subject");
  const line = signInLogEntry(fed, { errorCode: 700213, hint: "subject: …", status: 401 });
  assert.deepEqual([line.level, line.face, line.op, line.status, line.code], ["warn", "entra", "token", 401, "AADSTS700213"]);
  assert.deepEqual(line.fields, { resource: "https://vault.azure.net", credential: "federatedIdentityCredential", issuer: "https://issuer", subject: "system:serviceaccount:prod:app", audience: "api://AzureADTokenExchange", fic: "fic (nearest)" });

  const app = { objectId: "oid-app", appId: "cid-app", displayName: "wilab-admin", servicePrincipalType: "Application" as const };
  const ok = signInRecord({ hosts }, { correlationId: "c", clientId: "cid-app", sp: app, resource: "https://localhost:8443", credentialType: "clientSecret" }, { errorCode: 0, status: 200 }, "id-2", T0);
  assert.deepEqual(ok.status, { errorCode: 0 });
  assert.deepEqual(ok.signInEventTypes, ["servicePrincipal"]);
  assert.equal(ok.managedServiceIdentity, undefined);
  assert.equal(ok.resourceDisplayName, "Windows Azure Service Management API");
  assert.equal(signInLogEntry({ correlationId: "c", sp: app, credentialType: "clientSecret" }, { errorCode: 0, status: 200 }).level, "info");

  const user = { objectId: "oid-u", userPrincipalName: "admin@wilab.onmicrosoft.com", displayName: "admin", passwordSha256: "x" };
  const pw = signInRecord({ hosts }, { correlationId: "c", clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", user, resource: "https://graph.microsoft.com", credentialType: "none" }, { errorCode: 0, status: 200 }, "id-3", T0);
  assert.deepEqual([pw.userPrincipalName, pw.userId, pw.appDisplayName, pw.isInteractive], [user.userPrincipalName, "oid-u", "Microsoft Azure CLI", true]);
  assert.equal(pw.resourceId, "00000003-0000-0000-c000-000000000000");
});

test("auditEvent: Azure Monitor's AuditEvent and the lab log line, for an allowed request, a 403 and a 401", () => {
  const base: KvRequestFacts = {
    operationName: "SecretGet",
    vaultName: "kv1",
    requestUri: "https://kv1.vault.azure.net/secrets/x?api-version=7.5",
    apiVersion: "7.5",
    callerIpAddress: "127.0.0.1",
    correlationId: "corr",
    httpStatusCode: 200,
    durationMs: 3,
    tokenPresented: true,
  };
  const claims = { oid: "oid-1", appid: "app-1", tid: "t", iss: "i", aud: "a", appidacr: "2", idtyp: "app" as const, ver: "1.0" as const };
  const ok = auditEvent({ ...base, claims, authorization: { model: "rbac", roleAssignmentId: "/x/providers/Microsoft.Authorization/roleAssignments/r1", roleDefinitionName: "Key Vault Secrets User" } }, "e1", T0);
  assert.deepEqual([ok.resultType, ok.resultSignature, ok.properties.httpStatusCode, ok.properties.isRbacAuthorized], ["Success", "OK", 200, true]);
  assert.deepEqual(ok.identity.claim, { oid: "oid-1", appid: "app-1", "http://schemas.microsoft.com/identity/claims/objectidentifier": "oid-1" });
  assert.equal(auditLogEntry({ ...base, claims }).level, "debug");

  const denied = { ...base, claims, httpStatusCode: 403, errorCode: "ForbiddenByRbac", errorMessage: "Caller is not authorized…", hint: "no role", authorization: { model: "rbac" as const, deniedReason: "no role" } };
  const d = auditEvent(denied, "e2", T0);
  assert.deepEqual([d.resultType, d.resultSignature, d.resultDescription, d.properties.isRbacAuthorized], ["Failure", "Forbidden", "Caller is not authorized…", false]);
  const line = auditLogEntry(denied);
  assert.deepEqual([line.level, line.face, line.op, line.status, line.code, line.caller?.objectId, line.hint], ["warn", "keyvault", "SecretGet", 403, "ForbiddenByRbac", "oid-1", "no role"]);

  const challenge = auditEvent({ ...base, httpStatusCode: 401, errorCode: "Unauthorized", tokenPresented: false }, "e3", T0);
  assert.equal(auditLogEntry({ ...base, httpStatusCode: 401, errorCode: "Unauthorized", tokenPresented: false }).level, "debug", "the SDKs' challenge request is no failure");
  assert.equal(auditLogEntry({ ...base, httpStatusCode: 401, errorCode: "Unauthorized", tokenPresented: true }).level, "warn", "a token refused is");
  assert.deepEqual([challenge.resultSignature, challenge.identity.claim, challenge.authorization?.deniedReason], ["Unauthorized", {}, "the request was not authenticated"]);
});

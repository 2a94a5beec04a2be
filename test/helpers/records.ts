// A Key Vault AuditEvent record for the diagnostic store's tests (no tests of its own).
import type { AuditEventRecord } from "../../src/diagnose/index.js";

/** A successful SecretGet on vault kv1 at `time` (lab-clock ms), with the given id. */
export function auditRecord(id: string, time: number, correlationId = `c-${id}`): AuditEventRecord {
  return {
    id,
    time: new Date(time).toISOString(),
    resourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1",
    operationName: "SecretGet",
    operationVersion: "7.5",
    category: "AuditEvent",
    resultType: "Success",
    resultSignature: "OK",
    durationMs: 1,
    callerIpAddress: "127.0.0.1",
    correlationId,
    identity: { claim: { oid: "o" } },
    properties: { httpStatusCode: 200, requestUri: "https://kv1.vault.azure.net/secrets/x" },
  };
}

export type { SignInRecord, AuditEventRecord } from "./records.js";
export { SignIns, AuditEvents, RETENTION_MS, MAX_RECORDS, type SignInQuery, type AuditQuery } from "./store.js";
export { matchFederatedCredential, ficDifferences, describeDifferences, refusalCode, type FicLike, type PresentedClaims, type FicDifference, type FicVerdict, type FicField, type FederatedTrustAnswer } from "./ficMatch.js";
export { diagnoseRoutes, type DiagnoseRouteDeps } from "./routes.js";
export { DiagnosticRecords, type RecorderOptions } from "./recorder.js";

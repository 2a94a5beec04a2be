// The shapes /portal/api answers: the server's own types (type-only imports, erased from the bundle).
export type { CheckResult, CheckStatus } from "../../src/diagnose/doctor/types.js";
export type { ChainNode, ChainEdge, ChainAction, ChainGraph } from "../../src/portal/chain.js";
export type { WorkloadRow, MatchRow } from "../../src/portal/views.js";
export type { SignInRecord as SignIn, AuditEventRecord as AuditEvent } from "../../src/diagnose/records.js";

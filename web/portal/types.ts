// The shapes /portal/api answers (see src/portal/views.ts and chain.ts).
export type CheckStatus = "pass" | "fail" | "warn" | "skip";
export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  expected?: string;
  actual?: string;
  fix?: string;
}
export interface ChainNode {
  id: string;
  label: string;
  details: Record<string, string>;
}
export interface ChainEdge {
  from: string;
  to: string;
  status: CheckStatus;
  checks: CheckResult[];
}
export type ChainAction =
  | { kind: "addFederatedCredential"; identityId: string; identityName: string; name: string; issuer: string; subject: string; audience: string }
  | { kind: "assignRole"; principalId: string; principalName: string; scope: string; roleDefinitionId: string; roleName: string };
export interface ChainGraph {
  target: string;
  ok: boolean;
  nodes: ChainNode[];
  edges: ChainEdge[];
  actions: ChainAction[];
}
export interface WorkloadRow {
  cluster: string;
  resourceGroup: string;
  namespace: string;
  pod: string;
  phase: string;
  ok: boolean;
  failing: string[];
  warnings: string[];
}
export interface SignIn {
  id: string;
  createdDateTime: string;
  appId: string;
  appDisplayName?: string;
  servicePrincipalName?: string;
  userPrincipalName?: string;
  resourceDisplayName?: string;
  clientCredentialType: string;
  status: { errorCode: number; failureReason?: string; additionalDetails?: string };
  federatedAssertion?: { issuer?: string; subject?: string; audiences?: string[] };
  federatedCredential?: { name: string; matched: boolean; differences?: { field: string; expected: string; presented: string }[] };
}
export interface AuditEvent {
  id: string;
  time: string;
  resourceId: string;
  operationName: string;
  resultSignature: string;
  callerIpAddress: string;
  identity: { claim: { oid?: string; appid?: string; upn?: string } };
  properties: { httpStatusCode: number; requestUri: string };
  authorization?: { model: string; deniedReason?: string };
}
export interface MatchRow {
  identity: string;
  resourceGroup: string;
  credential: string;
  matches: boolean;
  differences: { field: string; expected: string; presented: string }[];
  summary: string;
}

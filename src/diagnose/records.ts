/**
 * The records a user of Azure would look for, kept by the lab: Entra sign-ins (Microsoft Graph's beta `signIn`
 * resource) and Key Vault audit events (Azure Monitor's `AuditEvent`). Written right after the request's
 * outcome is known, on a path that can never fail the request; retained 30 days on the lab clock, bounded in count.
 */
export interface SignInRecord {
  id: string;
  createdDateTime: string;
  appId: string;
  appDisplayName?: string;
  servicePrincipalId?: string;
  servicePrincipalName?: string;
  userPrincipalName?: string;
  userId?: string;
  resourceId?: string;
  resourceDisplayName?: string;
  ipAddress?: string;
  correlationId: string;
  /** `clientSecret`, `federatedIdentityCredential`, `none` (password) … */
  clientCredentialType: string;
  /** `servicePrincipal`, `managedIdentity`, `interactiveUser` … */
  signInEventTypes: string[];
  isInteractive: boolean;
  status: { errorCode: number; failureReason?: string; additionalDetails?: string };
  managedServiceIdentity?: { msiType: string; associatedResourceId?: string; federatedTokenId?: string; federatedTokenIssuer?: string };
  /** What the federated assertion presented (lab extension, beside Graph's fields). */
  federatedAssertion?: { issuer?: string; subject?: string; audiences?: string[] };
  /** The federated credential that matched or came nearest, with what differed (lab extension). */
  federatedCredential?: { id?: string; name: string; matched: boolean; differences?: { field: string; expected: string; presented: string }[] };
}

export interface AuditEventRecord {
  id: string;
  time: string;
  resourceId: string;
  operationName: string;
  operationVersion: string;
  category: "AuditEvent";
  resultType: "Success" | "Failure" | string;
  resultSignature: string;
  resultDescription?: string;
  durationMs: number;
  callerIpAddress: string;
  correlationId: string;
  identity: { claim: { oid?: string; appid?: string; upn?: string; "http://schemas.microsoft.com/identity/claims/objectidentifier"?: string } };
  properties: { id?: string; clientInfo?: string; httpStatusCode: number; requestUri: string; isAccessPolicyMatch?: boolean; isRbacAuthorized?: boolean; tlsVersion?: string };
  /** The role assignment that allowed the request, or why none did (lab extension). */
  authorization?: { model: "rbac" | "accessPolicy"; roleAssignmentId?: string; roleDefinitionName?: string; deniedReason?: string };
}

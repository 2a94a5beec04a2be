import type { ServicePrincipalRecord, UserRecord } from "../entra/index.js";

/** The tenant that owns every managed identity's application (Microsoft's "Managed Identity" first-party tenant). */
const MI_APP_OWNER_TENANT = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

/** Graph's `user` with v1.0's default properties. */
export function userEntity(u: UserRecord): Record<string, unknown> {
  return {
    businessPhones: [],
    displayName: u.displayName,
    givenName: null,
    jobTitle: null,
    mail: null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: null,
    userPrincipalName: u.userPrincipalName,
    id: u.objectId,
  };
}

/** Graph's `servicePrincipal`: an application's, or a managed identity's (its names include the identity's ARM id). */
export function servicePrincipalEntity(sp: ServicePrincipalRecord, tenantId: string): Record<string, unknown> {
  const mi = sp.servicePrincipalType === "ManagedIdentity";
  return {
    id: sp.objectId,
    deletedDateTime: null,
    accountEnabled: true,
    alternativeNames: mi && sp.miResourceId ? ["isExplicit=True", sp.miResourceId] : [],
    appDisplayName: mi ? null : sp.displayName,
    appDescription: null,
    appId: sp.appId,
    applicationTemplateId: null,
    appOwnerOrganizationId: mi ? MI_APP_OWNER_TENANT : tenantId,
    appRoleAssignmentRequired: false,
    description: null,
    displayName: sp.displayName,
    homepage: null,
    loginUrl: null,
    logoutUrl: null,
    notes: null,
    notificationEmailAddresses: [],
    preferredSingleSignOnMode: null,
    replyUrls: [],
    servicePrincipalNames: servicePrincipalNames(sp),
    servicePrincipalType: sp.servicePrincipalType,
    signInAudience: mi ? null : "AzureADMyOrg",
    tags: [],
    tokenEncryptionKeyId: null,
    addIns: [],
    appRoles: [],
    keyCredentials: [],
    oauth2PermissionScopes: [],
    passwordCredentials: [],
  };
}

export function servicePrincipalNames(sp: ServicePrincipalRecord): string[] {
  return sp.miResourceId ? [sp.appId, sp.miResourceId] : [sp.appId];
}

/** A directory object as `getByIds` returns it: the entity with its `@odata.type`. */
export function directoryObject(type: "user" | "servicePrincipal", entity: Record<string, unknown>): Record<string, unknown> {
  return { "@odata.type": `#microsoft.graph.${type}`, ...entity };
}

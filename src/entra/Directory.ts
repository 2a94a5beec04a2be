import { createHash, timingSafeEqual } from "node:crypto";
import type { Tx } from "../store/index.js";

/** A service principal of the lab tenant: an application (admin, lab apps) or a managed identity. */
export interface ServicePrincipalRecord {
  objectId: string;
  appId: string;
  displayName: string;
  servicePrincipalType: "Application" | "ManagedIdentity";
  /** SHA-256 of the client secret, for applications that have one. */
  secretSha256?: string;
  /** For managed identities: the ARM id of the identity (xms_mirid). */
  miResourceId?: string;
}

export interface UserRecord {
  objectId: string;
  userPrincipalName: string;
  displayName: string;
  passwordSha256: string;
}

export interface PrincipalRef {
  objectId: string;
  type: "ServicePrincipal" | "User";
  /** appId for service principals, UPN for users. */
  key: string;
}

const SP = "servicePrincipal";
const USER = "user";
const PRINCIPAL = "principal";

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function secretMatches(secret: string, expectedSha256: string): boolean {
  const a = Buffer.from(sha256(secret), "hex");
  const b = Buffer.from(expectedSha256, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The lab tenant's directory: service principals and users, looked up inside a store transaction. */
export const Directory = {
  async putServicePrincipal(tx: Tx, sp: ServicePrincipalRecord): Promise<void> {
    await tx.put(SP, sp.appId.toLowerCase(), sp);
    await tx.put<PrincipalRef>(PRINCIPAL, sp.objectId.toLowerCase(), { objectId: sp.objectId, type: "ServicePrincipal", key: sp.appId.toLowerCase() });
  },

  async deleteServicePrincipal(tx: Tx, appId: string): Promise<void> {
    const sp = await tx.get<ServicePrincipalRecord>(SP, appId.toLowerCase());
    if (!sp) return;
    await tx.delete(SP, appId.toLowerCase());
    await tx.delete(PRINCIPAL, sp.objectId.toLowerCase());
  },

  servicePrincipalByAppId(tx: Tx, appId: string): Promise<ServicePrincipalRecord | undefined> {
    return tx.get<ServicePrincipalRecord>(SP, appId.toLowerCase());
  },

  async putUser(tx: Tx, user: UserRecord): Promise<void> {
    await tx.put(USER, user.userPrincipalName.toLowerCase(), user);
    await tx.put<PrincipalRef>(PRINCIPAL, user.objectId.toLowerCase(), { objectId: user.objectId, type: "User", key: user.userPrincipalName.toLowerCase() });
  },

  userByUpn(tx: Tx, upn: string): Promise<UserRecord | undefined> {
    return tx.get<UserRecord>(USER, upn.toLowerCase());
  },

  principal(tx: Tx, objectId: string): Promise<PrincipalRef | undefined> {
    return tx.get<PrincipalRef>(PRINCIPAL, objectId.toLowerCase());
  },

  async servicePrincipals(tx: Tx): Promise<ServicePrincipalRecord[]> {
    return (await tx.list<ServicePrincipalRecord>(SP)).map((r) => r.value);
  },

  async users(tx: Tx): Promise<UserRecord[]> {
    return (await tx.list<UserRecord>(USER)).map((r) => r.value);
  },
};

/** The lab's identity, made once at init: tenant, subscription and the admin principals. */
export interface LabRecord {
  tenantId: string;
  tenantDomain: string;
  subscriptionId: string;
  subscriptionName: string;
  createdAt: number;
  adminUser: { objectId: string; userPrincipalName: string; displayName: string; password: string };
  adminApp: { appId: string; objectId: string; displayName: string; clientSecret: string };
  /** The lab clock's offset from real time, ms. */
  clockOffsetMs: number;
}

const KIND = "lab";
const ID = "lab";

export const LabRecords = {
  get: (tx: Tx) => tx.get<LabRecord>(KIND, ID),
  put: (tx: Tx, r: LabRecord) => tx.put(KIND, ID, r),
};

/** The Azure CLI's public client id: `az login` tokens carry it as `appid`. */
export const AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

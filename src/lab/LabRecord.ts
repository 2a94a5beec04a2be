import type { Tx } from "../store/index.js";

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

import type { Tx } from "../store/index.js";

/** A federated identity credential on a user-assigned managed identity, as the directory keeps it. */
export interface FederatedIdentityCredentialRecord {
  name: string;
  /** ARM id with the caller's casing. */
  id: string;
  issuer: string;
  subject: string;
  audiences: string[];
  /** Lab-clock ms when it was created or last changed (propagation starts then). */
  updatedAt: number;
}

const KIND = "federatedIdentityCredential";

/** Store access for credentials, grouped under the folded ARM id of their identity. */
export const FederatedIdentityCredentials = {
  list(tx: Tx, identityId: string): Promise<FederatedIdentityCredentialRecord[]> {
    return tx.list<FederatedIdentityCredentialRecord>(KIND, { parent: identityId.toLowerCase() }).then((rows) => rows.map((r) => r.value));
  },
  get(tx: Tx, identityId: string, name: string): Promise<FederatedIdentityCredentialRecord | undefined> {
    return tx.get(KIND, `${identityId.toLowerCase()}/${name.toLowerCase()}`);
  },
  put(tx: Tx, identityId: string, fic: FederatedIdentityCredentialRecord): Promise<void> {
    return tx.put(KIND, `${identityId.toLowerCase()}/${fic.name.toLowerCase()}`, fic, identityId.toLowerCase());
  },
  delete(tx: Tx, identityId: string, name: string): Promise<boolean> {
    return tx.delete(KIND, `${identityId.toLowerCase()}/${name.toLowerCase()}`);
  },
  deleteAll(tx: Tx, identityId: string): Promise<number> {
    return tx.deleteChildren(KIND, identityId.toLowerCase());
  },
  /** Every credential of the lab, on every identity. */
  all(tx: Tx): Promise<FederatedIdentityCredentialRecord[]> {
    return tx.list<FederatedIdentityCredentialRecord>(KIND).then((rows) => rows.map((r) => r.value));
  },
  count(tx: Tx, identityId: string): Promise<number> {
    return tx.count(KIND, identityId.toLowerCase());
  },
};

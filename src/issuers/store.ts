import type { Tx } from "../store/index.js";
import type { IssuerJwk } from "./jwk.js";

/** A self-managed cluster's issuer the lab hosts: its discovery document and JWKS, as a storage account would. */
export interface SelfManagedIssuerRecord {
  name: string;
  keys: IssuerJwk[];
  createdAt: string;
  updatedAt: string;
}

const KIND = "selfManagedIssuer";

export const SelfManagedIssuers = {
  get: (tx: Tx, name: string) => tx.get<SelfManagedIssuerRecord>(KIND, name.toLowerCase()),
  put: (tx: Tx, r: SelfManagedIssuerRecord) => tx.put(KIND, r.name.toLowerCase(), r),
  delete: (tx: Tx, name: string) => tx.delete(KIND, name.toLowerCase()),
  all: async (tx: Tx) => (await tx.list<SelfManagedIssuerRecord>(KIND)).map((r) => r.value),
};

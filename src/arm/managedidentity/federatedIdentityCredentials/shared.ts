import type { FederatedIdentityCredentialRecord } from "../../../entra/index.js";
import type { Tx } from "../../../store/index.js";
import { ArmErrors } from "../../ArmError.js";
import type { ArmRequest } from "../../ArmRoute.js";
import { FIC_API_VERSIONS } from "../../apiVersions.js";
import type { ArmDeps } from "../../deps.js";
import type { UserAssignedIdentityRecord } from "../UserAssignedIdentity.js";
import { findIdentity, ITEM } from "../userAssignedIdentities/shared.js";

export const FIC_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials";
export const FIC_LIST = `${ITEM}/federatedIdentityCredentials`;
export const FIC_ITEM = `${FIC_LIST}/{ficName}`;
/** What every operation on a federated identity credential shares. */
export const FIC_ROUTE = { type: FIC_TYPE, apiVersions: FIC_API_VERSIONS, resourceGroupParam: "resourceGroupName" } as const;

export function ficBody(f: FederatedIdentityCredentialRecord): Record<string, unknown> {
  return { id: f.id, name: f.name, type: FIC_TYPE, properties: { issuer: f.issuer, subject: f.subject, audiences: f.audiences } };
}

/** The identity the credential belongs to, or the managed identity service's NotFound. */
export async function parentIdentity(d: ArmDeps, tx: Tx, req: ArmRequest): Promise<UserAssignedIdentityRecord> {
  const r = await findIdentity(d, tx, req);
  if (!r) throw ArmErrors.parentIdentityNotFound();
  return r;
}

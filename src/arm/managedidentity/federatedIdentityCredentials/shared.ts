import type { FederatedIdentityCredentialRecord } from "../../../entra/index.js";
import type { Tx } from "../../../store/index.js";
import type { LabContext } from "../../../platform/index.js";
import { ArmErrors } from "../../ArmError.js";
import type { ArmArrival, ArmRequest } from "../../ArmRoute.js";
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

/**
 * Concurrent writes of federated credentials under one identity (issue 12 #4): Azure refuses them with 409
 * ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity (ArmErrors.concurrentFicWrites, sources
 * there); written one after another they all succeed, and writes under different identities never conflict.
 * The lab's model [I]: each identity has a count of committed credential writes (PUT and DELETE). A write reads it
 * as it arrives, before its body is read or it queues for its transaction (`onArrival`), and is refused when
 * another write on the identity committed in between, as an optimistic read-modify-write of the identity would be.
 * The count is kept in the lab process's memory: the store would queue the read behind the very writes it must not
 * see. Replicas on one database therefore only see their own writes in flight.
 */
const COUNTS = new WeakMap<LabContext, Map<string, number>>();

function countsOf(ctx: LabContext): Map<string, number> {
  let m = COUNTS.get(ctx);
  if (!m) COUNTS.set(ctx, (m = new Map()));
  return m;
}

/** The identity's path, folded, in a credential's path (`…/userAssignedIdentities/{n}/federatedIdentityCredentials/{f}`). */
function identityKey(ficPath: string): string {
  return ficPath.replace(/\/federatedIdentityCredentials(?:\/[^/]*)?\/?$/i, "").toLowerCase();
}

/** `onArrival` of the credential writes: the identity's count of committed credential writes. */
export async function ficWritesOnArrival(d: ArmDeps, req: ArmArrival): Promise<number> {
  return countsOf(d.ctx).get(identityKey(req.path)) ?? 0;
}

/**
 * Counts this write (call it once the write is valid, in its transaction), or refuses it when another credential
 * write on the identity committed since it arrived.
 */
export function claimFicWrite(d: ArmDeps, req: ArmRequest, identity: UserAssignedIdentityRecord): void {
  // A transaction run again (PostgreSQL's serialization retries) claims once: its first run already counted.
  if (claimed.has(req)) return;
  const counts = countsOf(d.ctx);
  const key = identityKey(req.path);
  const n = counts.get(key) ?? 0;
  if (typeof req.arrival === "number" && req.arrival !== n) {
    const shown = identity.id.replace(/\/resourcegroups\//i, "/resourcegroups/").replace(/\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\//i, "/providers/microsoft.managedidentity/userassignedidentities/");
    throw ArmErrors.concurrentFicWrites(shown).withHint(
      `${n - req.arrival} other federated credential write(s) on this identity committed while this one was in flight; write an identity's credentials one after another (Bicep @batchSize(1), dependsOn)`,
    );
  }
  counts.set(key, n + 1);
  claimed.add(req);
}

const claimed = new WeakSet<object>();

import type { Store } from "../store/index.js";
import { matchFederatedCredential, refusalCode, type FederatedTrustAnswer, type FicLike, type PresentedClaims } from "../diagnose/index.js";
import { Directory } from "./Directory.js";
import { FederatedIdentityCredentials, type FederatedIdentityCredentialRecord } from "./FederatedIdentityCredential.js";

/** Entra's answer to "would a token with these claims be trusted for this client id?", without a token request. */
export type FederatedTrust = FederatedTrustAnswer;

const asFic = (c: FederatedIdentityCredentialRecord): FicLike => ({ name: c.name, id: c.id, issuer: c.issuer, subject: c.subject, audiences: c.audiences });

/**
 * Compares presented claims (issuer, subject, audiences) with the tenant's federated identity credentials, exactly
 * as the token endpoint does, without a token request: over the credentials of the identity the client id names,
 * else over every credential of the tenant, so that a credential made on the wrong identity is still named.
 */
export async function federatedTrust(store: Store, claims: PresentedClaims, clientId?: string): Promise<FederatedTrust> {
  return store.read(async (tx) => {
    const sp = clientId ? await Directory.servicePrincipalByAppId(tx, clientId) : undefined;
    const ref = clientId && !sp ? await Directory.principal(tx, clientId) : undefined;
    const owner = ref?.type === "ServicePrincipal" ? await Directory.servicePrincipalByAppId(tx, ref.key) : undefined;
    const own = sp?.miResourceId ? await FederatedIdentityCredentials.list(tx, sp.miResourceId) : [];
    const creds = own.length ? own : await FederatedIdentityCredentials.all(tx);
    const verdict = matchFederatedCredential(creds.map(asFic), claims);
    return {
      clientIdKnown: !!sp,
      ...(owner ? { objectIdOf: { appId: owner.appId, displayName: owner.displayName } } : {}),
      ...(sp?.miResourceId ? { identityId: sp.miResourceId } : {}),
      identityCredentials: own.length,
      verdict,
      ...(verdict.matched ? {} : { refusal: refusalCode(own, claims) }),
    };
  });
}

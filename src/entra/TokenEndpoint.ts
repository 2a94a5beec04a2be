import type { LabContext } from "../platform/index.js";
import { AZURE_CLI_CLIENT_ID, type LabRecord } from "./Directory.js";
import { EntraErrors } from "./EntraError.js";
import { Directory, secretMatches, type ServicePrincipalRecord } from "./Directory.js";
import { FederatedIdentityCredentials } from "./FederatedIdentityCredential.js";
import { checkFederatedAssertion, decodeFederatedAssertion, presentedClaims } from "./FederatedAssertion.js";
import { matchFederatedCredential } from "../diagnose/index.js";
import { federatedTokenId, type SignInAttempt } from "./SignInLog.js";
import type { OidcKeySource } from "./OidcKeySource.js";
import { issueUserTokens, redeemCode, redeemRefreshToken, type CodeGrantDeps, type UserTokenResponse } from "./codeGrants.js";
import { APP_TOKEN_LIFETIME_S, MI_TOKEN_LIFETIME_S, type TokenService } from "./Sts.js";

export const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const OIDC_SCOPES = new Set(["openid", "profile", "offline_access", "email"]);
const GRAPH_RESOURCES = ["https://graph.microsoft.com", "https://graph.windows.net", "00000003-0000-0000-c000-000000000000"];

export interface TokenResponse {
  token_type: "Bearer";
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
}

export type TokenForm = Record<string, string | undefined>;

function fold(r: string): string {
  return r.toLowerCase().replace(/\/+$/, "");
}

/** Turns `scope` (v2) or `resource` (v1) into the resource URI the token is for. */
export function resourceFromRequest(form: TokenForm, v1: boolean): string {
  if (v1 && form.resource !== undefined && form.scope === undefined) {
    const r = form.resource.trim();
    if (!r) throw EntraErrors.missingParameter("resource");
    return r;
  }
  if (form.scope === undefined) throw EntraErrors.missingParameter("scope");
  const all = form.scope.split(/\s+/).filter(Boolean);
  const scopes = all.filter((s) => !OIDC_SCOPES.has(s));
  if (scopes.length === 0 && all.length > 0) throw EntraErrors.scopeNotDefault(form.scope);
  if (scopes.length !== 1) throw EntraErrors.scopeMalformed(form.scope);
  const scope = scopes[0]!;
  if (!scope.endsWith("/.default")) {
    if (/^[\w.+-]+:\/\/|^api:\/\//i.test(scope) || /^[0-9a-f-]{36}/i.test(scope)) throw EntraErrors.scopeNotDefault(scope);
    throw EntraErrors.scopeMalformed(scope);
  }
  const resource = scope.slice(0, -"/.default".length);
  if (!resource) throw EntraErrors.scopeMalformed(scope);
  return resource;
}

export interface TokenEndpointDeps {
  ctx: LabContext;
  tokens: TokenService;
  keys: OidcKeySource;
  lab: () => LabRecord;
}

/** The v2 (and v1, and /adfs) token endpoint: client credentials with a secret or a federated assertion, and the admin user's password grant. */
export class TokenEndpoint {
  constructor(private readonly d: TokenEndpointDeps) {}

  knownResource(resource: string): boolean {
    const f = fold(resource);
    const known = [...this.d.ctx.hosts.armResources(), ...this.d.ctx.hosts.vaultResources(), ...GRAPH_RESOURCES];
    return known.some((k) => fold(k) === f);
  }

  tenantMatches(tenant: string): boolean {
    const t = tenant.toLowerCase();
    const lab = this.d.lab();
    // `organizations` and `common` (multi-tenant authorities az and MSAL use) resolve to the lab's only tenant.
    return t === lab.tenantId.toLowerCase() || t === "adfs" || t === "organizations" || t === "common" || t === lab.tenantDomain.toLowerCase();
  }

  /** Issues a token or throws Entra's error; `attempt` collects what the sign-in log records either way. */
  async token(
    tenant: string,
    form: TokenForm,
    v1: boolean,
    attempt: SignInAttempt = { correlationId: "", credentialType: "clientSecret" },
    issuerOrigin = this.d.ctx.hosts.loginOrigin,
  ): Promise<TokenResponse | UserTokenResponse> {
    const lab = this.d.lab();
    attempt.clientId = form.client_id?.trim() || undefined;
    if (!this.tenantMatches(tenant)) throw EntraErrors.tenantNotFound(tenant).withHint(`the lab's tenant is ${lab.tenantId}`);
    const grant = form.grant_type;
    if (!grant) throw EntraErrors.missingParameter("grant_type");
    if (grant === "password") return this.password(form, attempt, issuerOrigin);
    if (grant === "authorization_code") return redeemCode(this.codeGrantDeps(), form, attempt, issuerOrigin);
    if (grant === "refresh_token") return redeemRefreshToken(this.codeGrantDeps(), form, attempt, issuerOrigin);
    if (grant !== "client_credentials") throw EntraErrors.unsupportedGrantType(grant);

    const clientId = form.client_id?.trim();
    if (!clientId) throw EntraErrors.missingParameter("client_id");
    const assertion = form.client_assertion?.trim();
    const secret = form.client_secret;
    attempt.credentialType = assertion ? "federatedIdentityCredential" : "clientSecret";
    if (!assertion && secret === undefined) throw EntraErrors.missingCredential();
    if (assertion) {
      if (!form.client_assertion_type) throw EntraErrors.missingParameter("client_assertion_type");
      if (form.client_assertion_type !== JWT_BEARER) throw EntraErrors.invalidAssertionType(form.client_assertion_type);
    }
    const resource = resourceFromRequest(form, v1);
    attempt.resource = resource;

    const sp = await this.d.ctx.store.read((tx) => Directory.servicePrincipalByAppId(tx, clientId));
    if (!sp) {
      throw EntraErrors.applicationNotFound(clientId, lab.tenantId).withHint(
        `no application or managed identity in the lab tenant has client id '${clientId}'; use the identity's clientId, not its principalId`,
      );
    }
    attempt.sp = sp;
    if (assertion) {
      await this.federated(assertion, sp, attempt);
    } else if (!sp.secretSha256 || !secretMatches(secret ?? "", sp.secretSha256)) {
      throw EntraErrors.invalidClientSecret(sp.appId).withHint(sp.secretSha256 ? "client_secret does not match" : `'${sp.displayName}' has no client secret`);
    }
    if (!this.knownResource(resource)) {
      throw EntraErrors.resourceNotFound(resource, lab.tenantId).withHint(
        `the lab knows these resources: ${[...this.d.ctx.hosts.armResources(), ...this.d.ctx.hosts.vaultResources()].join(", ")}`,
      );
    }
    const mi = sp.servicePrincipalType === "ManagedIdentity";
    const { token, expiresIn } = await this.d.tokens.issue(resource, {
      oid: sp.objectId,
      appid: sp.appId,
      appidacr: assertion ? "2" : "1",
      idtyp: "app",
      xms_mirid: sp.miResourceId ? sp.miResourceId.replace(/\/resourcegroups\//i, "/resourcegroups/") : undefined,
      lifetimeS: mi ? MI_TOKEN_LIFETIME_S : APP_TOKEN_LIFETIME_S,
    });
    return { token_type: "Bearer", expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token };
  }

  private codeGrantDeps(): CodeGrantDeps {
    return {
      ctx: this.d.ctx,
      tokens: this.d.tokens,
      resourceOf: (scope) => {
        const resource = resourceFromRequest({ scope }, false);
        if (!this.knownResource(resource)) throw EntraErrors.resourceNotFound(resource, this.d.lab().tenantId);
        return resource;
      },
    };
  }

  /** Checks a federated assertion against the identity's credentials, noting what it presented and the nearest credential. */
  private async federated(assertion: string, sp: ServicePrincipalRecord, attempt: SignInAttempt): Promise<void> {
    const fics = sp.miResourceId ? await this.d.ctx.store.read((tx) => FederatedIdentityCredentials.list(tx, sp.miResourceId!)) : [];
    const decoded = await decodeFederatedAssertion(assertion);
    const presented = presentedClaims(decoded);
    attempt.assertion = { ...presented, tokenId: federatedTokenId(assertion, presented.jti) };
    const verdict = matchFederatedCredential(fics, { issuer: presented.issuer ?? "", subject: presented.subject ?? "", audiences: presented.audiences });
    if (verdict.matched) attempt.credential = { id: verdict.credential.id, name: verdict.credential.name, matched: true };
    else if (verdict.nearest) {
      const differences = verdict.differences.map(({ field, expected, presented: p }) => ({ field, expected, presented: p }));
      attempt.credential = { id: verdict.nearest.id, name: verdict.nearest.name, matched: false, differences };
    }
    await checkFederatedAssertion(decoded, fics, { now: this.d.ctx.clock.now(), propagationMs: this.d.ctx.faults.ficPropagationMs(this.d.ctx.config.ficPropagationMs), keys: this.d.keys });
  }

  /** The password grant (ROPC) for the lab's users, as az login -u/-p uses it: an ID token, client_info and a refresh token as asked. */
  private async password(form: TokenForm, attempt: SignInAttempt, issuerOrigin: string): Promise<UserTokenResponse> {
    attempt.credentialType = "none";
    for (const p of ["client_id", "username", "password"]) if (!form[p]) throw EntraErrors.missingParameter(p);
    if (form.scope === undefined) throw EntraErrors.missingParameter("scope");
    attempt.resource = this.codeGrantDeps().resourceOf(form.scope);
    const user = await this.d.ctx.store.read((tx) => Directory.userByUpn(tx, form.username!));
    attempt.user = user;
    if (!user || !secretMatches(form.password!, user.passwordSha256)) {
      throw EntraErrors.invalidGrant("Error validating credentials due to invalid username or password.");
    }
    return issueUserTokens(this.codeGrantDeps(), { clientId: form.client_id ?? AZURE_CLI_CLIENT_ID, user, scope: form.scope, issuerOrigin, attempt, clientInfo: form.client_info === "1" });
  }

}

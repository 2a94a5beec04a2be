import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { entraTimestamp, FaceError, frameworkErrorKind, HINT_HEADER, headerSafe, hostOf, queryOf, sendJson, type FastifyLikeError } from "../platform/index.js";
import { installFaultHooks, repeatedFormKeys } from "../platform/index.js";
import type { LabContext } from "../platform/index.js";
import type { LabRecord } from "./Directory.js";
import { EntraError, EntraErrors } from "./EntraError.js";
import type { TokenEndpoint, TokenForm, TokenResponse } from "./TokenEndpoint.js";
import { failureOutcome, recordSignIn, type SignInAttempt } from "./SignInLog.js";
import type { TokenService } from "./Sts.js";
import type { UserTokenResponse } from "./codeGrants.js";
import { authorizeRoutes } from "./authorize.js";

export interface EntraFaceDeps {
  ctx: LabContext;
  endpoint: TokenEndpoint;
  tokens: TokenService;
  lab: () => LabRecord;
}

function origin(req: FastifyRequest): string {
  return `https://${hostOf(req).replace(/:443$/, "")}`;
}

const correlations = new WeakMap<FastifyRequest, string>();

/** The request's correlation id: the client's `client-request-id` (header or query), else a new one, the same for the whole request. */
function correlationOf(ctx: LabContext, req: FastifyRequest): string {
  let id = correlations.get(req);
  if (!id) {
    id = (req.headers["client-request-id"] as string | undefined) ?? queryOf(req)["client-request-id"] ?? ctx.random.uuid();
    correlations.set(req, id);
  }
  return id;
}

function renderEntraError(ctx: LabContext, req: FastifyRequest, reply: FastifyReply, e: EntraError): FastifyReply {
  const now = ctx.clock.now();
  const traceId = ctx.random.uuid();
  const correlationId = correlationOf(ctx, req);
  const ts = entraTimestamp(now);
  const body: Record<string, unknown> = {
    error: e.error,
    error_description: `AADSTS${e.code}: ${e.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${ts}`,
    error_codes: [e.code],
    timestamp: ts,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${e.code}`,
  };
  const headers: Record<string, string> = { "cache-control": "no-store, no-cache", "x-ms-request-id": traceId, ...e.headers };
  if (e.hint) {
    body.wilab_hint = e.hint;
    headers[HINT_HEADER] = headerSafe(e.hint);
  }
  return sendJson(reply, e.status, body, headers);
}

/** The face's one error handler: Entra's error body for its own errors, for framework errors and for anything unexpected. */
function entraErrorHandler(ctx: LabContext) {
  return (err: FastifyLikeError, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (err instanceof EntraError) return renderEntraError(ctx, req, reply, err);
    const kind = frameworkErrorKind(err);
    if (kind === "tooLarge") return renderEntraError(ctx, req, reply, EntraErrors.bodyTooLarge());
    if (kind) return renderEntraError(ctx, req, reply, EntraErrors.malformedBody().withHint(err.message));
    if (err instanceof FaceError) return sendJson(reply, err.status, { error: "invalid_request", error_description: err.message });
    ctx.log.warn(`entra: unexpected error: ${(err as Error).stack ?? err.message}`);
    return renderEntraError(ctx, req, reply, new EntraError(500, "server_error", 50000, "There was an error issuing a token or an authorization code."));
  };
}

/** The v2.0 OpenID configuration document of a tenant segment (issuer: the lab's tenant, v2.0). */
function v2Metadata(req: FastifyRequest, tenantSegment: string, tid: string) {
  const o = origin(req);
  return {
    token_endpoint: `${o}/${tenantSegment}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${o}/${tenantSegment}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${o}/${tid}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
    authorization_endpoint: `${o}/${tenantSegment}/oauth2/v2.0/authorize`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${o}/${tenantSegment}/oauth2/v2.0/logout`,
    claims_supported: ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
    kerberos_endpoint: `${o}/${tenantSegment}/kerberos`,
    tenant_region_scope: "NA",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net",
  };
}

/** v1 metadata (issuer sts.windows.net) and the ADFS document MSAL Python reads for an /adfs authority. */
function v1Metadata(req: FastifyRequest, t: string, tid: string) {
  const o = origin(req);
  const adfs = t.toLowerCase() === "adfs";
  return {
    token_endpoint: `${o}/${t}/oauth2/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${o}/${adfs ? "adfs" : t}/discovery/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "token id_token", "token"],
    scopes_supported: ["openid"],
    issuer: adfs ? `${o}/adfs` : `https://sts.windows.net/${tid}/`,
    authorization_endpoint: `${o}/${t}/oauth2/authorize`,
    end_session_endpoint: `${o}/${t}/oauth2/logout`,
    tenant_region_scope: "NA",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
  };
}

/** MSAL's instance discovery (hard-coded to login.microsoftonline.com; answered in transparent mode). */
function instanceDiscovery(ctx: LabContext, d: EntraFaceDeps) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const q = queryOf(req);
    const authz = q.authorization_endpoint;
    let discovery = `${origin(req)}/${d.lab().tenantId}/v2.0/.well-known/openid-configuration`;
    if (authz) {
      try {
        const u = new URL(authz);
        const tenant = u.pathname.split("/").filter(Boolean)[0] ?? "common";
        // MSAL Python drops the port from authorization_endpoint: put the lab's back for its own hosts.
        const host = u.port === "" && ctx.hosts.urlPort !== 443 && /^(localhost|127\.0\.0\.1)$/.test(u.hostname) ? `${u.hostname}:${ctx.hosts.urlPort}` : u.host;
        discovery = `https://${host}/${tenant}/v2.0/.well-known/openid-configuration`;
      } catch {
        return sendJson(reply, 400, { error: "invalid_instance", error_description: "AADSTS50049: Unknown or invalid instance." });
      }
    }
    return sendJson(reply, 200, {
      tenant_discovery_endpoint: discovery,
      "api-version": q["api-version"] ?? "1.1",
      metadata: [
        {
          preferred_network: "login.microsoftonline.com",
          preferred_cache: "login.windows.net",
          aliases: ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"],
        },
      ],
    });
  };
}

/**
 * The token request's parameters. Entra reads only a form body: another content type (a JSON body, say) carries no
 * parameter, so the request is missing 'grant_type' [V] (a client_credentials request sent as JSON, captured in a Q&A
 * thread: "AADSTS900144: The request body must contain the following parameter: 'grant_type'."). A parameter given
 * twice is AADSTS9000411.
 */
function tokenForm(req: FastifyRequest): TokenForm {
  const type = String(req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded" || !req.body || typeof req.body !== "object") return {};
  const repeated = repeatedFormKeys(req.body);
  if (repeated.length) throw EntraErrors.duplicatedParameter(repeated[0]!);
  return req.body as TokenForm;
}

/** The token endpoint (v2.0 or v1): every request becomes a sign-in record once its outcome is known (recording never fails the request). */
function tokenRoute(ctx: LabContext, endpoint: TokenEndpoint, v1: boolean) {
  return async (req: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply): Promise<FastifyReply> => {
    const attempt: SignInAttempt = { correlationId: correlationOf(ctx, req), ipAddress: req.ip, credentialType: "clientSecret" };
    let res: TokenResponse | UserTokenResponse;
    try {
      res = await endpoint.token(req.params.tenant, tokenForm(req), v1, attempt, origin(req));
    } catch (err) {
      recordSignIn(ctx, attempt, failureOutcome(err));
      throw err;
    }
    recordSignIn(ctx, attempt, { errorCode: 0, status: 200 });
    return sendJson(reply, 200, res, { "cache-control": "no-store, no-cache", pragma: "no-cache", "x-ms-request-id": ctx.random.uuid() });
  };
}

/** Entra ID's face: tenant discovery, JWKS, the token endpoint and MSAL's instance discovery. */
export async function entraFace(app: FastifyInstance, d: EntraFaceDeps): Promise<void> {
  const { ctx, endpoint, tokens } = d;

  app.setErrorHandler(entraErrorHandler(ctx));
  installFaultHooks(app, "entra", ctx, () => EntraErrors.throttled(), (req) => req.method === "POST"); // latency/throttle faults hit the token endpoint

  const requireTenant = (tenant: string) => {
    if (!endpoint.tenantMatches(tenant)) throw EntraErrors.tenantNotFound(tenant);
  };

  app.get<{ Params: { tenant: string } }>("/:tenant/v2.0/.well-known/openid-configuration", async (req, reply) => {
    requireTenant(req.params.tenant);
    return sendJson(reply, 200, v2Metadata(req, req.params.tenant, d.lab().tenantId));
  });

  app.get<{ Params: { tenant: string } }>("/:tenant/.well-known/openid-configuration", async (req, reply) => {
    requireTenant(req.params.tenant);
    return sendJson(reply, 200, v1Metadata(req, req.params.tenant, d.lab().tenantId));
  });

  const jwks = () => ({
    keys: tokens.keys.published(ctx.clock.now()).map((k) => ({ ...k.jwk, issuer: tokens.issuer, alg: undefined })),
  });
  for (const path of ["/:tenant/discovery/v2.0/keys", "/:tenant/discovery/keys"]) {
    app.get(path, async (_req, reply) => sendJson(reply, 200, jwks()));
  }

  app.post("/:tenant/oauth2/v2.0/token", tokenRoute(ctx, endpoint, false));
  authorizeRoutes(app, { ctx, lab: d.lab, tenantMatches: (t) => endpoint.tenantMatches(t) });
  app.post("/:tenant/oauth2/token", tokenRoute(ctx, endpoint, true));
  app.get("/common/discovery/instance", instanceDiscovery(ctx, d));
  // MSAL's user realm discovery before a password grant (az login -u/-p on login.microsoftonline.com): every lab
  // user is a managed (cloud) account of the lab's tenant, never federated to an on-premises ADFS.
  app.get<{ Params: { user: string } }>("/common/userrealm/:user", async (req, reply) => {
    const user = decodeURIComponent(req.params.user);
    return sendJson(reply, 200, {
      ver: "1.0",
      account_type: "Managed",
      domain_name: user.includes("@") ? user.split("@")[1] : d.lab().tenantDomain,
      cloud_instance_name: "microsoftonline.com",
      cloud_audience_urn: "urn:federation:MicrosoftOnline",
    });
  });
}

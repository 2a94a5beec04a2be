import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { LabContext } from "../platform/index.js";
import { vaultNameFromHost, vaultResourceForHost } from "../platform/index.js";
import type { LabRecord } from "../entra/index.js";
import { AccessTokenInvalid, type AccessTokenClaims, type TokenService } from "../entra/index.js";
import { FaceError, frameworkErrorKind, HINT_HEADER, headerSafe, hostOf, MalformedBodyError, pathOf, queryOf, sendJson, type FastifyLikeError } from "../platform/index.js";
import { installFaultHooks } from "../platform/index.js";
import { KeyVaultError, KeyVaultErrors } from "./KeyVaultError.js";
import { Vaults, type VaultRecord } from "./Vaults.js";
import { decideAccess, type KvAuthorization } from "./access.js";
import { recordAudit, type KvRequestFacts } from "./audit.js";
import { BODY_LIMIT, checkApiVersion, checkSecretName } from "./rules.js";
import { SECRET_OPERATIONS, type KvOperation } from "./ops/index.js";

export interface KeyVaultFaceDeps {
  ctx: LabContext;
  tokens: TokenService;
  lab: () => LabRecord;
}

/** Only vault hosts reach the data plane: `<vault>.vault.localhost[:port]`, `<vault>.vault.azure.net[:port]`. */
export const VAULT_HOST = /^[a-z0-9-]+\.vault\.(?:localhost|azure\.net)(?::\d+)?$/i;
const SERVICE_VERSION = "1.9.2958.1";

function origin(host: string): string {
  return `https://${host.replace(/:443$/, "")}`;
}

/** `WWW-Authenticate` for a vault: the vault's tenant in the authorization URL path, the resource with the port unless 443. */
function challenge(ctx: LabContext, vault: VaultRecord, host: string): string {
  return `Bearer authorization="${ctx.hosts.loginOrigin}/${vault.tenantId}", resource="${vaultResourceForHost(host)}"`;
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

/** Maps a token verification failure to Key Vault's 401 (reference §4.3). */
function authError(err: AccessTokenInvalid, vault: VaultRecord, host: string, token: string): KeyVaultError {
  switch (err.reason) {
    case "audience":
      return KeyVaultErrors.invalidAudience(vaultResourceForHost(host), err.presented ?? "").withHint(`ask for scope ${vaultResourceForHost(host)}/.default`);
    case "issuer":
      return KeyVaultErrors.invalidIssuer(vault.tenantId, err.presented ?? "").withHint("the token must come from the vault's tenant");
    case "unknownKey":
      return KeyVaultErrors.unknownSigningKey(token.split(".")[0] ?? "").withHint(err.detail);
    case "expired":
      return KeyVaultErrors.tokenExpired().withHint(err.detail);
    case "notYetValid":
      return KeyVaultErrors.tokenNotYetValid().withHint(err.detail);
    case "signature":
      return KeyVaultErrors.tokenInvalidSignature().withHint(err.detail);
    case "missing":
      return KeyVaultErrors.missingToken();
    default:
      return KeyVaultErrors.tokenMalformed().withHint(`the bearer token is not a JWT issued by the lab: ${err.detail}`);
  }
}

/** What the face notes about a request along the way, for its audit event. */
interface RequestNote {
  started: number;
  vault?: VaultRecord;
  authorization?: KvAuthorization;
  error?: KeyVaultError;
}

/** What the audit event of one request records, once its response is ready. */
function requestFacts(req: FastifyRequest, reply: FastifyReply, op: KvOperation, n: RequestNote, claims: AccessTokenClaims | undefined): KvRequestFacts {
  const host = hostOf(req);
  const name = op.nameParam ? (req.params as Record<string, string | undefined>)[op.nameParam] : undefined;
  return {
    operationName: op.operationName,
    vaultName: vaultNameFromHost(host) ?? "",
    vault: n.vault,
    claims,
    authorization: n.authorization,
    objectId: name ? `${origin(host)}${pathOf(req)}` : undefined,
    requestUri: `${origin(host)}${req.url}`,
    apiVersion: queryOf(req)["api-version"],
    callerIpAddress: req.ip,
    clientInfo: req.headers["user-agent"],
    correlationId: (req.headers["x-ms-client-request-id"] as string | undefined) ?? String(reply.getHeader("x-ms-request-id") ?? ""),
    httpStatusCode: reply.statusCode,
    durationMs: Math.round(performance.now() - n.started),
    errorCode: n.error ? (n.error.innerCode ?? n.error.code) : undefined,
    errorMessage: n.error?.message,
    hint: n.error?.hint,
    tokenPresented: bearerToken(req.headers.authorization) !== undefined,
  };
}

/** The face's state across one request's hooks and handler: the verified caller and its audit note. */
interface FaceState {
  ctx: LabContext;
  tokens: TokenService;
  callers: WeakMap<FastifyRequest, AccessTokenClaims>;
  // What each request's audit event needs, collected along the way and handed to the recorder as the response goes out.
  facts: WeakMap<FastifyRequest, RequestNote>;
}

function noteOf(s: FaceState, req: FastifyRequest): RequestNote {
  let n = s.facts.get(req);
  if (!n) s.facts.set(req, (n = { started: performance.now() }));
  return n;
}

function baseHeaders(ctx: LabContext, vault?: VaultRecord): Record<string, string> {
  return {
    "x-ms-request-id": ctx.random.uuid(),
    "x-ms-keyvault-service-version": SERVICE_VERSION,
    ...(vault ? { "x-ms-keyvault-region": vault.location } : {}),
  };
}

function notFound(name: string): KeyVaultError {
  return KeyVaultErrors.vaultNotFound(name).withHint(`real Azure would not resolve this host at all; create vault '${name}' through ARM (Microsoft.KeyVault/vaults) first`);
}

function render(s: FaceState, reply: FastifyReply, e: KeyVaultError): FastifyReply {
  noteOf(s, reply.request).error = e;
  const error: Record<string, unknown> = { code: e.code, message: e.message };
  if (e.innerCode) error.innererror = { code: e.innerCode };
  const headers: Record<string, string> = { ...baseHeaders(s.ctx), ...e.headers };
  if (e.hint) {
    error.wilabHint = e.hint;
    headers[HINT_HEADER] = headerSafe(e.hint);
  }
  return sendJson(reply, e.status, { error }, headers);
}

/** The face's one error handler: every failure leaves as a Key Vault error body. */
function errorHandler(s: FaceState) {
  return (err: FastifyLikeError, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (err instanceof KeyVaultError) return render(s, reply, err);
    const kind = frameworkErrorKind(err);
    if (kind === "tooLarge") return render(s, reply, KeyVaultErrors.bodyTooLarge(req.routeOptions.bodyLimit ?? BODY_LIMIT).withHint("a secret value is at most 25 KB"));
    if (err instanceof MalformedBodyError && err.tooDeep) return render(s, reply, KeyVaultErrors.badBody(err.detail));
    if (kind) return render(s, reply, KeyVaultErrors.badBody(kind === "unsupportedMedia" ? "unsupported content type" : "malformed JSON").withHint(err.message));
    if (err instanceof FaceError) return render(s, reply, new KeyVaultError(err.status, "BadParameter", err.message));
    s.ctx.log.warn(`keyvault: unexpected error: ${(err as Error).stack ?? err.message}`);
    return render(s, reply, KeyVaultErrors.internal());
  };
}

/**
 * The authentication hook. It runs before the body is read: the SDKs' first request carries no token and an
 * empty body, and must get the 401 challenge whatever the body would have been.
 */
function authenticate(s: FaceState) {
  const { ctx, tokens, callers } = s;
  return async (req: FastifyRequest): Promise<void> => {
    noteOf(s, req);
    const host = hostOf(req);
    const token = bearerToken(req.headers.authorization);
    let failure: AccessTokenInvalid | undefined;
    if (token) {
      try {
        callers.set(req, await tokens.verify(token, ctx.hosts.vaultResources()));
        return;
      } catch (err) {
        if (!(err instanceof AccessTokenInvalid)) throw err;
        failure = err;
      }
    }
    const name = vaultNameFromHost(host) ?? "";
    const vault = await ctx.store.read((tx) => Vaults.get(tx, name));
    if (!vault) throw notFound(name);
    noteOf(s, req).vault = vault;
    const e = failure ? authError(failure, vault, host, token!) : KeyVaultErrors.missingToken();
    throw e.withHeader("www-authenticate", challenge(ctx, vault, host));
  };
}

/** Runs one data-plane operation for an authenticated caller: tenant check, access decision, then the operation. */
async function run(s: FaceState, op: KvOperation, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { ctx } = s;
  const claims = s.callers.get(req);
  if (!claims) throw KeyVaultErrors.missingToken();
  const host = hostOf(req);
  const query = queryOf(req);
  const apiVersion = checkApiVersion(query["api-version"]);
  const params = { ...(req.params as Record<string, string>) };
  const secretName = op.nameParam ? checkSecretName(params[op.nameParam] ?? "") : undefined;
  const vaultName = vaultNameFromHost(host) ?? "";
  const txn = op.write ? ctx.store.write.bind(ctx.store) : ctx.store.read.bind(ctx.store);
  const { vault, result } = await txn(async (tx) => {
    const vault = await Vaults.get(tx, vaultName);
    if (!vault) throw notFound(vaultName);
    if (claims.tid.toLowerCase() !== vault.tenantId.toLowerCase()) {
      throw KeyVaultErrors.invalidIssuer(vault.tenantId, claims.iss)
        .withHeader("www-authenticate", challenge(ctx, vault, host))
        .withHint(`vault '${vault.name}' belongs to tenant ${vault.tenantId}; the token is from ${claims.tid}`);
    }
    const note = noteOf(s, req);
    note.vault = vault;
    const access = await decideAccess(ctx, tx, vault, claims, op, secretName);
    note.authorization = access.authorization;
    if (access.error) throw access.error;
    const result = await op.handler({ ctx, tx, vault, claims, origin: origin(host), apiVersion, params, query, body: req.body, write: op.write });
    return { vault, result };
  });
  const headers = baseHeaders(ctx, vault);
  if (result.hint) headers[HINT_HEADER] = headerSafe(result.hint);
  if (result.body === undefined) return reply.code(result.status).headers(headers).send();
  return sendJson(reply, result.status, result.body, headers);
}

/** One AuditEvent (and, on failure, one lab log line) per data-plane request, 401s and 403s included. */
function auditHook(s: FaceState) {
  const opsByRoute = new Map(SECRET_OPERATIONS.map((op) => [`${op.method} ${op.url}`, op]));
  return async (req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    const op = opsByRoute.get(`${req.method} ${req.routeOptions.url ?? ""}`);
    const n = s.facts.get(req);
    if (!op || !n) return payload;
    recordAudit(s.ctx, requestFacts(req, reply, op, n, s.callers.get(req)));
    return payload;
  };
}

/** The Key Vault data plane, served on vault hosts (`<vault>.vault.localhost:<port>`, `<vault>.vault.azure.net`). */
export async function keyVaultFace(app: FastifyInstance, d: KeyVaultFaceDeps): Promise<void> {
  const s: FaceState = { ctx: d.ctx, tokens: d.tokens, callers: new WeakMap(), facts: new WeakMap() };
  app.setErrorHandler(errorHandler(s));
  installFaultHooks(app, "keyvault", s.ctx, () => KeyVaultErrors.throttled()); // latency/throttle faults, before authentication
  app.addHook("onRequest", authenticate(s));
  app.addHook("onSend", auditHook(s));
  for (const op of SECRET_OPERATIONS) {
    app.route({
      method: op.method,
      url: op.url,
      constraints: { host: VAULT_HOST },
      bodyLimit: op.bodyLimit ?? BODY_LIMIT,
      handler: (req, reply) => run(s, op, req, reply),
    });
  }
}

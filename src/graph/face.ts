import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AccessTokenInvalid, type AccessTokenClaims, type TokenService } from "../entra/index.js";
import { FaceError, frameworkErrorKind, HINT_HEADER, headerSafe, hostOf, pathOf, queryOf, sendJson, type FastifyLikeError } from "../platform/index.js";
import { GraphError, GraphErrors } from "./GraphError.js";
import { GRAPH_OPERATIONS } from "./ops/index.js";
import type { GraphCaller, GraphContext, GraphOperation, GraphVersion } from "./types.js";

export interface GraphFaceDeps {
  ctx: GraphContext;
  tokens: TokenService;
  /** Object ids of the tenant's directory admins (the lab's admin user and admin service principal). */
  admins: () => string[];
}

/** The audiences a Graph token may carry: the resource URI or Graph's application id. */
export const GRAPH_AUDIENCES = ["https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"];
/** Graph answers on graph.microsoft.com (transparent mode) and at the lab's own origin (local mode). */
export const GRAPH_HOST = /^(?:localhost|127\.0\.0\.1|\[::1\]|graph\.microsoft\.com)(?::\d+)?$/i;

/** GRAPH_HOST and the names remote clients reach the lab by (`--hostname`, a `--listen` address), whose origin is the lab's too. */
export function graphHost(remoteNames: readonly string[]): RegExp {
  if (remoteNames.length === 0) return GRAPH_HOST;
  const names = remoteNames.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).map((n) => (n.includes(":") ? `\\[${n}\\]` : n));
  return new RegExp(`^(?:localhost|127\\.0\\.0\\.1|\\[::1\\]|graph\\.microsoft\\.com|${names.join("|")})(?::\\d+)?$`, "i");
}

function origin(req: FastifyRequest): string {
  return `https://${hostOf(req).replace(/:443$/, "")}`;
}

/** Graph's `innerError.date`: UTC to the second, without a zone designator. */
function graphDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

function authError(err: AccessTokenInvalid): GraphError {
  switch (err.reason) {
    case "missing":
      return GraphErrors.tokenMissing();
    case "malformed":
      return GraphErrors.tokenMalformed().withHint(err.detail);
    case "expired":
      return GraphErrors.tokenExpired().withHint(err.detail);
    case "audience":
      return GraphErrors.invalidAudience().withHint(`the token is for '${err.presented ?? ""}'; ask for scope https://graph.microsoft.com/.default`);
    default:
      return GraphErrors.invalidToken().withHint(err.detail);
  }
}

/** The operation a path names, or Graph's error for the first segment no operation knows (405 for a known path). */
function route(version: GraphVersion, method: string, segments: string[]): { op: GraphOperation; params: Record<string, string> } {
  const ops = GRAPH_OPERATIONS.filter((o) => o.versions.includes(version));
  const fits = (o: GraphOperation, n: number) => o.path.length >= n && segments.slice(0, n).every((s, i) => o.path[i]!.startsWith(":") || o.path[i]!.toLowerCase() === s.toLowerCase());
  const exact = ops.filter((o) => o.path.length === segments.length && fits(o, segments.length));
  const hit = exact.find((o) => o.method === method);
  if (hit) {
    const params: Record<string, string> = {};
    hit.path.forEach((p, i) => {
      if (p.startsWith(":")) params[p.slice(1)] = segments[i]!;
    });
    return { op: hit, params };
  }
  if (exact.length) throw GraphErrors.methodNotAllowed();
  let n = 1;
  while (n <= segments.length && ops.some((o) => fits(o, n))) n++;
  throw GraphErrors.segmentNotFound(segments[Math.min(n, segments.length) - 1] ?? version);
}

function requestIds(ctx: GraphContext, req: FastifyRequest): { requestId: string; clientRequestId: string } {
  const requestId = ctx.random.uuid();
  return { requestId, clientRequestId: (req.headers["client-request-id"] as string | undefined) ?? requestId };
}

/** Graph's error envelope (with the 401 challenge) and the lab log line for the failed request. */
function renderGraphError(ctx: GraphContext, req: FastifyRequest, reply: FastifyReply, e: GraphError, c: AccessTokenClaims | undefined): FastifyReply {
  const { requestId, clientRequestId } = requestIds(ctx, req);
  const error: Record<string, unknown> = { code: e.code, message: e.message, innerError: { date: graphDate(ctx.clock.now()), "request-id": requestId, "client-request-id": clientRequestId } };
  const headers: Record<string, string> = { "request-id": requestId, "client-request-id": clientRequestId, ...e.headers };
  if (e.status === 401) headers["www-authenticate"] = `Bearer realm="", authorization_uri="${ctx.hosts.loginOrigin}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`;
  if (e.hint) {
    error.wilabHint = e.hint;
    headers[HINT_HEADER] = headerSafe(e.hint);
  }
  ctx.labLog.log({
    level: e.status >= 500 ? "error" : "warn",
    face: "graph",
    op: `${req.method} ${pathOf(req)}`,
    status: e.status,
    code: e.code,
    caller: c ? { clientId: c.appid, objectId: c.oid, upn: c.upn } : undefined,
    hint: e.hint,
    correlationId: clientRequestId,
  });
  return sendJson(reply, e.status, { error }, headers);
}

/** Microsoft Graph's face: `/v1.0/…` and `/beta/…` on graph.microsoft.com or the lab's origin. */
export async function graphFace(app: FastifyInstance, d: GraphFaceDeps): Promise<void> {
  const { ctx, tokens } = d;
  const callers = new WeakMap<FastifyRequest, GraphCaller>();

  const render = (req: FastifyRequest, reply: FastifyReply, e: GraphError) => renderGraphError(ctx, req, reply, e, callers.get(req)?.claims);

  app.setErrorHandler((err: FastifyLikeError, req, reply) => {
    if (err instanceof GraphError) return render(req, reply, err);
    const kind = frameworkErrorKind(err);
    if (kind) return render(req, reply, GraphErrors.badBody("").withHint(err.message));
    if (err instanceof FaceError) return render(req, reply, new GraphError(err.status, "BadRequest", err.message));
    ctx.log.warn(`graph: unexpected error: ${(err as Error).stack ?? err.message}`);
    return render(req, reply, GraphErrors.internal());
  });

  async function authenticate(req: FastifyRequest): Promise<GraphCaller> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
    try {
      // In local mode Graph is served at the lab's origin, and az (its cloud's microsoftGraphResourceId set to that
      // origin, as `wilab az-cloud` registers it) asks for tokens with that audience; the real Graph's are accepted too.
      const audiences = ctx.config.mode === "transparent" ? GRAPH_AUDIENCES : [...GRAPH_AUDIENCES, ...ctx.hosts.labOrigins()];
      const claims = await tokens.verify(m?.[1], audiences);
      const admins = d.admins().map((a) => a.toLowerCase());
      const caller = { claims, isUser: claims.idtyp === "user", isAdmin: admins.includes(claims.oid.toLowerCase()) };
      callers.set(req, caller);
      return caller;
    } catch (err) {
      if (err instanceof AccessTokenInvalid) throw authError(err);
      throw err;
    }
  }

  function authorize(op: GraphOperation, caller: GraphCaller): void {
    if (op.access === "self") {
      if (!caller.isUser) throw GraphErrors.meWithoutUser().withHint("an application token has no signed-in user: read the application with /servicePrincipals?$filter=appId eq '<appid>'");
      return;
    }
    if (!caller.isAdmin) {
      throw GraphErrors.insufficientPrivileges().withHint(
        `'${caller.claims.oid}' (appid ${caller.claims.appid}) has no Graph permission for this: the lab grants ${op.access === "auditLog" ? "AuditLog.Read.All" : "Directory.Read.All"} only to the tenant's admins (the admin user and the lab's admin service principal)`,
      );
    }
  }

  async function dispatch(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const raw = pathOf(req).split("/").filter(Boolean);
    let segments: string[];
    try {
      segments = raw.map((s) => decodeURIComponent(s));
    } catch {
      throw GraphErrors.segmentNotFound(raw.find((s) => /%(?![0-9a-f]{2})/i.test(s)) ?? raw[raw.length - 1] ?? "");
    }
    const version = segments.shift()!.toLowerCase() as GraphVersion;
    const caller = await authenticate(req);
    const { op, params } = route(version, req.method.toUpperCase(), segments);
    authorize(op, caller);
    if (op.access === "auditLog") await ctx.records.flush(); // the sign-in log includes every request answered so far
    const result = await ctx.store.read((tx) =>
      op.handler({ ctx, tx, caller, version, origin: origin(req), path: raw.slice(1).join("/"), params, query: queryOf(req), body: req.body }),
    );
    const { requestId, clientRequestId } = requestIds(ctx, req);
    return sendJson(reply, result.status, result.body, { "request-id": requestId, "client-request-id": clientRequestId, "odata-version": "4.0" });
  }

  for (const version of ["v1.0", "beta"]) {
    app.route({ method: ["GET", "POST", "PUT", "PATCH", "DELETE"], url: `/${version}/*`, constraints: { host: graphHost(ctx.hosts.remoteNames) }, handler: dispatch });
  }
}

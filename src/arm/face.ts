import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { FaceError, frameworkErrorKind, HINT_HEADER, headerSafe, installFaultHooks, MalformedBodyError, pathOf, queryOf, sendJson, type FastifyLikeError, type LogLevel } from "../platform/index.js";
import type { LabContext } from "../platform/index.js";
import type { LabRecord } from "../entra/index.js";
import { AccessTokenInvalid, type TokenService } from "../entra/index.js";
import { authorize, RoleAssignments } from "../rbac/index.js";
import { ArmError, ArmErrors } from "./ArmError.js";
import { compileRoute, type ArmCaller, type ArmMethod, type ArmOperation, type ArmRequest, type ArmResponse, type ArmRoute, type CompiledRoute } from "./ArmRoute.js";
import type { Tx } from "../store/index.js";
import { ResourceGroups } from "./resources/ResourceGroup.js";

export interface ArmFaceDeps {
  ctx: LabContext;
  tokens: TokenService;
  lab: () => LabRecord;
  routes: ArmRoute[];
}

function renderArmError(ctx: LabContext, reply: FastifyReply, e: ArmError): FastifyReply {
  const body: Record<string, unknown> = { error: { code: e.code, message: e.message, ...(e.target ? { target: e.target } : {}), ...(e.details ? { details: e.details } : {}) } };
  const headers: Record<string, string> = { "x-ms-request-id": ctx.random.uuid(), "x-ms-failure-cause": e.status >= 500 ? "service" : "gateway", ...e.headers };
  if (e.hint) {
    (body.error as Record<string, unknown>).wilabHint = e.hint;
    headers[HINT_HEADER] = headerSafe(e.hint);
  }
  return sendJson(reply, e.status, body, headers);
}

/** How loud a failure is in the lab log: a GET that finds nothing is how tools probe (az, Terraform), so `info`. */
function failureLevel(method: string, status: number): LogLevel {
  if (status >= 500) return "error";
  if (status === 404 && (method === "GET" || method === "HEAD")) return "info";
  return "warn";
}

/** One lab-log line for a failed ARM request: op, status, code, the caller from the verified token, the hint. */
function logArmFailure(ctx: LabContext, req: FastifyRequest, e: ArmError, caller: ArmCaller | undefined): void {
  // A 429 from a throttle fault is logged by the fault layer, with the fault's id.
  if (e.status === 429) return;
  ctx.labLog.log({
    level: failureLevel(req.method, e.status),
    face: "arm",
    op: `${req.method} ${pathOf(req)}`,
    status: e.status,
    code: e.code,
    caller: caller ? { clientId: caller.appid, objectId: caller.oid, upn: caller.claims.upn } : undefined,
    hint: e.hint,
    message: e.message,
    correlationId: req.headers["x-ms-correlation-request-id"] as string | undefined,
  });
}

const RESERVED = new Set(["subscriptions", "providers", "metadata", "tenants"]);

/** Any failure as the ARM error the face answers with. */
function armErrorOf(ctx: LabContext, err: FastifyLikeError): ArmError {
  if (err instanceof ArmError) return err;
  const kind = frameworkErrorKind(err);
  if (kind === "tooLarge") return ArmErrors.tooLarge();
  if (kind) return ArmErrors.invalidRequestContent(err instanceof MalformedBodyError ? err.detail : err.message);
  if (err instanceof FaceError) return ArmErrors.fromFaceError(err.status, err.message);
  ctx.log.warn(`arm: unexpected error: ${(err as Error).stack ?? err.message}`);
  return ArmErrors.internal();
}

/** The caller from the request's bearer token, or ARM's authentication error. */
async function authenticate(d: ArmFaceDeps, req: FastifyRequest): Promise<ArmCaller> {
  const { ctx, tokens } = d;
  const h = req.headers.authorization;
  if (!h) throw ArmErrors.authenticationMissing();
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw ArmErrors.authenticationMalformed();
  try {
    const claims = await tokens.verify(m[1], ctx.hosts.armResources());
    return { oid: claims.oid, appid: claims.appid, claims };
  } catch (err) {
    if (!(err instanceof AccessTokenInvalid)) throw err;
    switch (err.reason) {
      case "expired": {
        const now = new Date(ctx.clock.now()).toISOString();
        throw ArmErrors.expiredToken("(expired)", now).withHint(err.detail);
      }
      case "audience":
        throw ArmErrors.wrongAudience(err.presented ?? "").withHint(`the token was issued for '${err.presented}'; ask for scope https://management.azure.com/.default`);
      case "issuer":
        throw ArmErrors.wrongTenant(err.presented ?? "", d.lab().tenantId);
      default:
        throw ArmErrors.invalidToken().withHint(err.detail);
    }
  }
}

/** The error for a path no route matches: an unregistered namespace, an unknown resource type, or a plain 404. */
function notFoundFor(routes: ArmRoute[], segments: string[], apiVersion: string): ArmError {
  const lower = segments.map((s) => s.toLowerCase());
  const p = lower.lastIndexOf("providers");
  if (p >= 0 && segments[p + 1]) {
    const ns = segments[p + 1]!;
    const known = routes.some((r) => r.type.toLowerCase().startsWith(ns.toLowerCase() + "/"));
    if (!known) return ArmErrors.notRegistered(ns);
    return ArmErrors.invalidResourceType(segments.slice(p + 2).filter((_, i) => i % 2 === 0).join("/"), ns, apiVersion);
  }
  return ArmErrors.pathNotFound(`/${segments.join("/")}`);
}

/** The request path's segments, decoded; an undecodable path is ARM's InvalidRequestUri. */
function pathSegments(req: FastifyRequest): string[] {
  try {
    return pathOf(req).split("/").filter(Boolean).map((s) => decodeURIComponent(s));
  } catch {
    throw ArmErrors.invalidRequestUri(pathOf(req));
  }
}

function matchRoute(compiled: CompiledRoute[], segments: string[]): { c: CompiledRoute; params: Record<string, string> } | undefined {
  for (const c of compiled) {
    const params = c.match(segments);
    if (params) return { c, params };
  }
  return undefined;
}

/** The RBAC check of an operation, with the RBAC propagation delay (a fault) in force. Throws AuthorizationFailed. */
async function authorizeOperation(ctx: LabContext, tx: Tx, op: ArmOperation, request: ArmRequest): Promise<void> {
  if (op.action === null) return; // the handler itself filters by the caller (subscriptions, tenants)
  const { caller, method, path } = request;
  const scope = op.scope ? op.scope(request) : path;
  const assignments = await RoleAssignments.forPrincipal(tx, caller.oid);
  const delay = ctx.faults.rbacPropagationMs(ctx.config.rbacPropagationMs);
  const effective = delay > 0 ? assignments.filter((a) => Date.parse(a.createdOn) + delay <= ctx.clock.now()) : assignments;
  if (!authorize(effective, caller.oid, op.action, scope, "action").allowed) {
    const pending = delay > 0 ? authorize(assignments, caller.oid, op.action, scope, "action").assignment : undefined;
    const fault = pending ? ctx.faults.propagationFault("rbac") : undefined;
    if (fault) ctx.faults.affected({ fault, face: "arm", op: `${method} ${path}`, status: 403, detail: `role assignment ${pending!.name} still propagating` });
    throw ArmErrors.authorizationFailed(caller.oid, op.action, scope, caller.claims.idtyp === "user" ? caller.claims.upn : undefined).withHint(
      pending
        ? `role assignment ${pending.name} grants this but is still propagating (RBAC propagation delay in force: ${Math.round(delay / 1000)} s)`
        : `no role assigned to ${caller.oid} at '${scope}' or above grants ${op.action}`,
    );
  }
}

/** Runs an operation in one transaction: RBAC, the resource group's existence, then the handler. */
async function runOperation(ctx: LabContext, lab: LabRecord, route: ArmRoute, op: ArmOperation, request: ArmRequest): Promise<ArmResponse> {
  const rgParam = route.resourceGroupParam;
  const { params } = request;
  return (op.write ? ctx.store.write.bind(ctx.store) : ctx.store.read.bind(ctx.store))(async (tx) => {
    await authorizeOperation(ctx, tx, op, request);
    if (rgParam && !(await ResourceGroups.get(tx, lab.subscriptionId, params[rgParam]!))) {
      throw ArmErrors.resourceGroupNotFound(params[rgParam]!);
    }
    return op.handler(request, tx);
  });
}

/** Runs the matched operation's `onArrival` as a request arrives (before its body is read) and keeps what it returns. */
function arrivalHook(compiled: CompiledRoute[], arrivals: WeakMap<FastifyRequest, unknown>) {
  // Callback-style: a request whose operation has no onArrival pays a route match, not a promise.
  return (req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void => {
    let segments: string[];
    try {
      segments = pathSegments(req);
    } catch {
      return done(); // dispatch answers InvalidRequestUri
    }
    const method = req.method.toUpperCase() as ArmMethod;
    const hit = matchRoute(compiled, segments);
    const op = hit?.c.route.operations[method === "HEAD" ? "GET" : method];
    if (!hit || !op?.onArrival) return done();
    op.onArrival({ method, params: hit.params, path: "/" + segments.join("/") }).then(
      (v) => {
        arrivals.set(req, v);
        done();
      },
      (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
    );
  };
}

interface RequestState {
  callers: WeakMap<FastifyRequest, ArmCaller>;
  arrivals: WeakMap<FastifyRequest, unknown>;
}

/** The pipeline: api-version → authentication → route → subscription → operation → RBAC and handler → response. */
async function dispatch(d: ArmFaceDeps, compiled: CompiledRoute[], state: RequestState, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { callers } = state;
  const { ctx } = d;
  const segments = pathSegments(req);
  const path = "/" + segments.join("/");
  const query = queryOf(req);
  const apiVersion = query["api-version"];
  if (!apiVersion) throw ArmErrors.missingApiVersion();
  const caller = await authenticate(d, req);
  callers.set(req, caller);
  const method = req.method.toUpperCase() as ArmMethod;

  const hit = matchRoute(compiled, segments);
  if (!hit) throw notFoundFor(d.routes, segments, apiVersion);
  const { route } = hit.c;
  const params = hit.params;

  const sub = params.subscriptionId;
  const lab = d.lab();
  if (sub !== undefined && sub.toLowerCase() !== lab.subscriptionId) {
    if (!/^[0-9a-f-]{36}$/i.test(sub)) throw ArmErrors.invalidSubscriptionId(sub);
    throw ArmErrors.subscriptionNotFound(sub).withHint(`the lab's subscription is ${lab.subscriptionId}`);
  }
  if (!route.apiVersions.includes(apiVersion)) {
    // ARM answers its own namespace itself; a resource provider's types get NoRegisteredProviderFound.
    if (route.type.toLowerCase().startsWith("microsoft.resources/")) throw ArmErrors.invalidApiVersion(apiVersion, route.apiVersions);
    throw ArmErrors.noRegisteredProvider("global", apiVersion, route.type, route.apiVersions);
  }
  const op = route.operations[method === "HEAD" ? "GET" : method];
  if (!op) throw ArmErrors.methodNotAllowed(method);

  const arrival = state.arrivals.get(req);
  const res = await runOperation(ctx, lab, route, op, { method, params, query, body: req.body, apiVersion, caller, path, ...(arrival !== undefined ? { arrival } : {}) });
  if (res.afterCommit) await res.afterCommit();
  const headers = { "x-ms-request-id": ctx.random.uuid(), "x-ms-correlation-request-id": (req.headers["x-ms-correlation-request-id"] as string | undefined) ?? ctx.random.uuid(), ...res.headers };
  if (res.body === undefined) return reply.code(res.status).headers(headers).send();
  if (method === "HEAD") return reply.code(res.status).headers(headers).send();
  return sendJson(reply, res.status, res.body, headers);
}

/** Azure Resource Manager's face: one pipeline (api-version → authentication → route → RBAC → handler in a transaction). */
export async function armFace(app: FastifyInstance, d: ArmFaceDeps): Promise<void> {
  const { ctx } = d;
  const compiled: CompiledRoute[] = d.routes.map(compileRoute);
  const callers = new WeakMap<FastifyRequest, ArmCaller>();
  const state: RequestState = { callers, arrivals: new WeakMap() };
  app.setErrorHandler((err: FastifyLikeError, req, reply) => {
    const e = armErrorOf(ctx, err);
    logArmFailure(ctx, req, e, callers.get(req));
    return renderArmError(ctx, reply, e);
  });
  // A request reaches ARM before a latency fault holds it up, as a slow service would: writes then overlap as they do
  // at Azure (concurrent federated credential writes under one identity conflict; see onArrival).
  app.addHook("onRequest", arrivalHook(compiled, state.arrivals));
  installFaultHooks(app, "arm", ctx, (s, req) => ArmErrors.throttled(req.method !== "GET" && req.method !== "HEAD", d.lab().subscriptionId, s));

  const handler = (req: FastifyRequest, reply: FastifyReply) => dispatch(d, compiled, state, req, reply);
  for (const prefix of RESERVED) {
    app.all(`/${prefix}`, handler);
    app.all(`/${prefix}/*`, handler);
  }
}

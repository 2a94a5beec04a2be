/**
 * The portal face: `/portal` in a browser. Pages are one bundled app (web/portal, built into dist/portal);
 * its data comes from `/portal/api/*`, answered only with a valid session (see auth.ts). Writes carry the
 * session's CSRF token in `x-csrf-token` and come from the lab's own origin. Every response has a CSP with
 * no inline script.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { FaceError, packageRoot, queryOf, sendJson, type LabContext } from "../platform/index.js";
import { DoctorError, type DoctorDeps } from "../diagnose/doctor/index.js";
import { beginSignIn, finishSignIn, requestOrigin, sessionOf, signOut } from "./auth.js";
import { applyFix, parseAction } from "./fixes.js";
import { PortalError, PortalErrors } from "./PortalError.js";
import type { PortalSession } from "./session.js";
import { auditEvents, chain, clusters, identities, matchToken, overview, signIns, workloads, type PortalViewDeps } from "./views.js";
import { signInStream } from "./stream.js";

export { PORTAL_CLIENT_ID } from "../entra/codeFlow.js";
export { chainGraph, type ChainGraph, type ChainAction } from "./chain.js";

export interface PortalDeps {
  ctx: LabContext;
  doctor: DoctorDeps;
}

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const SECURITY = { "content-security-policy": CSP, "x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "same-origin", "cache-control": "no-store" };
const ASSETS: Record<string, string> = { "app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8" };

function assetDir(): string {
  return join(packageRoot(), "dist", "portal");
}

function indexHtml(s: PortalSession): string {
  const esc = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>wilab portal</title><link rel="icon" href="data:,"><meta name="csrf-token" content="${esc(s.csrf)}"><meta name="user" content="${esc(s.user.userPrincipalName)}"><link rel="stylesheet" href="/portal/assets/app.css"></head><body><div id="app"></div><script type="module" src="/portal/assets/app.js"></script></body></html>`;
}

function sendError(reply: FastifyReply, err: PortalError): FastifyReply {
  return sendJson(reply, err.status, { error: { code: err.code, message: err.message } }, SECURITY);
}

/** Writes: the session's CSRF token, and an Origin (when the browser sends one) that is this lab's. */
function checkCsrf(req: FastifyRequest, s: PortalSession): void {
  const origin = req.headers.origin;
  if (req.headers["x-csrf-token"] !== s.csrf || (origin !== undefined && origin !== requestOrigin(req))) throw PortalErrors.csrf();
}

export async function portalFace(app: FastifyInstance, d: PortalDeps): Promise<void> {
  const { ctx } = d;
  const views: PortalViewDeps = { ctx, doctor: d.doctor };

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof PortalError) return sendError(reply, err);
    if (err instanceof DoctorError) return sendError(reply, new PortalError(err.status, err.code, err.message));
    if (err instanceof FaceError) return sendError(reply, new PortalError(err.status, "BadRequest", err.message));
    ctx.log.warn(`portal: unexpected error: ${(err as Error).stack ?? String(err)}`);
    return sendError(reply, new PortalError(500, "InternalError", "The portal could not answer this request; the lab log has the details."));
  });

  const page = async (req: FastifyRequest, reply: FastifyReply) => {
    const s = await sessionOf(ctx, req);
    if (!s) return reply.code(302).headers(SECURITY).header("location", await beginSignIn(ctx, req, "/portal")).send();
    return reply.code(200).headers({ ...SECURITY, "content-type": "text/html; charset=utf-8" }).send(indexHtml(s.session));
  };
  app.get("/portal", page);

  app.get("/portal/auth/callback", async (req, reply) => {
    const to = await finishSignIn(ctx, queryOf(req), reply);
    return reply.code(302).headers(SECURITY).header("location", to).send();
  });

  app.get<{ Params: { file: string } }>("/portal/assets/:file", async (req, reply) => {
    const type = ASSETS[req.params.file];
    const file = join(assetDir(), req.params.file);
    if (!type || !existsSync(file)) throw PortalErrors.notFound(`asset ${req.params.file}`);
    return reply.code(200).headers({ ...SECURITY, "cache-control": "no-cache", "content-type": type }).send(readFileSync(file));
  });

  /** An API route: only with a session; writes also with the CSRF token. */
  const api = (fn: (req: FastifyRequest, s: { id: string; session: PortalSession }, reply: FastifyReply) => Promise<unknown>, write = false) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const s = await sessionOf(ctx, req);
      if (!s) throw PortalErrors.notSignedIn();
      if (write) checkCsrf(req, s.session);
      const out = await fn(req, s, reply);
      return reply.sent ? reply : sendJson(reply, 200, out, SECURITY);
    };
  const q = (req: FastifyRequest) => queryOf(req);

  app.get("/portal/api/me", api(async (_req, s) => ({ user: s.session.user })));
  app.get("/portal/api/overview", api(async () => overview(views)));
  app.get("/portal/api/workloads", api(async () => ({ value: await workloads(views) })));
  app.get("/portal/api/chain", api(async (req) => chain(views, q(req))));
  app.get("/portal/api/identities", api(async () => ({ value: await identities(views) })));
  app.get("/portal/api/clusters", api(async () => ({ value: await clusters(views) })));
  app.get("/portal/api/signins", api(async (req) => ({ value: await signIns(views, q(req)) })));
  app.get("/portal/api/auditEvents", api(async (req) => ({ value: await auditEvents(views, q(req)) })));
  app.get("/portal/api/signins/stream", api(async (req, _s, reply) => signInStream(views, req, reply, SECURITY)));
  app.post("/portal/api/match", api(async (req) => matchToken(views, (req.body as { token?: unknown } | undefined)?.token), true));
  app.post("/portal/api/fix", api(async (req, s) => applyFix(ctx, s.session.accessToken, parseAction(req.body)), true));
  app.post(
    "/portal/api/signout",
    api(async (_req, s, reply) => {
      await signOut(ctx, s.id, reply);
      return { signedOut: true };
    }, true),
  );
}

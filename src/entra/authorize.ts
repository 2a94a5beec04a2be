/**
 * The v2.0 authorize endpoint: the authorization code flow with PKCE for the lab's first-party public
 * clients (the portal). GET checks the request and shows the sign-in page; the page posts the user's
 * name and password (Entra's field names: `login`, `passwd`, `flowToken`) back to the same URL; a good
 * password gives a single-use code at the redirect URI. Requests that name an unknown client or a
 * redirect URI that is not the client's get an error page, never a redirect (RFC 6749 §4.1.2.1).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { queryOf, type LabContext } from "../platform/index.js";
import { Directory, secretMatches, type LabRecord, type UserRecord } from "./Directory.js";
import { EntraError, EntraErrors } from "./EntraError.js";
import {
  AuthCodes,
  AuthFlows,
  CODE_LIFETIME_MS,
  FIRST_PARTY_CLIENTS,
  FLOW_LIFETIME_MS,
  redirectUriAllowed,
  type AuthorizeRequest,
} from "./codeFlow.js";

export interface AuthorizeDeps {
  ctx: LabContext;
  lab: () => LabRecord;
  tenantMatches: (tenant: string) => boolean;
}

type Params = Record<string, string | undefined>;

/** An authorize request that cannot go back to its redirect URI: shown as Entra's error page. */
class UnredirectableError extends Error {
  constructor(readonly entra: EntraError) {
    super(entra.message);
  }
}

function labOrigins(ctx: LabContext): string[] {
  return [...new Set([ctx.hosts.localOrigin, ctx.hosts.loginOrigin, ctx.hosts.armOrigin])];
}

/** Validates an authorize request (pure but for the lab's origins). Throws UnredirectableError or EntraError. */
export function parseAuthorizeRequest(q: Params, origins: readonly string[], tenantName: string): AuthorizeRequest {
  const clientId = q.client_id?.trim();
  if (!clientId) throw new UnredirectableError(EntraErrors.missingParameter("client_id"));
  if (!FIRST_PARTY_CLIENTS[clientId.toLowerCase()]) throw new UnredirectableError(EntraErrors.applicationNotFound(clientId, tenantName));
  const redirectUri = q.redirect_uri ?? "";
  if (!redirectUriAllowed(redirectUri, clientId, origins)) throw new UnredirectableError(EntraErrors.redirectUriMismatch(redirectUri, clientId));
  const responseMode = q.response_mode ?? "query";
  if (responseMode !== "query" && responseMode !== "form_post") throw new UnredirectableError(EntraErrors.invalidResponseMode(responseMode));
  const base = { clientId, redirectUri, responseMode, state: q.state, nonce: q.nonce } as const;
  if (q.response_type === undefined) throw withRequest(EntraErrors.missingParameter("response_type"), base);
  if (q.response_type !== "code") throw withRequest(EntraErrors.unsupportedResponseType(q.response_type), base);
  if (!q.scope) throw withRequest(EntraErrors.missingParameter("scope"), base);
  if (!q.code_challenge) throw withRequest(EntraErrors.pkceRequired(), base);
  const method = q.code_challenge_method ?? "plain";
  if (method !== "S256" && method !== "plain") throw withRequest(EntraErrors.invalidCodeChallengeMethod(), base);
  return { ...base, scope: q.scope, codeChallenge: q.code_challenge, codeChallengeMethod: method };
}

/** An error that goes back to the client's redirect URI (it was checked first). */
class RedirectableError extends Error {
  constructor(
    readonly entra: EntraError,
    readonly to: Pick<AuthorizeRequest, "redirectUri" | "state" | "responseMode">,
  ) {
    super(entra.message);
  }
}

function withRequest(e: EntraError, to: Pick<AuthorizeRequest, "redirectUri" | "state" | "responseMode">): RedirectableError {
  return new RedirectableError(e, to);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Security headers for every page this endpoint serves: no script at all, styles by nonce, forms only back here or to the client. */
function pageHeaders(nonce: string, formTarget?: string): Record<string, string> {
  const formAction = ["'self'", ...(formTarget ? [new URL(formTarget).origin] : [])].join(" ");
  return {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": `default-src 'none'; style-src 'nonce-${nonce}'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
  };
}

const STYLE = `body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0;color:#1b1b1b}
main{max-width:440px;margin:10vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.5rem;font-weight:600;margin:0 0 1rem}label{display:block;margin:.75rem 0 .25rem}
input{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #666;font-size:1rem}
button{margin-top:1.25rem;background:#0067b8;color:#fff;border:0;padding:.6rem 2rem;font-size:1rem;cursor:pointer}
button:focus,input:focus{outline:3px solid #1b1b1b;outline-offset:2px}.error{color:#a80000;margin:.5rem 0}
.app{color:#444;margin-bottom:1rem}code{word-break:break-all}`;

function page(nonce: string, title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style nonce="${nonce}">${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export function signInPage(o: { nonce: string; action: string; flowToken: string; appName: string; login?: string; error?: string }): string {
  return page(
    o.nonce,
    "Sign in to your account",
    `<h1>Sign in</h1><p class="app">to continue to ${escapeHtml(o.appName)}</p>` +
      (o.error ? `<p class="error" role="alert" id="error">${escapeHtml(o.error)}</p>` : "") +
      `<form method="post" action="${escapeHtml(o.action)}" novalidate>` +
      `<input type="hidden" name="flowToken" value="${escapeHtml(o.flowToken)}">` +
      `<label for="login">Email or username</label><input id="login" name="login" type="email" autocomplete="username" required value="${escapeHtml(o.login ?? "")}"${o.error ? ' aria-describedby="error"' : ""}>` +
      `<label for="passwd">Password</label><input id="passwd" name="passwd" type="password" autocomplete="current-password" required>` +
      `<button type="submit">Sign in</button></form>`,
  );
}

function errorPage(nonce: string, e: EntraError, correlationId: string): string {
  return page(
    nonce,
    "Sign in to your account",
    `<h1>Sorry, but we're having trouble signing you in.</h1><p class="error" role="alert">AADSTS${e.code}: ${escapeHtml(e.message)}</p><p>Correlation ID: <code>${escapeHtml(correlationId)}</code></p>`,
  );
}

/** The redirect back to the client: a 302 with the query, or (form_post) a page whose form the user sends. */
function sendBack(reply: FastifyReply, nonce: string, to: Pick<AuthorizeRequest, "redirectUri" | "responseMode">, params: Record<string, string>): FastifyReply {
  if (to.responseMode === "form_post") {
    const fields = Object.entries(params)
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join("");
    return reply
      .code(200)
      .headers(pageHeaders(nonce, to.redirectUri))
      .send(page(nonce, "Continue", `<h1>Signed in</h1><form method="post" action="${escapeHtml(to.redirectUri)}">${fields}<button type="submit" autofocus>Continue</button></form>`));
  }
  const u = new URL(to.redirectUri);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return reply.code(302).header("location", u.toString()).header("cache-control", "no-store").send();
}

function errorParams(e: EntraError, state: string | undefined, correlationId: string): Record<string, string> {
  return { error: e.error, error_description: `AADSTS${e.code}: ${e.message}`, error_codes: `[${e.code}]`, correlation_id: correlationId, ...(state !== undefined ? { state } : {}) };
}

/** Checks the user's name and password against the lab directory; the AADSTS error the sign-in page shows otherwise. */
async function checkCredentials(d: AuthorizeDeps, login: string, password: string): Promise<UserRecord> {
  const user = login ? await d.ctx.store.read((tx) => Directory.userByUpn(tx, login)) : undefined;
  if (!user) throw EntraErrors.userNotFound(login, d.lab().tenantDomain);
  if (!secretMatches(password, user.passwordSha256)) throw EntraErrors.badPassword();
  return user;
}

/** Routes of the authorize endpoint (v2.0). */
export function authorizeRoutes(app: FastifyInstance, d: AuthorizeDeps): void {
  const { ctx } = d;
  const correlation = () => ctx.random.uuid();
  const nonceOf = () => ctx.random.base64url(16);

  const handleError = (reply: FastifyReply, err: unknown, nonce: string): FastifyReply => {
    const id = correlation();
    if (err instanceof UnredirectableError) return reply.code(err.entra.status).headers(pageHeaders(nonce)).send(errorPage(nonce, err.entra, id));
    if (err instanceof RedirectableError) return sendBack(reply, nonce, err.to, errorParams(err.entra, err.to.state, id));
    throw err;
  };

  app.get<{ Params: { tenant: string } }>("/:tenant/oauth2/v2.0/authorize", async (req, reply) => {
    const nonce = nonceOf();
    if (!d.tenantMatches(req.params.tenant)) return handleError(reply, new UnredirectableError(EntraErrors.tenantNotFound(req.params.tenant)), nonce);
    let request: AuthorizeRequest;
    try {
      request = parseAuthorizeRequest(queryOf(req), labOrigins(ctx), d.lab().tenantDomain);
    } catch (err) {
      return handleError(reply, err, nonce);
    }
    const flowToken = ctx.random.base64url(32);
    await ctx.store.write((tx) => AuthFlows.put(tx, flowToken, { request, expiresAt: ctx.clock.now() + FLOW_LIFETIME_MS }));
    const appName = FIRST_PARTY_CLIENTS[request.clientId.toLowerCase()]!.displayName;
    return reply.code(200).headers(pageHeaders(nonce)).send(signInPage({ nonce, action: actionOf(req), flowToken, appName, login: queryOf(req).login_hint }));
  });

  app.post<{ Params: { tenant: string } }>("/:tenant/oauth2/v2.0/authorize", async (req, reply) => {
    const nonce = nonceOf();
    const form = (req.body && typeof req.body === "object" ? req.body : {}) as Params;
    const flowToken = form.flowToken ?? "";
    const flow = flowToken ? await ctx.store.read((tx) => AuthFlows.take(tx, flowToken, ctx.clock.now())) : undefined;
    if (!flow || !d.tenantMatches(req.params.tenant)) {
      // A missing, expired or forged flow token: the form did not come from a sign-in page of this lab.
      return handleError(reply, new UnredirectableError(EntraErrors.invalidRequestFlow()), nonce);
    }
    const appName = FIRST_PARTY_CLIENTS[flow.request.clientId.toLowerCase()]!.displayName;
    let user: UserRecord;
    try {
      user = await checkCredentials(d, (form.login ?? "").trim(), form.passwd ?? "");
    } catch (err) {
      if (!(err instanceof EntraError)) throw err;
      const error = `AADSTS${err.code}: ${err.message}`;
      return reply.code(200).headers(pageHeaders(nonce)).send(signInPage({ nonce, action: actionOf(req), flowToken, appName, login: form.login, error }));
    }
    const code = `1.${ctx.random.base64url(48)}`;
    const now = ctx.clock.now();
    await ctx.store.write(async (tx) => {
      await AuthFlows.drop(tx, flowToken);
      await AuthCodes.put(tx, code, { request: flow.request, userObjectId: user.objectId, userPrincipalName: user.userPrincipalName, issuedAt: now, expiresAt: now + CODE_LIFETIME_MS });
    });
    ctx.labLog.log({ level: "info", face: "entra", op: "authorize", status: 302, caller: { clientId: flow.request.clientId, objectId: user.objectId, upn: user.userPrincipalName }, hint: `code issued to ${appName}` });
    const params: Record<string, string> = { code, session_state: ctx.random.uuid(), ...(flow.request.state !== undefined ? { state: flow.request.state } : {}) };
    return sendBack(reply, nonce, flow.request, params);
  });
}

/** The form posts back to the URL it was served from (same path and query). */
function actionOf(req: FastifyRequest): string {
  return req.raw.url ?? "/";
}

/**
 * Self-managed cluster issuers (kind, k3s, kubeadm): the lab hosts the discovery document and JWKS of a
 * cluster it does not run, as Azure's guide for self-managed clusters does with a storage account. The
 * issuer is `https://<lab origin>/oidc-issuers/<name>/`; its documents are public (Entra fetches them without
 * credentials). They are managed through `/_wilab/oidc-issuers` (an ARM token of the lab's tenant), which
 * `wilab oidc-issuer create|list|show|update|delete` calls.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { sendJson, type LabContext } from "../platform/index.js";
import { sendRefusal, type AdminAuthenticate } from "../diagnose/adminAuth.js";
import { ISSUER_NAME, IssuerKeyError, jwkFromPem, jwksKeys, type IssuerJwk } from "./jwk.js";
import { SelfManagedIssuers, type SelfManagedIssuerRecord } from "./store.js";

export interface IssuerRouteDeps {
  ctx: LabContext;
  authenticate: AdminAuthenticate;
}

export const ISSUER_PATH = "/oidc-issuers";

class IssuerNotFound extends Error {}

export function selfManagedIssuerUrl(ctx: LabContext, name: string): string {
  return `${ctx.hosts.localOrigin}${ISSUER_PATH}/${name}/`;
}

/** What the admin API shows: the record with its issuer URL and the kube-apiserver flags that go with it. */
function view(ctx: LabContext, r: SelfManagedIssuerRecord): Record<string, unknown> {
  const issuer = selfManagedIssuerUrl(ctx, r.name);
  return {
    name: r.name,
    issuer,
    jwksUri: `${issuer}openid/v1/jwks`,
    kids: r.keys.map((k) => k.kid),
    keys: r.keys,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    kubeApiServerFlags: [`--service-account-issuer=${issuer}`, "--service-account-key-file=<the public key file(s)>", "--service-account-signing-key-file=<the private key file>"],
  };
}

interface KeyChanges {
  publicKeys?: unknown;
  jwks?: unknown;
  removeKids?: unknown;
}

/** The keys a request asks for: PEM public keys and/or a JWKS, added to (or, for a PUT, replacing) the current ones, minus removed kids. */
function keysOf(body: KeyChanges, current: IssuerJwk[]): IssuerJwk[] {
  const added: IssuerJwk[] = [];
  if (body.publicKeys !== undefined) {
    if (!Array.isArray(body.publicKeys) || body.publicKeys.some((p) => typeof p !== "string")) throw new IssuerKeyError("publicKeys is a list of PEM strings");
    added.push(...(body.publicKeys as string[]).map(jwkFromPem));
  }
  if (body.jwks !== undefined) added.push(...jwksKeys(body.jwks));
  const remove = body.removeKids === undefined ? [] : body.removeKids;
  if (!Array.isArray(remove) || remove.some((k) => typeof k !== "string")) throw new IssuerKeyError("removeKids is a list of kids");
  const unknown = (remove as string[]).filter((k) => ![...current, ...added].some((x) => x.kid === k));
  if (unknown.length) throw new IssuerKeyError(`no key with kid ${unknown.join(", ")}`);
  const byKid = new Map<string, IssuerJwk>();
  for (const k of [...current, ...added]) if (!(remove as string[]).includes(k.kid)) byKid.set(k.kid, k);
  if (byKid.size === 0) throw new IssuerKeyError("an issuer needs at least one key (give publicKeys or jwks)");
  return [...byKid.values()];
}

function bad(reply: FastifyReply, status: number, message: string): FastifyReply {
  return sendJson(reply, status, { error: { code: status === 404 ? "NotFound" : status === 409 ? "Conflict" : "BadRequest", message } });
}

/** The public documents: discovery and JWKS, as kube-apiserver serves them. */
function publicRoutes(app: FastifyInstance, ctx: LabContext): void {
  const find = (name: string) => ctx.store.read((tx) => SelfManagedIssuers.get(tx, name));
  app.get<{ Params: { name: string } }>(`${ISSUER_PATH}/:name/.well-known/openid-configuration`, async (req, reply) => {
    const r = await find(req.params.name);
    if (!r) return bad(reply, 404, `no self-managed issuer '${req.params.name}' (wilab oidc-issuer list)`);
    const issuer = selfManagedIssuerUrl(ctx, r.name);
    return sendJson(reply, 200, { issuer, jwks_uri: `${issuer}openid/v1/jwks`, response_types_supported: ["id_token"], subject_types_supported: ["public"], id_token_signing_alg_values_supported: ["RS256"] });
  });
  app.get<{ Params: { name: string } }>(`${ISSUER_PATH}/:name/openid/v1/jwks`, async (req, reply) => {
    const r = await find(req.params.name);
    if (!r) return bad(reply, 404, `no self-managed issuer '${req.params.name}' (wilab oidc-issuer list)`);
    return sendJson(reply, 200, { keys: r.keys });
  });
}

/** PUT (create or replace) and PATCH (add keys, drop kids) share this: validates, writes, answers the view. */
async function write(d: IssuerRouteDeps, req: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply, replace: boolean): Promise<FastifyReply> {
  const refused = await d.authenticate(req);
  if (refused) return sendRefusal(reply, refused);
  const name = req.params.name;
  if (!ISSUER_NAME.test(name)) return bad(reply, 400, `the issuer name '${name}' is invalid: 3–63 lower-case letters, digits and hyphens, starting and ending with a letter or digit`);
  const body = (req.body && typeof req.body === "object" ? req.body : {}) as KeyChanges;
  const now = new Date(d.ctx.clock.now()).toISOString();
  try {
    const { rec, created } = await d.ctx.store.write(async (tx) => {
      const existing = await SelfManagedIssuers.get(tx, name);
      if (!existing && !replace) throw new IssuerNotFound(`no self-managed issuer '${name}' (create it first)`);
      const r: SelfManagedIssuerRecord = { name, keys: keysOf(body, replace ? [] : existing!.keys), createdAt: existing?.createdAt ?? now, updatedAt: now };
      await SelfManagedIssuers.put(tx, r);
      return { rec: r, created: !existing };
    });
    return sendJson(reply, created ? 201 : 200, view(d.ctx, rec));
  } catch (err) {
    if (err instanceof IssuerNotFound) return bad(reply, 404, err.message);
    if (err instanceof IssuerKeyError) return bad(reply, 400, err.message);
    throw err;
  }
}

export async function selfManagedIssuerRoutes(app: FastifyInstance, d: IssuerRouteDeps): Promise<void> {
  const { ctx } = d;
  publicRoutes(app, ctx);
  app.get("/_wilab/oidc-issuers", async (req, reply) => {
    const refused = await d.authenticate(req);
    if (refused) return sendRefusal(reply, refused);
    return sendJson(reply, 200, { value: (await ctx.store.read((tx) => SelfManagedIssuers.all(tx))).map((r) => view(ctx, r)) });
  });
  app.get<{ Params: { name: string } }>("/_wilab/oidc-issuers/:name", async (req, reply) => {
    const refused = await d.authenticate(req);
    if (refused) return sendRefusal(reply, refused);
    const r = await ctx.store.read((tx) => SelfManagedIssuers.get(tx, req.params.name));
    return r ? sendJson(reply, 200, view(ctx, r)) : bad(reply, 404, `no self-managed issuer '${req.params.name}'`);
  });
  app.put<{ Params: { name: string } }>("/_wilab/oidc-issuers/:name", (req, reply) => write(d, req, reply, true));
  app.patch<{ Params: { name: string } }>("/_wilab/oidc-issuers/:name", (req, reply) => write(d, req, reply, false));
  app.delete<{ Params: { name: string } }>("/_wilab/oidc-issuers/:name", async (req, reply) => {
    const refused = await d.authenticate(req);
    if (refused) return sendRefusal(reply, refused);
    const gone = await ctx.store.write((tx) => SelfManagedIssuers.delete(tx, req.params.name));
    return gone ? reply.code(204).send() : bad(reply, 404, `no self-managed issuer '${req.params.name}'`);
  });
}

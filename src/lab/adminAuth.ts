import type { FastifyReply, FastifyRequest } from "fastify";
import { sendJson } from "../platform/index.js";
import { AccessTokenInvalid, type AccessTokenClaims, type TokenService } from "../entra/index.js";
import { authorize, RoleAssignments } from "../rbac/index.js";
import type { LabContext } from "./context.js";

export interface AdminDenial {
  status: 401 | 403;
  message: string;
}

/**
 * Authenticates a caller of the lab's own `/_wilab` APIs with an ARM token, as `/_wilab/clock` does. For a
 * write, the caller needs a role whose actions match `action` at the lab's subscription (Owner, Contributor).
 */
export async function labAdminCaller(
  ctx: LabContext,
  tokens: TokenService,
  req: FastifyRequest,
  action?: string,
  /** What the refusal says the caller may not do (default: perform the action). */
  what = `perform '${action ?? ""}'`,
): Promise<AccessTokenClaims | AdminDenial> {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  if (!m) return { status: 401, message: "an ARM bearer token is required (wilab login)" };
  let claims: AccessTokenClaims;
  try {
    claims = await tokens.verify(m[1], ctx.hosts.armResources());
  } catch (err) {
    if (err instanceof AccessTokenInvalid) return { status: 401, message: `invalid token: ${err.detail}` };
    throw err;
  }
  if (action) {
    const scope = `/subscriptions/${ctx.config.subscriptionId}`;
    const assignments = await ctx.store.read((tx) => RoleAssignments.forPrincipal(tx, claims.oid));
    if (!authorize(assignments, claims.oid, action, scope, "action").allowed) {
      return { status: 403, message: `the caller '${claims.oid}' may not ${what}: it needs Owner or Contributor on ${scope}` };
    }
  }
  return claims;
}

export function isDenial(v: AccessTokenClaims | AdminDenial): v is AdminDenial {
  return "status" in v && typeof v.status === "number" && "message" in v;
}

/** The `/_wilab` error envelope for a refused caller. */
export function sendDenial(reply: FastifyReply, d: AdminDenial): FastifyReply {
  return sendJson(reply, d.status, { error: { code: d.status === 401 ? "Unauthorized" : "Forbidden", message: d.message } });
}

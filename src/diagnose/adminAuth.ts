import type { FastifyReply, FastifyRequest } from "fastify";
import { sendJson } from "../platform/index.js";

/** A refused caller of a `/_wilab` API: its status and message. */
export interface AdminRefusal {
  status: number;
  message: string;
}

/**
 * How the diagnostics routes authenticate a caller: the lab injects its one `/_wilab` check (an ARM bearer token of
 * the lab's tenant), so the rule lives in one place. Resolves to a refusal, or undefined when the caller may read.
 */
export type AdminAuthenticate = (req: FastifyRequest) => Promise<AdminRefusal | undefined>;

/** The `/_wilab` error envelope for a refused caller. */
export function sendRefusal(reply: FastifyReply, r: AdminRefusal): FastifyReply {
  return sendJson(reply, r.status, { error: { code: r.status === 401 ? "Unauthorized" : "Forbidden", message: r.message } });
}

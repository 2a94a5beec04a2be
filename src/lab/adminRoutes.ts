import type { FastifyInstance, FastifyRequest } from "fastify";
import { parseDuration, sendJson } from "../platform/index.js";
import type { TokenService } from "../entra/index.js";
import { isDenial, labAdminCaller, type AdminDenial } from "./adminAuth.js";
import type { LabContext } from "./context.js";
import type { KubeContext } from "../kube/index.js";
import { listImageMappings, removeImageMapping, setImageMapping } from "../kube/kubelet/index.js";

export const LAB_ADMIN_ACTION = "wilab.Lab/clock/write";

interface ClockBody {
  advance?: string;
  reset?: boolean;
}

/**
 * The lab's own API under `/_wilab` (clock, status): not part of Azure. Callers authenticate with an ARM
 * token; changing the clock needs a role whose actions match `wilab.Lab/clock/write` at the subscription (Owner, Contributor).
 */
export async function labAdminRoutes(app: FastifyInstance, d: { ctx: LabContext; kube: KubeContext; tokens: TokenService; startedAt: number }): Promise<void> {
  const { ctx, tokens } = d;

  async function caller(req: FastifyRequest, write: boolean): Promise<string | AdminDenial> {
    const c = await labAdminCaller(ctx, tokens, req, write ? LAB_ADMIN_ACTION : undefined, "change the lab clock");
    return isDenial(c) ? c : c.oid;
  }

  const clockView = () => ({ now: new Date(ctx.clock.now()).toISOString(), offsetMs: ctx.clock.offset(), realNow: new Date().toISOString() });

  app.get("/_wilab/clock", async (req, reply) => {
    const who = await caller(req, false);
    if (typeof who !== "string") return sendJson(reply, who.status, { error: { code: "Unauthorized", message: who.message } });
    return sendJson(reply, 200, clockView());
  });

  app.post("/_wilab/clock", async (req, reply) => {
    const who = await caller(req, true);
    if (typeof who !== "string") return sendJson(reply, who.status, { error: { code: who.status === 401 ? "Unauthorized" : "Forbidden", message: who.message } });
    const body = (req.body ?? {}) as ClockBody;
    try {
      if (body.reset) ctx.clock.reset();
      else if (typeof body.advance === "string") ctx.clock.advance(parseDuration(body.advance));
      else return sendJson(reply, 400, { error: { code: "BadRequest", message: "send {\"advance\":\"<duration>\"} or {\"reset\":true}" } });
    } catch (err) {
      return sendJson(reply, 400, { error: { code: "BadRequest", message: (err as Error).message } });
    }
    await ctx.clock.settled(); // answered once the offset is committed (and announced to other replicas)
    return sendJson(reply, 200, clockView());
  });

  // Image mappings for the kubelet: which local command runs for a container image.
  const imageOf = (req: FastifyRequest) => decodeURIComponent((req.params as { "*": string })["*"] ?? "");
  const deny = (who: { status: number; message: string }) => ({ error: { code: who.status === 401 ? "Unauthorized" : "Forbidden", message: who.message } });
  app.get("/_wilab/images", async (req, reply) => {
    const who = await caller(req, false);
    if (typeof who !== "string") return sendJson(reply, who.status, deny(who));
    return sendJson(reply, 200, await listImageMappings(d.kube));
  });
  app.put("/_wilab/images/*", async (req, reply) => {
    const who = await caller(req, true);
    if (typeof who !== "string") return sendJson(reply, who.status, deny(who));
    const command = (req.body as { command?: unknown } | undefined)?.command;
    if (!Array.isArray(command) || !command.every((c) => typeof c === "string")) {
      return sendJson(reply, 400, { error: { code: "BadRequest", message: "send {\"command\":[\"<program>\", \"<arg>\", ...]}" } });
    }
    try {
      return sendJson(reply, 200, await setImageMapping(d.kube, imageOf(req), command as string[]));
    } catch (err) {
      if (err instanceof RangeError) return sendJson(reply, 400, { error: { code: "BadRequest", message: err.message } });
      throw err;
    }
  });
  app.delete("/_wilab/images/*", async (req, reply) => {
    const who = await caller(req, true);
    if (typeof who !== "string") return sendJson(reply, who.status, deny(who));
    const gone = await removeImageMapping(d.kube, imageOf(req));
    if (!gone) return sendJson(reply, 404, { error: { code: "NotFound", message: `no mapping for image '${imageOf(req)}' (built-in mappings can be overridden, not removed)` } });
    return sendJson(reply, 200, { image: imageOf(req), removed: true });
  });

  app.get("/_wilab/status", async (req, reply) => {
    const who = await caller(req, false);
    if (typeof who !== "string") return sendJson(reply, who.status, { error: { code: "Unauthorized", message: who.message } });
    return sendJson(reply, 200, {
      mode: ctx.config.mode,
      port: ctx.config.port,
      tenantId: ctx.config.tenantId,
      subscriptionId: ctx.config.subscriptionId,
      store: ctx.store.description,
      startedAt: new Date(d.startedAt).toISOString(),
      uptimeSeconds: Math.round((Date.now() - d.startedAt) / 1000),
      clock: clockView(),
      pid: process.pid,
      rssBytes: process.memoryUsage().rss,
    });
  });
}

/**
 * The sign-in log, live: a server-sent event stream (`text/event-stream`) that sends each new sign-in record
 * as an `signIn` event as soon as the recorder has committed it (checked every second), newest last. The
 * client names where it is with `?since=<createdDateTime>` or the standard `Last-Event-ID`.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { queryOf } from "../platform/index.js";
import { SignIns } from "../diagnose/index.js";
import type { PortalViewDeps } from "./views.js";

const POLL_MS = 1000;
const KEEPALIVE_MS = 15_000;

export async function signInStream(d: PortalViewDeps, req: FastifyRequest, reply: FastifyReply, headers: Record<string, string>): Promise<void> {
  const lastEventId = req.headers["last-event-id"];
  let since = (typeof lastEventId === "string" && lastEventId) || queryOf(req).since || new Date(d.ctx.clock.now()).toISOString();
  const sent = new Set<string>();
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { ...headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive" });
  res.write(": wilab sign-in log\n\n");
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    try {
      await d.ctx.records.flush();
      const fresh = (await d.ctx.store.read((tx) => SignIns.list(tx, { since, top: 500 }))).reverse().filter((r) => !sent.has(r.id));
      for (const r of fresh) {
        sent.add(r.id);
        res.write(`id: ${r.createdDateTime}\nevent: signIn\ndata: ${JSON.stringify(r)}\n\n`);
        if (r.createdDateTime > since) since = r.createdDateTime;
      }
      if (sent.size > 5000) sent.clear();
    } catch (err) {
      res.write(`event: error\ndata: ${JSON.stringify({ message: (err as Error).message })}\n\n`);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void poll(), POLL_MS);
  const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), KEEPALIVE_MS);
  await poll();
  await new Promise<void>((resolve) => {
    const stop = () => {
      clearInterval(timer);
      clearInterval(keepAlive);
      resolve();
    };
    req.raw.on("close", stop);
    res.on("close", stop);
  });
}

/**
 * HTTP/1.1 upgrades (WebSocket, SPDY) on the lab's one listener. Node hands an upgrade request to the server's
 * `upgrade` event instead of the request pipeline; `routeUpgrades` sends it through Fastify's router like any
 * request (same hooks, same faces, same error envelopes), with a response object bound to the raw socket. A
 * route that speaks a streaming protocol takes the socket with `takeUpgrade`; every other route just answers
 * (and the connection closes after that answer).
 */
import { ServerResponse, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyInstance } from "fastify";

interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
}

const pending = new WeakMap<IncomingMessage, PendingUpgrade>();

/** Routes the server's upgrade requests through Fastify (call once, on the root instance). */
export function routeUpgrades(app: FastifyInstance): void {
  // Upgraded connections are no longer the HTTP server's: they end with the listener here.
  const live = new Set<Duplex>();
  app.addHook("preClose", async () => {
    for (const s of live) s.destroy();
  });
  app.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    live.add(socket);
    socket.once("close", () => live.delete(socket));
    pending.set(req, { socket, head });
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Parameters<ServerResponse["assignSocket"]>[0]);
    // An answer instead of an upgrade ends the connection: the HTTP parser has already let go of the socket.
    res.on("finish", () => {
      if (pending.has(req)) socket.end();
    });
    socket.on("error", () => socket.destroy());
    try {
      app.routing(req, res);
    } catch {
      socket.destroy();
    }
  });
}

/** Whether this request came through `upgrade` and its socket is still untaken. */
export function hasUpgrade(req: IncomingMessage): boolean {
  return pending.has(req);
}

/**
 * Takes an upgrade request's socket and the bytes already read past its head. The response object bound to the
 * socket is detached first, so nothing else writes to the socket.
 */
export function takeUpgrade(req: IncomingMessage, res: ServerResponse): PendingUpgrade | undefined {
  const p = pending.get(req);
  if (!p) return undefined;
  pending.delete(req);
  res.detachSocket(p.socket as Parameters<ServerResponse["detachSocket"]>[0]);
  return p;
}

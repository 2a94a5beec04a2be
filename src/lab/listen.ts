import { createServer, type Server } from "node:net";
import type { FastifyInstance } from "fastify";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "0.0.0.0", "::", ""]);

/**
 * A lab listening on one specific address (`--listen 10.0.0.5`) still answers on 127.0.0.1 at the same port, since
 * the lab's own URLs (`https://localhost:<port>`), its CLI and the pods its kubelet runs reach it there: loopback
 * connections are handed to the lab's HTTPS server as they are. Nothing to do for loopback or wildcard addresses.
 * Closed with the lab's server.
 */
export async function alsoOnLoopback(app: FastifyInstance, listen: string, port: number): Promise<void> {
  if (LOOPBACK.has(listen)) return;
  const relay: Server = createServer((socket) => app.server.emit("connection", socket));
  await new Promise<void>((resolve, reject) => {
    relay.once("error", reject);
    relay.listen({ port, host: "127.0.0.1" }, () => resolve());
  });
  app.server.once("close", () => relay.close());
}

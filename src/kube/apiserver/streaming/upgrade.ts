/**
 * The HTTP upgrade of a streaming subresource, both ways real kubectl asks for it: WebSocket (`ws`, with the
 * subprotocol the server prefers among those offered) or SPDY/3.1 (`Upgrade: SPDY/3.1` with the
 * `X-Stream-Protocol-Version`s the client speaks, negotiated in the client's order as httpstream.Handshake does).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { takeUpgrade } from "../../../platform/index.js";

export type Upgraded = { transport: "websocket"; ws: WebSocket; protocol: string } | { transport: "spdy"; socket: Duplex; protocol: string };

/** How a request asks to be upgraded (none: a plain request, which a streaming subresource refuses). */
export function upgradeKind(req: IncomingMessage): "websocket" | "spdy" | undefined {
  const up = String(req.headers.upgrade ?? "").toLowerCase();
  const conn = String(req.headers.connection ?? "").toLowerCase();
  if (!conn.split(",").some((t) => t.trim() === "upgrade")) return undefined;
  if (up === "websocket") return "websocket";
  if (up.startsWith("spdy/3.1")) return "spdy";
  return undefined;
}

function headerList(v: string | string[] | undefined): string[] {
  return (Array.isArray(v) ? v : v ? [v] : []).flatMap((x) => x.split(",")).map((x) => x.trim()).filter(Boolean);
}

/** The SPDY stream protocol both sides speak (client's order), or undefined. */
export function negotiate(clientProtocols: string[], serverProtocols: string[]): string | undefined {
  return clientProtocols.find((p) => serverProtocols.includes(p));
}

/** The WebSocket subprotocols the client offers (`Sec-WebSocket-Protocol`). */
export function offeredSubprotocols(req: IncomingMessage): string[] {
  return headerList(req.headers["sec-websocket-protocol"]);
}

/** One WebSocket server (no listener of its own) per set of subprotocols it speaks, its preference first. */
const servers = new Map<string, WebSocketServer>();
function wsServer(protocols: string[]): WebSocketServer {
  const key = protocols.join(",");
  let s = servers.get(key);
  if (!s) {
    s = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, handleProtocols: (offered) => protocols.find((p) => offered.has(p)) ?? false });
    servers.set(key, s);
  }
  return s;
}

/** Why a SPDY upgrade cannot be negotiated (httpstream.Handshake's 403 text), or undefined. */
export function spdyRefusal(req: IncomingMessage, serverProtocols: string[]): string | undefined {
  const client = headerList(req.headers["x-stream-protocol-version"]);
  if (negotiate(client, serverProtocols)) return undefined;
  return `unable to upgrade: unable to negotiate protocol: client supports [${client.join(" ")}], server supports [${serverProtocols.join(" ")}]`;
}

/**
 * Completes the upgrade on the request's socket. The caller has checked everything that can still be answered
 * as a plain HTTP response; undefined when the socket is gone (or was never an upgrade).
 */
export function completeUpgrade(req: IncomingMessage, res: ServerResponse, serverProtocols: string[]): Promise<Upgraded | undefined> {
  const kind = upgradeKind(req);
  const taken = takeUpgrade(req, res);
  if (!taken || !kind) return Promise.resolve(undefined);
  const { socket, head } = taken;
  if (kind === "spdy") {
    const protocol = negotiate(headerList(req.headers["x-stream-protocol-version"]), serverProtocols)!;
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
    if (head.length) socket.unshift(head);
    return Promise.resolve({ transport: "spdy", socket, protocol });
  }
  const protocol = serverProtocols.find((p) => offeredSubprotocols(req).includes(p)) ?? "";
  return new Promise((resolve) => {
    // `ws` answers a malformed handshake (400) itself and then never calls back.
    socket.once("close", () => resolve(undefined));
    const handled = (ws: WebSocket) => {
      // A broken connection (bad frame, reset) ends the session: 'close' follows, which every user handles.
      ws.on("error", () => ws.terminate());
      resolve({ transport: "websocket", ws, protocol: ws.protocol || protocol });
    };
    wsServer(serverProtocols).handleUpgrade(req, socket, head, handled);
  });
}

/**
 * Requests the HTTP parser refuses before any route sees them — a request head (URL and headers) over Node's 16 KB,
 * a malformed request line — answered as the service behind that path answers them, not in Fastify's own words:
 * - the Kubernetes API (`/k8s/…`) is Go's net/http: `431 Request Header Fields Too Large` in plain text, then the
 *   connection closes [D: Go's net/http server.go];
 * - Microsoft Graph (`/v1.0/…`, `/beta/…`) sits behind HTTP.sys: 400 with its HTML page "Bad Request - Request Too
 *   Long" [V: microsoftgraph/microsoft-graph-docs issue #21903];
 * - ARM, Entra and Key Vault: 431 with no body, so that clients report the reason phrase, as az does against
 *   management.azure.com ("Operation returned an invalid status 'Request Header Fields Too Large'") [V:
 *   Azure/azure-cli issue #29189].
 * Anything else the parser refuses is a plain 400, as every one of those servers answers a request it cannot parse.
 */
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { httpSysPage } from "./http.js";

const GO_431 = "431 Request Header Fields Too Large";

const HTTPSYS_TOO_LONG = httpSysPage("Bad Request - Request Too Long", "HTTP Error 400. The size of the request headers is too long.");

type Face = "kube" | "graph" | "azure";

/** Which service a refused request was for, from the start of what the parser saw (when it holds the request line). */
export function faceOfRawRequest(raw: Buffer | undefined): Face {
  const line = raw ? raw.subarray(0, 512).toString("latin1").split("\r\n", 1)[0]! : "";
  const path = /^[A-Z]+ (\S+)/.exec(line)?.[1] ?? "";
  if (path.startsWith("/k8s/")) return "kube";
  if (/^\/(v1\.0|beta)\//.test(path)) return "graph";
  return "azure";
}

/** The raw response to a request head too large for the parser, in the words of the service it was for. */
export function headTooLargeResponse(face: Face): string {
  if (face === "kube") return `HTTP/1.1 ${GO_431}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${GO_431}`;
  if (face === "graph") {
    return `HTTP/1.1 400 Bad Request\r\nContent-Type: text/html; charset=us-ascii\r\nServer: Microsoft-HTTPAPI/2.0\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(HTTPSYS_TOO_LONG)}\r\n\r\n${HTTPSYS_TOO_LONG}`;
  }
  return "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
}

/** The start of the last request each connection began: the parser's error carries only its last chunk. */
const requestStarts = new WeakMap<object, Buffer>();

/**
 * Notes, on each connection of `server`, the first bytes of every chunk that begins a request (an upper-case method
 * first), so that a head too large can be told apart by its path.
 */
export function trackRequestStarts(server: { on(event: "secureConnection" | "connection", fn: (socket: Duplex) => void): unknown }): void {
  const track = (socket: Duplex) =>
    socket.on("data", (chunk: Buffer) => {
      const c = chunk[0];
      // A view, not a copy: it keeps at most one chunk per connection alive, until the next request replaces it.
      if (c !== undefined && c >= 0x41 && c <= 0x5a) requestStarts.set(socket, chunk.subarray(0, 512));
    });
  server.on("secureConnection", track);
}

/** The listener's `clientError` handler (Fastify's `clientErrorHandler` option). */
export function labClientErrorHandler(err: Error & { code?: string; rawPacket?: Buffer }, socket: Socket | Duplex): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  let response: string;
  if (err.code === "HPE_HEADER_OVERFLOW") response = headTooLargeResponse(faceOfRawRequest(requestStarts.get(socket) ?? err.rawPacket));
  else if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") response = "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  else response = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  socket.end(response);
}

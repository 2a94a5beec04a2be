/**
 * `portforward.k8s.io` over a SPDY session, as the kubelet serves it: for each forwarded connection the client
 * opens an error stream and a data stream carrying the same `port` and `requestid` headers; once both are there
 * the server connects to the port in the pod's network (lab pods share the host's: 127.0.0.1, then ::1) and
 * copies both ways. A failure is written as text on the error stream, which kubectl prints.
 */
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { SpdySession, type SpdyStream } from "./spdySession.js";

export const PORT_FORWARD_PROTOCOL = "portforward.k8s.io";
/** kube-apiserver's WebSocket tunnel of the SPDY session (kubectl >= 1.31). */
export const WS_PORT_FORWARD_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;
/** The kubelet's own WebSocket port forwarding (other clients): the `ports` query, two channels per port. */
export const WS_CHANNEL_PORT_FORWARD_PROTOCOL = "v4.channel.k8s.io";

/** The `ports` query of a WebSocket port forward (the kubelet's V4Options); a string is its 400 text. */
export function parsePorts(values: string[]): number[] | string {
  if (!values.length) return `query parameter "ports" is required`;
  const ports: number[] = [];
  for (const v of values) {
    if (!v) return `query parameter "ports" cannot be empty`;
    for (const p of v.split(",")) {
      if (!/^\d+$/.test(p) || Number(p) > 65535) return `unable to parse "${v}" as a port: strconv.ParseUint: parsing "${p}": ${/^\d+$/.test(p) ? "value out of range" : "invalid syntax"}`;
      if (Number(p) < 1) return `port "${v}" must be > 0`;
      ports.push(Number(p));
    }
  }
  return ports;
}

/** The port as the first message of each of its channels: an unsigned 16-bit little-endian integer. */
export function portPrefix(channel: number, port: number): Buffer {
  const b = Buffer.alloc(3);
  b[0] = channel;
  b.writeUInt16LE(port, 1);
  return b;
}

/**
 * Port forwarding over `v4.channel.k8s.io`: for port i, channel 2i carries the data and 2i+1 the errors; each
 * starts with the port. Every port gets one connection; the WebSocket closes once all of them have ended.
 */
export function serveChannelPortForward(ws: WebSocket, ports: number[], podRef: string): void {
  const conns: (Socket | undefined)[] = [];
  let open = ports.length;
  const done = () => {
    if (--open === 0 && ws.readyState === ws.OPEN) ws.close(1000);
  };
  const send = (ch: number, data: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([ch]), data]), { binary: true });
  };
  ports.forEach((port, i) => {
    send(2 * i, portPrefix(2 * i, port).subarray(1));
    send(2 * i + 1, portPrefix(2 * i + 1, port).subarray(1));
    void dial(port).then((conn) => {
      if (typeof conn === "string") {
        send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod ${podRef}, uid : failed to connect to localhost:${port} inside namespace "${podRef}", ${conn}`));
        return done();
      }
      conns[i] = conn;
      conn.on("data", (d: Buffer) => send(2 * i, d));
      conn.on("close", done);
      conn.on("error", () => conn.destroy());
    });
  });
  ws.on("message", (data: Buffer) => {
    const ch = data[0];
    if (ch !== undefined && ch % 2 === 0) conns[ch / 2]?.write(data.subarray(1));
  });
  ws.on("close", () => conns.forEach((c) => c?.destroy()));
}

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
}

/** Connects to the port on 127.0.0.1, then ::1; the errors of both when neither answers. */
function dial(port: number): Promise<Socket | string> {
  const one = (host: string) =>
    new Promise<Socket | string>((resolve) => {
      const s = connect({ host, port });
      s.once("connect", () => resolve(s));
      s.once("error", (e: NodeJS.ErrnoException) => resolve(`dial ${host.includes(":") ? `tcp6 [${host}]` : `tcp4 ${host}`}:${port}: connect: ${e.code === "ECONNREFUSED" ? "connection refused" : e.message}`));
    });
  return one("127.0.0.1").then(async (v4) => {
    if (typeof v4 !== "string") return v4;
    const v6 = await one("::1");
    return typeof v6 !== "string" ? v6 : `IPv4: ${v4} IPv6 ${v6} `;
  });
}

async function forward(pair: Required<Pair>, podRef: string): Promise<void> {
  const portText = pair.data.header("port") ?? "";
  const port = Number(portText);
  const fail = (why: string) => {
    pair.error.end(Buffer.from(`error forwarding port ${portText} to pod ${podRef}, uid : ${why}`));
    pair.data.end();
  };
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) return fail(`invalid port "${portText}"`);
  const conn = await dial(port);
  if (typeof conn === "string") return fail(`failed to connect to localhost:${port} inside namespace "${podRef}", ${conn}`);
  pair.data.pipe(conn);
  conn.on("data", (d: Buffer) => pair.data.write(d));
  conn.on("end", () => {
    pair.data.end();
    pair.error.end();
  });
  conn.on("error", () => pair.data.end());
  pair.data.on("close", () => conn.destroy());
}

/** Serves port forwarding on an upgraded connection until the client closes it. */
export function servePortForward(socket: Duplex, podRef: string): SpdySession {
  const pairs = new Map<string, Pair>();
  return new SpdySession(socket, (s) => {
    const type = s.header("streamtype");
    const id = s.header("requestid") ?? "";
    if ((type !== "error" && type !== "data") || !s.header("port")) return s.reset();
    s.reply();
    const p = pairs.get(id) ?? {};
    if (p[type]) return s.reset();
    p[type] = s;
    pairs.set(id, p);
    if (p.error && p.data) {
      pairs.delete(id);
      void forward(p as Required<Pair>, podRef);
    }
  });
}

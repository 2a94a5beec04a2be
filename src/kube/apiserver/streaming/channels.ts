/**
 * The streams of a remote command (exec, attach) over either transport, as client-go's remotecommand sees them:
 * stdin, stdout, stderr, the error stream (a metav1.Status JSON at the end) and the resize stream (terminal sizes
 * as JSON). Over SPDY each is a stream the client opens with a `streamtype` header; over WebSocket
 * (`v4.channel.k8s.io`, `v5.channel.k8s.io`) each is a channel, the first byte of every binary message.
 */
import { PassThrough, Writable, type Readable } from "node:stream";
import type { WebSocket } from "ws";
import { SpdySession, type SpdyStream } from "./spdySession.js";
import type { Duplex } from "node:stream";

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** WebSocket subprotocols of remote commands, the server's preference first. */
export const WS_EXEC_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"];
/** SPDY stream protocols of remote commands (`X-Stream-Protocol-Version`). */
export const SPDY_EXEC_PROTOCOLS = ["v4.channel.k8s.io"];

export interface TerminalSize {
  width: number;
  height: number;
}

/** Which streams a remote command has (from its query: stdin, stdout, stderr, tty). */
export interface StreamSet {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The server's end of a remote command's streams, whatever the transport. */
export interface CommandStreams {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** Terminal sizes as the client sends them (TTY only). */
  onResize(f: (s: TerminalSize) => void): void;
  /** Writes the final Status on the error stream, ends every stream and the connection. */
  finish(status: Record<string, unknown>): void;
  /** The client went away (or `finish` ran). */
  onClose(f: () => void): void;
}

/** Reads a stream of JSON terminal sizes (`{"Width":80,"Height":24}`, one after the other). */
export function parseSizes(buffered: string): { sizes: TerminalSize[]; rest: string } {
  const sizes: TerminalSize[] = [];
  let rest = buffered;
  for (;;) {
    const end = rest.indexOf("}");
    if (end < 0) break;
    const text = rest.slice(0, end + 1);
    rest = rest.slice(end + 1);
    try {
      const v = JSON.parse(text.slice(text.indexOf("{"))) as { Width?: unknown; Height?: unknown };
      if (typeof v.Width === "number" && typeof v.Height === "number") sizes.push({ width: v.Width, height: v.Height });
    } catch {
      // not a size: skipped, as the kubelet's decoder gives up on it
    }
  }
  return { sizes, rest };
}

/** A channel message: the channel byte, then the data. */
export function channelMessage(channel: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([channel]), data]);
}

/** The streams of a remote command over a WebSocket channel protocol (v5 adds the CLOSE signal for stdin). */
export function websocketStreams(ws: WebSocket, protocol: string, want: StreamSet): CommandStreams {
  const resizers: ((s: TerminalSize) => void)[] = [];
  const closers: (() => void)[] = [];
  const stdin = want.stdin ? new PassThrough() : undefined;
  const out = (channel: number) =>
    new Writable({
      write(chunk: Buffer, _e, cb) {
        if (ws.readyState === ws.OPEN) ws.send(channelMessage(channel, chunk), { binary: true });
        cb();
      },
    });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    stdin?.end();
    for (const f of closers.splice(0)) f();
  };
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const ch = data[0]!;
    const body = data.subarray(1);
    if (ch === CHANNEL.stdin) {
      if (stdin && !stdin.writableEnded) stdin.write(body);
    }
    else if (ch === CHANNEL.resize) for (const s of parseSizes(body.toString("utf8")).sizes) for (const f of resizers) f(s);
    else if (ch === CHANNEL.close && protocol.startsWith("v5.") && body[0] === CHANNEL.stdin) stdin?.end();
  });
  ws.on("close", close);
  ws.on("error", close);
  return {
    stdin,
    stdout: want.stdout ? out(CHANNEL.stdout) : undefined,
    stderr: want.stderr && !want.tty ? out(CHANNEL.stderr) : undefined,
    onResize: (f) => resizers.push(f),
    finish(status) {
      if (ws.readyState === ws.OPEN) {
        ws.send(channelMessage(CHANNEL.error, Buffer.from(JSON.stringify(status))), { binary: true });
        ws.close(1000);
      }
      close();
    },
    onClose: (f) => (closed ? f() : closers.push(f)),
  };
}

/** The SPDY `streamtype`s a remote command's client opens. */
function expectedTypes(want: StreamSet): string[] {
  return ["error", ...(want.stdin ? ["stdin"] : []), ...(want.stdout ? ["stdout"] : []), ...(want.stderr && !want.tty ? ["stderr"] : []), ...(want.tty ? ["resize"] : [])];
}

/**
 * The streams of a remote command over SPDY: waits (up to `timeoutMs`, the kubelet's stream creation timeout)
 * until the client has opened every stream the query announced; undefined when it does not.
 */
export function spdyStreams(socket: Duplex, want: StreamSet, timeoutMs: number): Promise<CommandStreams | undefined> {
  const expected = expectedTypes(want);
  const got = new Map<string, SpdyStream>();
  return new Promise((resolve) => {
    const session = new SpdySession(socket, (s) => {
      const type = s.header("streamtype") ?? "";
      if (!expected.includes(type) || got.has(type)) return s.reset();
      s.reply();
      got.set(type, s);
      if (got.size === expected.length) {
        clearTimeout(timer);
        resolve(spdyCommandStreams(session, got));
      }
    });
    const timer = setTimeout(() => {
      session.close();
      resolve(undefined);
    }, timeoutMs);
    session.onClose(() => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}

function spdyCommandStreams(session: SpdySession, got: Map<string, SpdyStream>): CommandStreams {
  const resize = got.get("resize");
  const error = got.get("error")!;
  return {
    stdin: got.get("stdin"),
    stdout: got.get("stdout"),
    stderr: got.get("stderr"),
    onResize(f) {
      let buffered = "";
      resize?.on("data", (d: Buffer) => {
        const r = parseSizes(buffered + d.toString("utf8"));
        buffered = r.rest;
        for (const s of r.sizes) f(s);
      });
    },
    finish(status) {
      for (const t of ["stdout", "stderr"]) got.get(t)?.end();
      error.end(Buffer.from(JSON.stringify(status)));
      session.goAway();
    },
    onClose: (f) => session.onClose(f),
  };
}

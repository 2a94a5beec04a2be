/**
 * The server end of a SPDY/3.1 session after an HTTP upgrade, as the kubelet runs it (moby/spdystream):
 * the client opens every stream (SYN_STREAM); the server answers each with SYN_REPLY, or refuses it with
 * RST_STREAM; DATA frames carry the bytes, FIN half-closes. PINGs are echoed; GOAWAY or the socket closing
 * ends the session. spdystream does no flow control, so WINDOW_UPDATE and SETTINGS are read and ignored.
 */
import { Duplex } from "node:stream";
import { encodeFrame, FLAG_FIN, FrameReader, HeaderDeflater, RstStatus, SpdyProtocolError, type SpdyFrame, type SpdyHeaders } from "./spdyFrames.js";

/** The largest DATA payload written at once (spdystream accepts up to 16 MiB; smaller frames interleave better). */
const MAX_DATA = 32 * 1024;

/** One SPDY stream: a duplex whose readable side is the client's DATA and whose writable side sends DATA. */
export class SpdyStream extends Duplex {
  private replied = false;
  private finSent = false;
  private finReceived = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: SpdyHeaders,
  ) {
    super({ allowHalfOpen: true });
  }

  /** The first value of a header (names are lower-case on the wire). */
  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }

  /** Accepts the stream (SYN_REPLY with no headers, as the kubelet sends). */
  reply(): void {
    if (this.replied) return;
    this.replied = true;
    this.session.send({ type: "syn_reply", streamId: this.id, flags: 0, headers: {} });
  }

  /** Refuses or aborts the stream. */
  reset(status: number = RstStatus.CANCEL): void {
    this.session.send({ type: "rst_stream", streamId: this.id, status });
    this.finSent = true;
    this.destroy();
  }

  override _read(): void {
    // Data is pushed as frames arrive.
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.finSent) return cb();
    for (let off = 0; off < chunk.length; off += MAX_DATA) this.session.send({ type: "data", streamId: this.id, flags: 0, data: chunk.subarray(off, off + MAX_DATA) });
    cb();
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (!this.finSent) {
      this.finSent = true;
      this.session.send({ type: "data", streamId: this.id, flags: FLAG_FIN, data: Buffer.alloc(0) });
    }
    cb();
  }

  /** Frames from the client for this stream. */
  receive(data: Buffer, fin: boolean): void {
    // Anything after the client's FIN (or on a stream already torn down) is dropped, as spdystream does.
    if (this.finReceived || this.destroyed) return;
    if (data.length) this.push(data);
    if (fin) {
      this.finReceived = true;
      this.push(null);
    }
  }
}

export class SpdySession {
  private readonly reader = new FrameReader();
  private readonly deflater = new HeaderDeflater();
  private readonly streams = new Map<number, SpdyStream>();
  private lastStreamId = 0;
  private closed = false;
  private goneAway = false;
  private readonly closeHandlers: (() => void)[] = [];

  /** `onStream` is called for each stream the client opens; it must `reply()` or `reset()` it. */
  constructor(
    private readonly socket: Duplex,
    private readonly onStream: (s: SpdyStream) => void,
  ) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("end", () => this.close());
    socket.on("close", () => this.close());
    socket.on("error", () => this.close());
  }

  onClose(f: () => void): void {
    if (this.closed) f();
    else this.closeHandlers.push(f);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(f: SpdyFrame): void {
    if (this.closed || this.socket.destroyed) return;
    this.socket.write(encodeFrame(f, this.deflater));
  }

  /**
   * Ends the session as spdystream's Close does: GOAWAY, then the client closes the connection once it has read
   * everything (after `graceMs` the server ends it anyway).
   */
  goAway(graceMs = 10_000): void {
    if (this.closed || this.goneAway) return;
    this.goneAway = true;
    this.send({ type: "goaway", lastGoodStreamId: this.lastStreamId, status: 0 });
    setTimeout(() => this.close(), graceMs).unref();
  }

  /** Tears the session down now: every stream, then the connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) if (!s.destroyed) s.destroy();
    this.streams.clear();
    this.socket.end();
    for (const f of this.closeHandlers.splice(0)) f();
  }

  private onData(chunk: Buffer): void {
    let frames: SpdyFrame[];
    try {
      frames = this.reader.push(chunk);
    } catch (e) {
      if (e instanceof SpdyProtocolError) {
        this.send({ type: "goaway", lastGoodStreamId: this.lastStreamId, status: 1 });
        this.goneAway = true;
        this.close();
        return;
      }
      throw e;
    }
    for (const f of frames) this.onFrame(f);
  }

  private onFrame(f: SpdyFrame): void {
    switch (f.type) {
      case "syn_stream": {
        if (this.streams.has(f.streamId) || f.streamId % 2 === 0) return this.send({ type: "rst_stream", streamId: f.streamId, status: RstStatus.PROTOCOL_ERROR });
        this.lastStreamId = Math.max(this.lastStreamId, f.streamId);
        const s = new SpdyStream(this, f.streamId, f.headers);
        this.streams.set(f.streamId, s);
        s.on("close", () => this.streams.delete(f.streamId));
        this.onStream(s);
        if (f.flags & FLAG_FIN) s.receive(Buffer.alloc(0), true);
        return;
      }
      case "data":
        return this.streams.get(f.streamId)?.receive(f.data, (f.flags & FLAG_FIN) !== 0);
      case "rst_stream": {
        const s = this.streams.get(f.streamId);
        this.streams.delete(f.streamId);
        s?.destroy();
        return;
      }
      case "ping":
        return this.send({ type: "ping", id: f.id });
      case "goaway":
        return this.close();
      default:
        // SETTINGS, WINDOW_UPDATE, HEADERS, SYN_REPLY (never sent by a client here) and unknown frames.
        return;
    }
  }
}

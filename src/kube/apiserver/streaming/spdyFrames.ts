/**
 * SPDY/3.1 framing, the subset Kubernetes' streaming uses (moby/spdystream, which client-go and the kubelet
 * speak): SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE and DATA, with
 * header blocks compressed by zlib over the SPDY/3 dictionary. Pure: bytes in, frames out, and back.
 *
 * Header compression: every header block of a session is one zlib stream, in each direction. Reading, the
 * blocks received so far are inflated again as one stream (a session carries a handful of small blocks, so
 * this stays cheap and needs no asynchronous zlib). Writing uses stored (uncompressed) deflate blocks, which
 * any inflater reads and which need no state beyond "has the zlib header been sent".
 */
import { inflateSync, constants as zc } from "node:zlib";

export const SPDY_VERSION = 3;

export const FrameType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

export const FLAG_FIN = 0x01;

/** RST_STREAM status codes (SPDY/3 section 2.6.3). */
export const RstStatus = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5, INTERNAL_ERROR: 6, STREAM_ALREADY_CLOSED: 9 } as const;

/** Header names and values; several values of one name travel NUL-separated. */
export type SpdyHeaders = Record<string, string[]>;

export type SpdyFrame =
  | { type: "data"; streamId: number; flags: number; data: Buffer }
  | { type: "syn_stream"; streamId: number; associatedId: number; priority: number; flags: number; headers: SpdyHeaders }
  | { type: "syn_reply"; streamId: number; flags: number; headers: SpdyHeaders }
  | { type: "headers"; streamId: number; flags: number; headers: SpdyHeaders }
  | { type: "rst_stream"; streamId: number; status: number }
  | { type: "settings"; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { type: "ping"; id: number }
  | { type: "goaway"; lastGoodStreamId: number; status: number }
  | { type: "window_update"; streamId: number; delta: number }
  | { type: "unknown"; frameType: number; flags: number };

export class SpdyProtocolError extends Error {}

// The SPDY/3 header compression dictionary (draft-mbelshe-httpbis-spdy-00 section 2.6.10.1): length-prefixed
// header names and common values, then a run of common value text.
const DICT_WORDS = [
  "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding", "accept-language",
  "accept-ranges", "age", "allow", "authorization", "cache-control", "connection", "content-base", "content-encoding",
  "content-language", "content-length", "content-location", "content-md5", "content-range", "content-type", "date", "etag",
  "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since",
  "last-modified", "location", "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer",
  "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via", "warning",
  "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive",
  "origin",
];
const DICT_TAIL =
  "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505" +
  "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden" +
  "404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable" +
  "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT" +
  "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript," +
  "publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

export const SPDY3_DICTIONARY: Buffer = (() => {
  const parts: Buffer[] = [];
  for (const w of DICT_WORDS) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    parts.push(len, Buffer.from(w, "latin1"));
  }
  parts.push(Buffer.from(DICT_TAIL, "latin1"));
  return Buffer.concat(parts);
})();

/** zlib's Adler-32 (the dictionary id in a zlib header that uses a preset dictionary). */
export function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < buf.length; i++) {
    a = (a + buf[i]!) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** An uncompressed header block: count, then each name and its NUL-joined values, all length-prefixed. */
export function encodeHeaderBlock(h: SpdyHeaders): Buffer {
  const names = Object.keys(h);
  const parts: Buffer[] = [u32(names.length)];
  for (const n of names) {
    const name = Buffer.from(n.toLowerCase(), "utf8");
    const value = Buffer.from(h[n]!.join("\0"), "utf8");
    parts.push(u32(name.length), name, u32(value.length), value);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(b: Buffer): SpdyHeaders {
  const out: SpdyHeaders = {};
  if (b.length < 4) throw new SpdyProtocolError("header block too short");
  const n = b.readUInt32BE(0);
  let off = 4;
  const take = (): string => {
    if (off + 4 > b.length) throw new SpdyProtocolError("header block truncated");
    const len = b.readUInt32BE(off);
    off += 4;
    if (off + len > b.length) throw new SpdyProtocolError("header block truncated");
    const s = b.subarray(off, off + len).toString("utf8");
    off += len;
    return s;
  };
  for (let i = 0; i < n; i++) {
    const name = take().toLowerCase();
    const values = take().split("\0");
    (out[name] ??= []).push(...values);
  }
  return out;
}

/** One direction's header decompression: the session's blocks form one zlib stream over the SPDY/3 dictionary. */
export class HeaderInflater {
  private received: Buffer = Buffer.alloc(0);
  private produced = 0;

  inflate(block: Buffer): Buffer {
    this.received = Buffer.concat([this.received, block]);
    let all: Buffer;
    try {
      all = inflateSync(this.received, { dictionary: SPDY3_DICTIONARY, finishFlush: zc.Z_SYNC_FLUSH });
    } catch (e) {
      throw new SpdyProtocolError(`header block does not inflate: ${(e as Error).message}`);
    }
    const out = all.subarray(this.produced);
    this.produced = all.length;
    return out;
  }
}

/** One direction's header compression: a zlib stream (dictionary id set) of stored deflate blocks. */
export class HeaderDeflater {
  private started = false;

  deflate(raw: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      // CMF 0x78 (deflate, 32K window); FLG with FDICT (0x20), FLEVEL 0, FCHECK so that CMF*256+FLG is a multiple of 31.
      const flg0 = 0x20;
      const flg = flg0 + (31 - ((0x78 * 256 + flg0) % 31)) % 31;
      parts.push(Buffer.from([0x78, flg]), u32(adler32(SPDY3_DICTIONARY)));
      this.started = true;
    }
    for (let off = 0; off < raw.length; off += 0xffff) parts.push(storedBlock(raw.subarray(off, Math.min(raw.length, off + 0xffff))));
    // The sync-flush marker (an empty stored block), as zlib's Z_SYNC_FLUSH ends a block: Go's inflater hands
    // out a stored block's bytes only when the next block begins, and must not read past this frame for it.
    parts.push(storedBlock(Buffer.alloc(0)));
    return Buffer.concat(parts);
  }
}

/** A stored (uncompressed) deflate block, not final: header byte 0 (BFINAL 0, BTYPE 00), LEN, NLEN, the bytes. */
function storedBlock(chunk: Buffer): Buffer {
  const hdr = Buffer.alloc(5);
  hdr.writeUInt16LE(chunk.length, 1);
  hdr.writeUInt16LE(~chunk.length & 0xffff, 3);
  return Buffer.concat([hdr, chunk]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([h, payload]);
}

/** Encodes frames; header blocks go through the session's deflater (one per direction). */
export function encodeFrame(f: SpdyFrame, deflater: HeaderDeflater): Buffer {
  switch (f.type) {
    case "data": {
      const h = Buffer.alloc(8);
      h.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      h.writeUInt32BE(((f.flags & 0xff) << 24) | f.data.length, 4);
      return Buffer.concat([h, f.data]);
    }
    case "syn_stream": {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      fixed.writeUInt32BE(f.associatedId & 0x7fffffff, 4);
      fixed[8] = (f.priority & 0x7) << 5;
      return control(FrameType.SYN_STREAM, f.flags, Buffer.concat([fixed, deflater.deflate(encodeHeaderBlock(f.headers))]));
    }
    case "syn_reply":
    case "headers":
      return control(f.type === "syn_reply" ? FrameType.SYN_REPLY : FrameType.HEADERS, f.flags, Buffer.concat([u32(f.streamId & 0x7fffffff), deflater.deflate(encodeHeaderBlock(f.headers))]));
    case "rst_stream":
      return control(FrameType.RST_STREAM, 0, Buffer.concat([u32(f.streamId & 0x7fffffff), u32(f.status)]));
    case "settings":
      return control(FrameType.SETTINGS, f.flags, Buffer.concat([u32(f.entries.length), ...f.entries.map((e) => Buffer.concat([u32(((e.flags & 0xff) << 24) | (e.id & 0xffffff)), u32(e.value)]))]));
    case "ping":
      return control(FrameType.PING, 0, u32(f.id));
    case "goaway":
      return control(FrameType.GOAWAY, 0, Buffer.concat([u32(f.lastGoodStreamId & 0x7fffffff), u32(f.status)]));
    case "window_update":
      return control(FrameType.WINDOW_UPDATE, 0, Buffer.concat([u32(f.streamId & 0x7fffffff), u32(f.delta & 0x7fffffff)]));
    case "unknown":
      throw new SpdyProtocolError("cannot encode an unknown frame");
  }
}

/** The control frame's payload as a frame (header blocks inflated through the session's inflater). */
function decodeControl(type: number, flags: number, p: Buffer, inflater: HeaderInflater): SpdyFrame {
  const need = (n: number) => {
    if (p.length < n) throw new SpdyProtocolError(`control frame ${type} too short`);
  };
  switch (type) {
    case FrameType.SYN_STREAM:
      need(10);
      return { type: "syn_stream", streamId: p.readUInt32BE(0) & 0x7fffffff, associatedId: p.readUInt32BE(4) & 0x7fffffff, priority: p[8]! >> 5, flags, headers: decodeHeaderBlock(inflater.inflate(p.subarray(10))) };
    case FrameType.SYN_REPLY:
    case FrameType.HEADERS:
      need(4);
      return { type: type === FrameType.SYN_REPLY ? "syn_reply" : "headers", streamId: p.readUInt32BE(0) & 0x7fffffff, flags, headers: decodeHeaderBlock(inflater.inflate(p.subarray(4))) };
    case FrameType.RST_STREAM:
      need(8);
      return { type: "rst_stream", streamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
    case FrameType.SETTINGS: {
      need(4);
      const n = p.readUInt32BE(0);
      need(4 + n * 8);
      const entries = Array.from({ length: n }, (_, i) => ({ flags: p[4 + i * 8]!, id: p.readUInt32BE(4 + i * 8) & 0xffffff, value: p.readUInt32BE(8 + i * 8) }));
      return { type: "settings", flags, entries };
    }
    case FrameType.PING:
      need(4);
      return { type: "ping", id: p.readUInt32BE(0) };
    case FrameType.GOAWAY:
      need(8);
      return { type: "goaway", lastGoodStreamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
    case FrameType.WINDOW_UPDATE:
      need(8);
      return { type: "window_update", streamId: p.readUInt32BE(0) & 0x7fffffff, delta: p.readUInt32BE(4) & 0x7fffffff };
    default:
      return { type: "unknown", frameType: type, flags };
  }
}

/**
 * Reads frames from a byte stream: `push` bytes as they arrive, get back every frame they complete (the rest
 * is kept for the next push).
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly inflater = new HeaderInflater();

  push(chunk: Buffer): SpdyFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: SpdyFrame[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) break;
      const flags = this.buf[4]!;
      const payload = this.buf.subarray(8, 8 + len);
      const isControl = (this.buf[0]! & 0x80) !== 0;
      if (isControl) {
        const version = this.buf.readUInt16BE(0) & 0x7fff;
        if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
        out.push(decodeControl(this.buf.readUInt16BE(2), flags, payload, this.inflater));
      } else {
        out.push({ type: "data", streamId: this.buf.readUInt32BE(0) & 0x7fffffff, flags, data: Buffer.from(payload) });
      }
      this.buf = this.buf.subarray(8 + len);
    }
    return out;
  }
}

// The streaming subresources' wire formats: SPDY/3.1 frames (with frames recorded from kubectl 1.27, header blocks
// compressed by Go's zlib over the SPDY/3 dictionary), the WebSocket channel protocol, protocol negotiation, the
// v4 Status of an exit, and which container a stream request is for.
import { test } from "node:test";
import assert from "node:assert/strict";
import { deflateSync, inflateSync, constants as zc } from "node:zlib";
import { PassThrough } from "node:stream";
import {
  adler32,
  decodeHeaderBlock,
  encodeFrame,
  encodeHeaderBlock,
  FrameReader,
  HeaderDeflater,
  HeaderInflater,
  SPDY3_DICTIONARY,
  SpdyProtocolError,
  type SpdyFrame,
} from "../../src/kube/apiserver/streaming/spdyFrames.js";
import { SpdySession, type SpdyStream } from "../../src/kube/apiserver/streaming/spdySession.js";
import { channelMessage, parseSizes } from "../../src/kube/apiserver/streaming/channels.js";
import { exitStatus, internalStatus, successStatus } from "../../src/kube/apiserver/streaming/remotecommand.js";
import { negotiate } from "../../src/kube/apiserver/streaming/upgrade.js";
import { parsePorts, portPrefix } from "../../src/kube/apiserver/streaming/portforward.js";
import { validateContainer } from "../../src/kube/apiserver/handlers/stream.js";
import { KubeStatusError } from "../../src/kube/KubeStatusError.js";
import { shellQuote } from "../../src/kube/kubelet/runner.js";
import type { KubeObject } from "../../src/kube/KubeStorage.js";

// kubectl 1.27 `exec p -- echo hi`, as it arrived: SYN_STREAM error (1), stdout (3), stderr (5), then, after the
// Status, RST_STREAM CANCEL on each. One zlib stream carries the three header blocks.
const RECORDED = [
  "80030001000000290000000100000000000078f9e3c6a7c26260606004a7b392a2d4c45c6851c29a0a0a6800000000ffff",
  "800300010000001900000003000000000000c22ac5565c92925f5a02000000ffff",
  "800300010000001500000005000000000000c229975a5404000000ffff",
  "80030003000000080000000100000005",
  "80030003000000080000000300000005",
  "80030003000000080000000500000005",
].join("");

test("the SPDY/3 dictionary: 1423 bytes, the Adler-32 id a Go client's zlib header names", () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(adler32(SPDY3_DICTIONARY), 0xe3c6a7c2);
  assert.equal(RECORDED.slice(36, 48), "78f9e3c6a7c2", "the recorded zlib header carries the same dictionary id");
});

test("recorded kubectl 1.27 frames decode, in one push or byte by byte", () => {
  const want: SpdyFrame[] = [
    { type: "syn_stream", streamId: 1, associatedId: 0, priority: 0, flags: 0, headers: { streamtype: ["error"] } },
    { type: "syn_stream", streamId: 3, associatedId: 0, priority: 0, flags: 0, headers: { streamtype: ["stdout"] } },
    { type: "syn_stream", streamId: 5, associatedId: 0, priority: 0, flags: 0, headers: { streamtype: ["stderr"] } },
    { type: "rst_stream", streamId: 1, status: 5 },
    { type: "rst_stream", streamId: 3, status: 5 },
    { type: "rst_stream", streamId: 5, status: 5 },
  ];
  const bytes = Buffer.from(RECORDED, "hex");
  assert.deepEqual(new FrameReader().push(bytes), want);
  const slow = new FrameReader();
  const got: SpdyFrame[] = [];
  for (const b of bytes) got.push(...slow.push(Buffer.from([b])));
  assert.deepEqual(got, want);
});

test("frames encode and decode back: a table of every frame type", () => {
  const cases: SpdyFrame[] = [
    { type: "data", streamId: 3, flags: 0, data: Buffer.from("hello") },
    { type: "data", streamId: 0x7fffffff, flags: 1, data: Buffer.alloc(0) },
    { type: "syn_stream", streamId: 7, associatedId: 0, priority: 3, flags: 1, headers: { streamtype: ["data"], port: ["8080"], requestid: ["0"] } },
    { type: "syn_reply", streamId: 7, flags: 0, headers: {} },
    { type: "headers", streamId: 9, flags: 0, headers: { "x-multi": ["a", "b"] } },
    { type: "rst_stream", streamId: 9, status: 5 },
    { type: "settings", flags: 0, entries: [{ flags: 1, id: 7, value: 65536 }] },
    { type: "ping", id: 1 },
    { type: "goaway", lastGoodStreamId: 5, status: 0 },
    { type: "window_update", streamId: 3, delta: 1024 },
  ];
  const deflater = new HeaderDeflater();
  const reader = new FrameReader();
  for (const f of cases) assert.deepEqual(reader.push(encodeFrame(f, deflater)), [f], f.type);
});

test("control frame headers: the version, the type, flags and a 24-bit length, as SPDY/3 lays them out", () => {
  const cases: [SpdyFrame, string][] = [
    [{ type: "ping", id: 0x01020304 }, "800300060000000401020304"],
    [{ type: "rst_stream", streamId: 1, status: 5 }, "80030003000000080000000100000005"],
    [{ type: "goaway", lastGoodStreamId: 3, status: 0 }, "80030007000000080000000300000000"],
    [{ type: "window_update", streamId: 1, delta: 256 }, "80030009000000080000000100000100"],
    [{ type: "data", streamId: 5, flags: 1, data: Buffer.from("ok") }, "00000005010000026f6b"],
  ];
  for (const [f, hex] of cases) assert.equal(encodeFrame(f, new HeaderDeflater()).toString("hex"), hex, f.type);
});

test("header blocks: names lower-cased, several values NUL-joined; a truncated block is a protocol error", () => {
  const block = encodeHeaderBlock({ StreamType: ["error"], "x-a": ["1", "2"] });
  assert.equal(block.toString("hex"), "00000002" + "0000000a" + Buffer.from("streamtype").toString("hex") + "00000005" + Buffer.from("error").toString("hex") + "00000003" + Buffer.from("x-a").toString("hex") + "00000003" + "310032");
  assert.deepEqual(decodeHeaderBlock(block), { streamtype: ["error"], "x-a": ["1", "2"] });
  for (const bad of [Buffer.alloc(2), block.subarray(0, 10), block.subarray(0, block.length - 1)]) assert.throws(() => decodeHeaderBlock(bad), SpdyProtocolError);
});

test("header compression: what the server writes is one zlib stream (dictionary id set), each block sync-flushed", () => {
  const d = new HeaderDeflater();
  const blocks = [encodeHeaderBlock({}), encodeHeaderBlock({ streamtype: ["stdout"] }), encodeHeaderBlock({ big: ["x".repeat(70_000)] })];
  const wire = blocks.map((b) => d.deflate(b));
  assert.equal(wire[0]!.subarray(0, 6).toString("hex"), "7820e3c6a7c2", "zlib header: deflate, FDICT, the SPDY/3 dictionary id");
  assert.equal(((0x78 << 8) | wire[0]![1]!) % 31, 0, "FCHECK");
  for (const w of wire) assert.equal(w.subarray(-5).toString("hex"), "000000ffff", "each block ends with the sync-flush marker");
  // zlib itself reads the blocks, one after the other, from the concatenation.
  const all = inflateSync(Buffer.concat(wire), { dictionary: SPDY3_DICTIONARY, finishFlush: zc.Z_SYNC_FLUSH });
  assert.deepEqual(all, Buffer.concat(blocks));
  // And the server's inflater reads what a real zlib deflater writes.
  const real = deflateSync(blocks[1]!, { dictionary: SPDY3_DICTIONARY, flush: zc.Z_SYNC_FLUSH });
  assert.deepEqual(decodeHeaderBlock(new HeaderInflater().inflate(real)), { streamtype: ["stdout"] });
  assert.throws(() => new HeaderInflater().inflate(Buffer.from("78bb00000000", "hex")), SpdyProtocolError);
});

test("frame reader: a control frame of another SPDY version is refused", () => {
  assert.throws(() => new FrameReader().push(Buffer.from("800200060000000400000001", "hex")), /unsupported SPDY version 2/);
});

/** A SPDY session on an in-memory socket: what the client would receive, decoded. */
function sessionPair(onStream: (s: SpdyStream) => void): { client: (f: SpdyFrame) => void; received: SpdyFrame[]; session: SpdySession } {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const socket = Object.assign(new PassThrough(), {});
  // The server reads what the client writes, and writes what the client reads.
  socket.write = toClient.write.bind(toClient) as typeof socket.write;
  toServer.on("data", (d: Buffer) => socket.emit("data", d));
  const received: SpdyFrame[] = [];
  const reader = new FrameReader();
  toClient.on("data", (d: Buffer) => received.push(...reader.push(d)));
  const deflater = new HeaderDeflater();
  const session = new SpdySession(socket, onStream);
  return { client: (f) => toServer.write(encodeFrame(f, deflater)), received, session };
}

test("session: streams are replied to (or reset), PING is echoed, DATA and FIN reach the stream, writes become DATA frames", async () => {
  const streams: SpdyStream[] = [];
  const { client, received } = sessionPair((s) => {
    if (s.header("streamtype") === "bogus") return s.reset();
    s.reply();
    streams.push(s);
  });
  client({ type: "syn_stream", streamId: 1, associatedId: 0, priority: 0, flags: 0, headers: { streamtype: ["stdin"] } });
  client({ type: "syn_stream", streamId: 3, associatedId: 0, priority: 0, flags: 0, headers: { streamtype: ["bogus"] } });
  client({ type: "ping", id: 7 });
  client({ type: "data", streamId: 1, flags: 0, data: Buffer.from("abc") });
  client({ type: "data", streamId: 1, flags: 1, data: Buffer.alloc(0) });
  client({ type: "data", streamId: 1, flags: 0, data: Buffer.from("after FIN: dropped") });
  client({ type: "data", streamId: 99, flags: 0, data: Buffer.from("no such stream: dropped") });
  await new Promise((r) => setImmediate(r));
  const stdin = streams[0]!;
  let read = "";
  stdin.on("data", (d: Buffer) => (read += d.toString()));
  await new Promise((r) => stdin.on("end", r));
  assert.equal(read, "abc");
  stdin.end("out");
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(received, [
    { type: "syn_reply", streamId: 1, flags: 0, headers: {} },
    { type: "rst_stream", streamId: 3, status: 5 },
    { type: "ping", id: 7 },
    { type: "data", streamId: 1, flags: 0, data: Buffer.from("out") },
    { type: "data", streamId: 1, flags: 1, data: Buffer.alloc(0) },
  ]);
});

test("WebSocket channels: one channel byte, then the data; terminal sizes as JSON, one after the other", () => {
  const cases: [number, string, string][] = [
    [0, "ls\n", "006c730a"],
    [1, "", "01"],
    [3, "{}", "037b7d"],
    [255, "\u0000", "ff00"],
  ];
  for (const [ch, data, hex] of cases) assert.equal(channelMessage(ch, Buffer.from(data)).toString("hex"), hex);
  const sizes: [string, { width: number; height: number }[], string][] = [
    ['{"Width":80,"Height":24}', [{ width: 80, height: 24 }], ""],
    ['{"Width":80,"Height":24}\n{"Width":100,"Height":40}\n', [{ width: 80, height: 24 }, { width: 100, height: 40 }], "\n"],
    ['{"Width":80,"Hei', [], '{"Width":80,"Hei'],
    ['{"Width":"x","Height":1}', [], ""],
  ];
  for (const [text, want, rest] of sizes) assert.deepEqual(parseSizes(text), { sizes: want, rest }, text);
});

test("protocol negotiation: the client's order among what the server speaks", () => {
  const cases: [string[], string[], string | undefined][] = [
    [["v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"], ["v4.channel.k8s.io"], "v4.channel.k8s.io"],
    [["v3.channel.k8s.io"], ["v4.channel.k8s.io"], undefined],
    [["portforward.k8s.io"], ["portforward.k8s.io"], "portforward.k8s.io"],
    [[], ["v4.channel.k8s.io"], undefined],
  ];
  for (const [client, server, want] of cases) assert.equal(negotiate(client, server), want);
});

test("the v4 Status: Success; NonZeroExitCode with the code as the ExitCode cause (kubelet over SPDY, the translator over WebSocket)", () => {
  assert.deepEqual(successStatus(), { metadata: {}, status: "Success" });
  assert.deepEqual(exitStatus(3, ["sh", "-c", "exit 3"], "spdy"), {
    metadata: {},
    status: "Failure",
    message: "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3",
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: "3" }] },
  });
  const ws = exitStatus(130, ["sh"], "websocket");
  assert.equal(ws.message, "command terminated with non-zero exit code: command terminated with exit code 130");
  assert.equal(ws.code, 500);
  assert.deepEqual(internalStatus("boom"), { metadata: {}, status: "Failure", message: "Internal error occurred: boom", reason: "InternalError", details: { causes: [{ message: "boom" }] }, code: 500 });
});

test("which container a stream request is for: kube-apiserver's validateContainer", () => {
  const pod = (containers: string[], inits: string[] = []) =>
    ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: containers.map((name) => ({ name })), initContainers: inits.map((name) => ({ name })) } }) as unknown as KubeObject;
  const cases: [KubeObject, string | undefined, string][] = [
    [pod(["a"]), undefined, "a"],
    [pod(["a", "b"]), "b", "b"],
    [pod(["a"], ["init"]), "init", "init"],
    [pod(["a", "b"], ["init"]), undefined, "a container name must be specified for pod p, choose one of: [init a b]"],
    [pod([]), undefined, "a container name must be specified for pod p"],
    [pod(["a"]), "nope", "container nope is not valid for pod p"],
  ];
  for (const [p, asked, want] of cases) {
    try {
      assert.equal(validateContainer(p, "p", asked), want);
    } catch (e) {
      assert.ok(e instanceof KubeStatusError, String(e));
      assert.equal(e.status, 400);
      assert.equal(e.message, want);
    }
  }
});

test("WebSocket port forwarding: the kubelet's parsing of `ports`, and the port as each channel's first message", () => {
  const cases: [string[], number[] | string][] = [
    [["8080"], [8080]],
    [["80,443", "9000"], [80, 443, 9000]],
    [[], 'query parameter "ports" is required'],
    [[""], 'query parameter "ports" cannot be empty'],
    [["0"], 'port "0" must be > 0'],
    [["http"], 'unable to parse "http" as a port: strconv.ParseUint: parsing "http": invalid syntax'],
    [["70000"], 'unable to parse "70000" as a port: strconv.ParseUint: parsing "70000": value out of range'],
  ];
  for (const [values, want] of cases) assert.deepEqual(parsePorts(values), want, values.join("|"));
  assert.equal(portPrefix(0, 8080).toString("hex"), "00901f");
  assert.equal(portPrefix(3, 443).toString("hex"), "03bb01");
});

test("the TTY wrapper's quoting: words that sh would split or expand are single-quoted", () => {
  const cases: [string, string][] = [
    ["sh", "sh"],
    ["/var/run/secrets/azure/tokens/azure-identity-token", "/var/run/secrets/azure/tokens/azure-identity-token"],
    ["echo $HOME", "'echo $HOME'"],
    ["it's", "'it'\\''s'"],
    ["", "''"],
    ["a\nb", "'a\nb'"],
  ];
  for (const [word, quoted] of cases) assert.equal(shellQuote(word), quoted, word);
});

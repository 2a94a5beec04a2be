/**
 * The streaming pod subresources: `pods/exec`, `pods/attach` and `pods/portforward`. As in kube-apiserver, the
 * API server checks the pod, the container and the node (plain Status errors), then the kubelet's part: the
 * container must run (its errors are the kubelet's text over SPDY, an InternalError Status over WebSocket, as
 * the apiserver's stream translator reports them). Then the connection is upgraded and the streams served.
 */
import type { ChildProcess } from "node:child_process";
import { KubeErrors } from "../../KubeStatusError.js";
import type { KubeObject } from "../../KubeStorage.js";
import { hasUpgrade } from "../../../platform/index.js";
import { findResource } from "../resources.js";
import { channelMessage, spdyStreams, websocketStreams, CHANNEL, SPDY_EXEC_PROTOCOLS, WS_EXEC_PROTOCOLS, type CommandStreams, type StreamSet, type TerminalSize } from "../streaming/channels.js";
import { internalStatus, runCommand, type Transport } from "../streaming/remotecommand.js";
import { parsePorts, serveChannelPortForward, servePortForward, PORT_FORWARD_PROTOCOL, WS_CHANNEL_PORT_FORWARD_PROTOCOL, WS_PORT_FORWARD_PROTOCOL } from "../streaming/portforward.js";
import { completeUpgrade, offeredSubprotocols, spdyRefusal, upgradeKind, type Upgraded } from "../streaming/upgrade.js";
import { createWebSocketStream } from "ws";
import { toKubeletElsewhere } from "../kubeletProxy.js";
import { isObj, methodNotAllowed, type Obj, type ApiServer, type Handler, type ResourceCall } from "./context.js";

/** The kubelet's stream creation timeout: the client must open its streams within it. */
const STREAM_CREATION_TIMEOUT_MS = 30_000;
/** How long a TTY exec waits for the client's first terminal size before the command starts without one. */
const INITIAL_SIZE_WAIT_MS = 500;

/** kube's query booleans (strconv.ParseBool). */
function bool(v: string | undefined): boolean {
  return v !== undefined && ["1", "t", "T", "true", "TRUE", "True"].includes(v);
}

/** Every value of a query parameter (`command` repeats). */
function allValues(call: ResourceCall, key: string): string[] {
  const raw = call.req.raw.url ?? "";
  const i = raw.indexOf("?");
  return i >= 0 ? new URLSearchParams(raw.slice(i + 1)).getAll(key) : [];
}

/** What kube-apiserver checks before it reaches the kubelet: connect method, upgrade, the pod and its node. */
async function thePod(s: ApiServer, call: ResourceCall): Promise<KubeObject> {
  if (!["GET", "POST"].includes(call.req.method)) methodNotAllowed();
  const pod = await s.registry.get(call.cluster, findResource("", "v1", "pods")!, call.info.namespace!, call.info.name!);
  return pod;
}

/**
 * The container a stream request is for (kube-apiserver's validateContainer): the one named, which must exist,
 * or the pod's only container; with several, kube names them all (init, regular, ephemeral).
 */
export function validateContainer(pod: KubeObject, name: string, asked: string | undefined): string {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const names = (f: string) => (Array.isArray(spec[f]) ? (spec[f] as Obj[]).map((c) => String(c.name)) : []);
  const all = [...names("initContainers"), ...names("containers"), ...names("ephemeralContainers")];
  if (asked) {
    if (!all.includes(asked)) throw KubeErrors.badRequest(`container ${asked} is not valid for pod ${name}`);
    return asked;
  }
  const containers = names("containers");
  if (containers.length === 1) return containers[0]!;
  if (containers.length === 0) throw KubeErrors.badRequest(`a container name must be specified for pod ${name}`);
  throw KubeErrors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${all.join(" ")}]`);
}

function requireNode(pod: KubeObject, name: string): void {
  const spec = isObj(pod.spec) ? pod.spec : {};
  if (!spec.nodeName) throw KubeErrors.badRequest(`pod ${name} does not have a host assigned`);
}

/** The proxy to the kubelet needs an upgrade request (UpgradeAwareHandler with UpgradeRequired). */
function requireUpgrade(s: ApiServer, call: ResourceCall, spdyProtocols: string[], wsProtocols: string[]): void {
  const kind = upgradeKind(call.req.raw);
  if (!kind || !hasUpgrade(call.req.raw)) throw KubeErrors.badRequest("Upgrade request required");
  if (kind === "websocket" && !offeredSubprotocols(call.req.raw).some((p) => wsProtocols.includes(p))) {
    throw KubeErrors.badRequest(`unable to upgrade: unable to negotiate protocol: client supports [${offeredSubprotocols(call.req.raw).join(" ")}], server supports [${wsProtocols.join(" ")}]`);
  }
  const refusal = kind === "spdy" ? spdyRefusal(call.req.raw, spdyProtocols) : undefined;
  if (refusal) {
    kubeletAnswer(s, call, 403, refusal);
    throw new Refused();
  }
}

/** The kubelet's plain-text refusal, passed through by the API server's proxy as it is (and a lab-log warning). */
function kubeletAnswer(s: ApiServer, call: ResourceCall, status: number, text: string): void {
  s.kube.ctx.labLog.log({ level: "warn", face: "kube", op: call.op ?? "", status, caller: { upn: call.user.username }, message: `kubelet: ${text}`, fields: { cluster: call.cluster.name, namespace: call.info.namespace, pod: call.info.name } });
  call.reply.hijack();
  call.reply.raw.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(text);
}

/** The request was answered directly (a kubelet-side refusal): nothing more to send. */
class Refused extends Error {}

/** The kubelet's refusal: its own text and status over SPDY, an InternalError Status over WebSocket. */
async function kubeletRefusal(s: ApiServer, call: ResourceCall, status: number, text: string, protocols: string[]): Promise<undefined> {
  if (upgradeKind(call.req.raw) === "spdy") {
    kubeletAnswer(s, call, status, text);
    return undefined;
  }
  // kube-apiserver's stream translator has accepted the WebSocket before it meets the kubelet's refusal.
  s.kube.ctx.labLog.log({ level: "warn", face: "kube", op: call.op ?? "", status, caller: { upn: call.user.username }, message: `kubelet: ${text}`, fields: { cluster: call.cluster.name, namespace: call.info.namespace, pod: call.info.name } });
  call.reply.hijack();
  const up = await completeUpgrade(call.req.raw, call.reply.raw, protocols);
  if (up?.transport === "websocket") {
    up.ws.send(channelMessage(CHANNEL.error, Buffer.from(JSON.stringify(internalStatus(`unable to upgrade connection: ${text}`)))), { binary: true });
    up.ws.close(1000);
  }
  return undefined;
}

function streamSet(call: ResourceCall): StreamSet {
  const q = call.query;
  return { stdin: bool(q.stdin), stdout: bool(q.stdout), stderr: bool(q.stderr), tty: bool(q.tty) };
}

/** The streams of an upgraded remote-command connection (undefined: the client never opened them). */
async function commandStreams(up: Upgraded, want: StreamSet): Promise<CommandStreams | undefined> {
  if (up.transport === "websocket") return websocketStreams(up.ws, up.protocol, want);
  return spdyStreams(up.socket, want, STREAM_CREATION_TIMEOUT_MS);
}

/** The lab log's line for a streaming session (exec is a privileged verb: each one is recorded). */
function audit(s: ApiServer, call: ResourceCall, message: string, fields: Record<string, string | number>): void {
  s.kube.ctx.labLog.log({ level: "info", face: "kube", op: call.op ?? "", status: 101, caller: { upn: call.user.username }, message, fields: { cluster: call.cluster.name, namespace: call.info.namespace, pod: call.info.name, ...fields } });
}

/** Checks shared by exec and attach; the container's name, or undefined when the kubelet already answered. */
async function remoteCommandTarget(s: ApiServer, call: ResourceCall, want: StreamSet): Promise<string | undefined> {
  const pod = await thePod(s, call);
  const name = call.info.name!;
  const container = validateContainer(pod, name, call.query.container || undefined);
  requireNode(pod, name);
  if (await toKubeletElsewhere(s, call)) return undefined;
  requireUpgrade(s, call, SPDY_EXEC_PROTOCOLS, WS_EXEC_PROTOCOLS);
  const procs = s.kube.podProcesses;
  const ns = call.info.namespace!;
  // The kubelet's order: the stream options, the pod on the node, then the container.
  if (!want.stdin && !want.stdout && !want.stderr) return kubeletRefusal(s, call, 400, "you must specify at least 1 of stdin, stdout, stderr", WS_EXEC_PROTOCOLS);
  if (!procs?.podUid(call.cluster.clusterId, ns, name)) return kubeletRefusal(s, call, 404, "pod does not exist", WS_EXEC_PROTOCOLS);
  const err = procs.containerError(call.cluster.clusterId, ns, name, container);
  if (err) return kubeletRefusal(s, call, 500, err, WS_EXEC_PROTOCOLS);
  return container;
}

const swallowRefused = (e: unknown): undefined => {
  if (e instanceof Refused) return undefined;
  throw e;
};

/** exec and attach: the target container (kube's refusals answered), the upgraded connection and its streams. */
async function openCommandStreams(s: Parameters<Handler>[0], call: ResourceCall, want: ReturnType<typeof streamSet>) {
  const container = await remoteCommandTarget(s, call, want).catch(swallowRefused);
  if (!container) return undefined;
  call.reply.hijack();
  const up = await completeUpgrade(call.req.raw, call.reply.raw, execProtocols(call));
  if (!up) return undefined;
  const streams = await commandStreams(up, want);
  return streams ? { container, up, streams } : undefined;
}

export const exec: Handler = async (s, call) => {
  const want = streamSet(call);
  const command = allValues(call, "command");
  const opened = await openCommandStreams(s, call, want);
  if (!opened) return undefined;
  const { container, up, streams } = opened;
  const transport: Transport = up.transport;
  const { clusterId } = call.cluster;
  const size = want.tty ? await firstSize(streams) : undefined;
  const started = s.kube.podProcesses!.exec(clusterId, call.info.namespace!, call.info.name!, { container, command, tty: want.tty, size });
  audit(s, call, `exec ${JSON.stringify(command)} in container ${container}`, { container, transport, protocol: up.protocol, tty: String(want.tty) });
  if (typeof started === "string") {
    streams.finish(internalStatus(`error executing command in container: ${started}`));
    return undefined;
  }
  const { proc, resize } = started;
  const code = await runCommand(proc, streams, {
    argv: command,
    transport,
    resize: want.tty ? (sz) => resize(sz.width, sz.height) : undefined,
    onAbandon: () => abandon(proc, want.tty),
  });
  audit(s, call, `exec ${JSON.stringify(command)} in container ${container} exited ${code}`, { container, exitCode: code });
  return undefined;
};

/**
 * The terminal size a TTY client sends as soon as its streams are open (kubectl sends its window's), so that the
 * command starts at that size; a client that sends none within a moment gets the command anyway.
 */
function firstSize(streams: CommandStreams): Promise<TerminalSize | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), INITIAL_SIZE_WAIT_MS);
    streams.onResize((sz) => {
      clearTimeout(timer);
      resolve(sz);
    });
  });
}

/** The client left while the command runs: its stdin ends, and a terminal hangs up (SIGHUP), as a closed pty does. */
function abandon(proc: ChildProcess, tty: boolean): void {
  proc.stdin?.end();
  if (tty && proc.pid && proc.exitCode === null) {
    try {
      process.kill(-proc.pid, "SIGHUP");
    } catch {
      // already gone
    }
  }
}

function execProtocols(call: ResourceCall): string[] {
  return upgradeKind(call.req.raw) === "spdy" ? SPDY_EXEC_PROTOCOLS : WS_EXEC_PROTOCOLS;
}

export const attach: Handler = async (s, call) => {
  const want = streamSet(call);
  const opened = await openCommandStreams(s, call, want);
  if (!opened) return undefined;
  const { container, up, streams } = opened;
  const proc = s.kube.podProcesses!.attach(call.cluster.clusterId, call.info.namespace!, call.info.name!, container);
  audit(s, call, `attach to container ${container}`, { container, transport: up.transport, protocol: up.protocol });
  if (typeof proc === "string") return streams.finish(internalStatus(`error attaching to container: ${proc}`));
  attachTo(proc, streams);
  return undefined;
};

/** Follows a container's output from now on (and feeds its stdin when it keeps one) until it exits or the client leaves. */
function attachTo(proc: ChildProcess, streams: CommandStreams): void {
  const out = (d: Buffer) => streams.stdout?.write(d);
  const err = (d: Buffer) => (streams.stderr ?? streams.stdout)?.write(d);
  proc.stdout?.on("data", out);
  proc.stderr?.on("data", err);
  if (streams.stdin && proc.stdin) streams.stdin.on("data", (d: Buffer) => proc.stdin?.write(d));
  const detach = () => {
    proc.stdout?.off("data", out);
    proc.stderr?.off("data", err);
  };
  const exited = () => {
    detach();
    streams.finish({ metadata: {}, status: "Success" });
  };
  proc.once("close", exited);
  streams.onClose(() => {
    proc.off("close", exited);
    detach();
  });
}

const WS_PORT_FORWARD = [WS_PORT_FORWARD_PROTOCOL, WS_CHANNEL_PORT_FORWARD_PROTOCOL];

export const portforward: Handler = async (s, call) => {
  const pod = await thePod(s, call);
  const name = call.info.name!;
  requireNode(pod, name);
  if (await toKubeletElsewhere(s, call)) return undefined;
  try {
    requireUpgrade(s, call, [PORT_FORWARD_PROTOCOL], WS_PORT_FORWARD);
  } catch (e) {
    return swallowRefused(e);
  }
  const kind = upgradeKind(call.req.raw);
  const tunnel = kind === "spdy" || offeredSubprotocols(call.req.raw).includes(WS_PORT_FORWARD_PROTOCOL);
  const ports = tunnel ? [] : parsePorts(allValues(call, "ports"));
  const uid = s.kube.podProcesses?.podUid(call.cluster.clusterId, call.info.namespace!, name);
  if (typeof ports === "string") return kubeletAnswer(s, call, 400, ports);
  if (!uid) return kubeletAnswer(s, call, 404, "pod does not exist");
  call.reply.hijack();
  const up = await completeUpgrade(call.req.raw, call.reply.raw, kind === "spdy" ? [PORT_FORWARD_PROTOCOL] : WS_PORT_FORWARD);
  if (!up) return undefined;
  audit(s, call, `port forwarding to pod ${call.info.namespace}/${name}`, { transport: up.transport, protocol: up.protocol, ...(ports.length ? { ports: ports.join(",") } : {}) });
  if (up.transport === "websocket" && up.protocol === WS_CHANNEL_PORT_FORWARD_PROTOCOL) return serveChannelPortForward(up.ws, ports as number[], uid);
  // Over WebSocket, the binary messages carry the SPDY session itself (kube-apiserver's tunnel).
  servePortForward(up.transport === "spdy" ? up.socket : createWebSocketStream(up.ws), uid);
  return undefined;
};

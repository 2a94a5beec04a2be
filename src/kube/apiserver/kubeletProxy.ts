/**
 * The API server's proxy to a kubelet on another replica. kube-apiserver answers `pods/log`, `pods/exec`,
 * `pods/attach` and `pods/portforward` by connecting to the kubelet of the pod's node. Replicas on one database run
 * the kubelet of each cluster on one of them (the holder of its lease): a replica that receives such a request for
 * a cluster whose kubelet runs elsewhere hands the request, as it came (its credentials included), to that replica,
 * and relays the answer — a plain response, or the upgraded connection's bytes both ways. The request carries
 * FORWARDED_HEADER, so that it is never handed on a second time.
 */
import { request } from "node:https";
import { connect, type ConnectionOptions } from "node:tls";
import { isIP } from "node:net";
import type { IncomingMessage, IncomingHttpHeaders } from "node:http";
import type { Duplex } from "node:stream";
import { hasUpgrade, takeUpgrade } from "../../platform/index.js";
import { KubeErrors } from "../KubeStatusError.js";
import type { ApiServer, ResourceCall } from "./handlers/context.js";

export const FORWARDED_HEADER = "x-wilab-kubelet-proxy";

/** `host:port` (IPv6 hosts in brackets) → TLS options that trust the lab's CA. */
function target(endpoint: string, caPem: string): ConnectionOptions & { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(endpoint);
  if (!m) throw KubeErrors.internal(`bad kubelet endpoint ${JSON.stringify(endpoint)}`);
  const host = m[1]!;
  return { host, port: Number(m[2]), ca: caPem, ...(isIP(host) ? {} : { servername: host }) };
}

function forwardedHeaders(raw: IncomingMessage): IncomingHttpHeaders {
  return { ...raw.headers, [FORWARDED_HEADER]: "1" };
}

/** Go's words for a failed dial (`connect: connection refused`, `i/o timeout`), from Node's error. */
function goDialError(err: Error & { code?: string }): string {
  if (err.code === "ECONNREFUSED") return "connect: connection refused";
  if (err.code === "ETIMEDOUT") return "i/o timeout";
  if (err.code === "EHOSTUNREACH") return "connect: no route to host";
  return err.message;
}

/**
 * kube-apiserver's answer when the kubelet cannot be reached: for logs, the kubelet URL it tried
 * (`/containerLogs/<ns>/<pod>/<container>`); for the streaming verbs, "error dialing backend".
 */
function unreachable(endpoint: string, err: Error, logPath?: string): Error {
  const dial = `dial tcp ${endpoint}: ${goDialError(err)}`;
  return KubeErrors.kubeletUnreachable(logPath ? `Get "https://${endpoint}${logPath}": ${dial}` : `error dialing backend: ${dial}`);
}

/** The plain request (logs): sent on, and its response relayed as it streams. */
function relayRequest(s: ApiServer, call: ResourceCall, endpoint: string, logPath: string | undefined): Promise<void> {
  const raw = call.req.raw;
  return new Promise((resolve, reject) => {
    const out = request({ ...target(endpoint, s.kube.ctx.ca.certPem), method: raw.method, path: raw.url, headers: forwardedHeaders(raw) }, (res) => {
      call.reply.hijack();
      call.reply.raw.writeHead(res.statusCode ?? 502, res.headers);
      res.pipe(call.reply.raw);
      raw.once("close", () => res.destroy());
      resolve();
    });
    out.once("error", (err) => reject(unreachable(endpoint, err, logPath)));
    out.end();
  });
}

/** The upgrade request (exec, attach, port forwarding): its head sent on, then the bytes both ways until either side closes. */
function relayUpgrade(s: ApiServer, call: ResourceCall, endpoint: string): Promise<void> {
  const raw = call.req.raw;
  return new Promise((resolve, reject) => {
    const upstream = connect(target(endpoint, s.kube.ctx.ca.certPem), () => {
      const taken = takeUpgrade(raw, call.reply.raw);
      if (taken) call.reply.hijack();
      if (!taken) {
        upstream.destroy();
        return reject(KubeErrors.internal("the upgrade request's connection is gone"));
      }
      const lines = [`${raw.method} ${raw.url} HTTP/1.1`];
      for (let i = 0; i < raw.rawHeaders.length; i += 2) lines.push(`${raw.rawHeaders[i]}: ${raw.rawHeaders[i + 1]}`);
      lines.push(`${FORWARDED_HEADER}: 1`, "", "");
      upstream.write(lines.join("\r\n"));
      if (taken.head.length) upstream.write(taken.head);
      splice(taken.socket, upstream);
      resolve();
    });
    upstream.once("error", (err) => reject(unreachable(endpoint, err)));
  });
}

function splice(a: Duplex, b: Duplex): void {
  a.pipe(b);
  b.pipe(a);
  const close = () => {
    a.destroy();
    b.destroy();
  };
  a.once("close", close);
  b.once("close", close);
  a.on("error", close);
  b.on("error", close);
}

/**
 * Hands the request to the replica whose kubelet runs the call's cluster (`container`: a log request's, for the
 * kubelet URL its dial error names), when that is another one; true when it
 * did (the answer is that replica's), false when the kubelet runs here (or nowhere yet) and the request is this
 * replica's to answer.
 */
export async function toKubeletElsewhere(s: ApiServer, call: ResourceCall, container?: string): Promise<boolean> {
  if (call.req.headers[FORWARDED_HEADER] !== undefined || !s.kube.kubeletElsewhere) return false;
  const endpoint = await s.kube.kubeletElsewhere(call.cluster.clusterId);
  if (!endpoint) return false;
  const logPath = container === undefined ? undefined : `/containerLogs/${call.info.namespace}/${call.info.name}/${container}`;
  await (hasUpgrade(call.req.raw) ? relayUpgrade(s, call, endpoint) : relayRequest(s, call, endpoint, logPath));
  return true;
}

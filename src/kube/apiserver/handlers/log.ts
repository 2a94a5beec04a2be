/** `pods/log`: the container's log stream from the kubelet (chunked text), or why there is none yet. */
import { KubeErrors } from "../../KubeStatusError.js";
import type { KubeObject } from "../../KubeStorage.js";
import { findResource } from "../resources.js";
import { toKubeletElsewhere } from "../kubeletProxy.js";
import { isObj, methodNotAllowed, type Handler, type Obj } from "./context.js";

/** The container a log request reads: the one asked for, or the pod's only container. */
function containerOf(pod: KubeObject, name: string, asked: string | undefined): string {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const names = (f: string) => (Array.isArray(spec[f]) ? (spec[f] as Obj[]).map((c) => String(c.name)) : []);
  const containers = names("containers");
  const inits = names("initContainers");
  const ephemeral = names("ephemeralContainers");
  if (asked) {
    if (![...containers, ...inits, ...ephemeral].includes(asked)) throw KubeErrors.badRequest(`container ${asked} is not valid for pod ${name}`);
    return asked;
  }
  if (containers.length === 1) return containers[0]!;
  let msg = `a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]`;
  if (inits.length) msg += ` or one of the init containers: [${inits.join(" ")}]`;
  if (ephemeral.length) msg += ` or one of the ephemeral containers: [${ephemeral.join(" ")}]`;
  throw KubeErrors.badRequest(msg);
}

/** BadRequest for a container that has not started: its waiting reason. */
function waitingToStart(pod: KubeObject, name: string, container: string): never {
  const status = isObj(pod.status) ? pod.status : {};
  const cs = (Array.isArray(status.containerStatuses) ? (status.containerStatuses as Obj[]) : []).find((c) => c.name === container);
  const waiting = cs && isObj(cs.state) && isObj(cs.state.waiting) ? String(cs.state.waiting.reason ?? "ContainerCreating") : "ContainerCreating";
  throw KubeErrors.badRequest(`container "${container}" in pod "${name}" is waiting to start: ${waiting}`);
}

export const log: Handler = async (s, call) => {
  const { kube, registry } = s;
  const { info, req, query } = call;
  const { namespace: ns, name } = info;
  if (!ns || !name || !(req.method === "GET" || req.method === "HEAD")) methodNotAllowed();
  const pod = await registry.get(call.cluster, findResource("", "v1", "pods")!, ns, name);
  const container = containerOf(pod, name, query.container || undefined);
  if (await toKubeletElsewhere(s, call, container)) return undefined;
  const num = (k: string) => (query[k] !== undefined && query[k] !== "" ? Number(query[k]) : undefined);
  const stream = await kube.podLogs?.logs(call.cluster.clusterId, ns, name, {
    container,
    follow: query.follow === "true" || query.follow === "1",
    previous: query.previous === "true",
    tailLines: num("tailLines"),
    sinceSeconds: num("sinceSeconds"),
    timestamps: query.timestamps === "true",
  });
  if (!stream) waitingToStart(pod, name, container);
  call.reply.hijack();
  const res = call.reply.raw;
  res.writeHead(200, { "content-type": "text/plain", "cache-control": "no-cache, private", "transfer-encoding": "chunked" });
  req.raw.on("close", () => stream.destroy());
  stream.on("data", (chunk: Buffer | string) => res.write(chunk));
  stream.on("end", () => res.end());
  stream.on("error", () => res.end());
  return undefined;
};

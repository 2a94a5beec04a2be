/** The lab log's `debug` lines: one per request (method, host, path, status, duration), from one Fastify hook. */
import type { FastifyInstance } from "fastify";
import { hostOf, pathOf } from "./http.js";
import type { LabLog, LogFace } from "./labLog.js";

const VAULT_HOST = /^[a-z0-9-]+\.vault\.(?:localhost|azure\.net)(?::\d+)?$/;
const ARM_ROOTS = new Set(["subscriptions", "providers", "metadata", "tenants"]);

/** Which face a request is for, from its Host and path (the router's own choice, approximated for the log). */
export function faceOfRequest(host: string, path: string): LogFace {
  const h = host.toLowerCase().replace(/:\d+$/, "");
  if (VAULT_HOST.test(h)) return "keyvault";
  if (h === "management.azure.com") return "arm";
  if (h === "graph.microsoft.com") return "graph";
  if (h.endsWith(".azurefd.net")) return "kube";
  const first = path.split("/").filter(Boolean)[0]?.toLowerCase() ?? "";
  if (first === "k8s" || first === "oidc") return "kube";
  if (first === "webhooks") return "webhook";
  if (first === "_wilab") return "lab";
  if (ARM_ROOTS.has(first)) return "arm";
  if (first === "v1.0" || first === "beta") return "graph";
  return "entra";
}

/** Installs the per-request `debug` line on the root instance (before the faces register, so it covers them all). */
export function installRequestLog(app: FastifyInstance, log: LabLog): void {
  // A callback hook: no promise per request when debug lines are off (the common case).
  app.addHook("onResponse", (req, reply, done) => {
    if (!log.enabled("debug")) return done();
    const host = hostOf(req);
    const path = pathOf(req);
    log.log({
      level: "debug",
      face: faceOfRequest(host, path),
      op: `${req.method} ${path}`,
      status: reply.statusCode,
      fields: { host, durationMs: Math.round(reply.elapsedTime) },
    });
    done();
  });
}

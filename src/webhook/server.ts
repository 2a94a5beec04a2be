// Where the webhook answers: (a) Fastify routes the lab mounts once per cluster under a prefix, (b) a standalone
// HTTPS server (`wilab webhook serve`, usable in a real cluster), and (c) a service-account reader over the
// Kubernetes API for the standalone server.
import { readFileSync } from "node:fs";
import { createServer as createHttpsServer, request as httpsRequest, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { MAX_REQUEST_SIZE, serveAdmissionReview, type HttpOut, type ServiceAccountGetter, type WebhookDeps } from "./admissionReview.js";
import { resolveWebhookConfig, type ResolvedWebhookConfig, type WebhookConfig } from "./mutate.js";
import type { ServiceAccount } from "./types.js";

export const MUTATE_PATH = "/mutate-v1-pod";
const NOT_FOUND = "404 page not found\n";

function errorReview(code: number, message: string): HttpOut {
  return { status: 200, contentType: "application/json", body: JSON.stringify({ response: { uid: "", allowed: false, status: { metadata: {}, message, code } } }) + "\n" };
}

export interface WebhookRoutesOptions {
  /** The webhook configuration of a cluster (undefined: no webhook there → 404). */
  config(clusterKey: string): WebhookConfig | ResolvedWebhookConfig | undefined | Promise<WebhookConfig | ResolvedWebhookConfig | undefined>;
  /** Reads a service account of that cluster; undefined = NotFound. */
  getServiceAccount(clusterKey: string, namespace: string, name: string): Promise<ServiceAccount | undefined>;
  /** The route parameter naming the cluster (default `clusterId`, as in `/webhooks/azure-wi/:clusterId`). */
  param?: string;
}

/**
 * `POST <prefix>/mutate-v1-pod`, `GET <prefix>/healthz`, `GET <prefix>/readyz`. Register inside its own
 * encapsulated context: it replaces the content-type parsers there (the handler reads the raw bytes, as
 * controller-runtime does, and checks Content-Type itself).
 */
export async function webhookRoutes(app: FastifyInstance, opts: WebhookRoutesOptions): Promise<void> {
  const param = opts.param ?? "clusterId";
  const clusterOf = (req: FastifyRequest): string => {
    const p = req.params as Record<string, string | undefined>;
    return p[param] ?? "";
  };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, _req, reply) => {
    const code = err.code === "FST_ERR_CTP_BODY_TOO_LARGE" ? 413 : err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    const msg = code === 413 ? `request entity is too large; limit is ${MAX_REQUEST_SIZE} bytes` : err.message;
    const out = errorReview(code, msg);
    return reply.code(out.status).type(out.contentType).send(out.body);
  });
  // Resolved configurations by their fields: a cluster's config is rebuilt per request (the cluster can change),
  // resolving it (server version parse, images, authority) is done once per distinct config.
  const resolved = new Map<string, ResolvedWebhookConfig>();
  const resolve = (config: WebhookConfig | ResolvedWebhookConfig): ResolvedWebhookConfig => {
    if ("useNativeSidecar" in config) return config;
    const k = JSON.stringify(config);
    let r = resolved.get(k);
    if (!r) {
      r = resolveWebhookConfig(config);
      if (resolved.size >= 1000) resolved.clear();
      resolved.set(k, r);
    }
    return r;
  };
  const send = (reply: FastifyReply, out: HttpOut) => reply.code(out.status).type(out.contentType).send(out.body);

  app.post(MUTATE_PATH, { bodyLimit: MAX_REQUEST_SIZE + 1 }, async (req, reply) => {
    const key = clusterOf(req);
    const config = await opts.config(key);
    if (config === undefined) return reply.code(404).type("text/plain; charset=utf-8").send(NOT_FOUND);
    const body = Buffer.isBuffer(req.body) ? req.body : undefined;
    const deps: WebhookDeps = { config: resolve(config), getServiceAccount: (ns, name) => opts.getServiceAccount(key, ns, name) };
    return send(reply, await serveAdmissionReview({ method: req.method, contentType: req.headers["content-type"], body }, deps));
  });
  for (const path of ["/healthz", "/readyz"]) {
    app.get(path, async (req, reply) => {
      const config = await opts.config(clusterOf(req));
      if (config === undefined) return reply.code(404).type("text/plain; charset=utf-8").send(NOT_FOUND);
      return reply.code(200).type("text/plain; charset=utf-8").send("ok");
    });
  }
}

export interface WebhookServerOptions {
  /** 0 picks a free port. Upstream listens on 9443. */
  port: number;
  /** Default "0.0.0.0" (upstream binds every interface). */
  host?: string;
  tlsCertPem: string;
  tlsKeyPem: string;
  /** `--tls-min-version` (upstream default 1.3). */
  tlsMinVersion?: "TLSv1.2" | "TLSv1.3";
  config: WebhookConfig | ResolvedWebhookConfig;
  getServiceAccount: ServiceAccountGetter;
}

export interface WebhookServer {
  server: Server;
  port: number;
  /** https://<host>:<port> (localhost when bound to every interface). */
  url: string;
  close(): Promise<void>;
}

/** Reads the body up to one byte past the limit (controller-runtime's LimitedReader). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (c: Buffer) => {
      if (done) return;
      size += c.length;
      chunks.push(c);
      if (size > limit) {
        done = true;
        resolve(Buffer.concat(chunks).subarray(0, limit + 1));
      }
    });
    req.on("end", () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

/** A standalone AdmissionReview HTTPS server: `/mutate-v1-pod` (any method, as Go's mux), `/healthz`, `/readyz`. */
export async function startWebhookServer(opts: WebhookServerOptions): Promise<WebhookServer> {
  const deps: WebhookDeps = { config: resolveWebhookConfig(opts.config), getServiceAccount: opts.getServiceAccount };
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0];
    let out: HttpOut;
    if (path === MUTATE_PATH) {
      try {
        const body = await readBody(req, MAX_REQUEST_SIZE);
        out = await serveAdmissionReview({ method: req.method, contentType: req.headers["content-type"], body }, deps);
      } catch (err) {
        out = errorReview(400, (err as Error).message);
      }
    } else if (path === "/healthz" || path === "/readyz") {
      out = { status: 200, contentType: "text/plain; charset=utf-8", body: "ok" };
    } else {
      out = { status: 404, contentType: "text/plain; charset=utf-8", body: NOT_FOUND };
    }
    res.writeHead(out.status, { "content-type": out.contentType, "content-length": Buffer.byteLength(out.body) });
    res.end(out.body);
  };
  const server = createHttpsServer({ cert: opts.tlsCertPem, key: opts.tlsKeyPem, minVersion: opts.tlsMinVersion ?? "TLSv1.3" }, (req, res) => {
    void handler(req, res);
  });
  const host = opts.host ?? "0.0.0.0";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  return {
    server,
    port,
    url: `https://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface KubeApiOptions {
  /** https://host:port of the API server. */
  server: string;
  /** A bearer token, or a file to read it from on every request (projected tokens rotate). */
  token?: string;
  tokenFile?: string;
  /** The CA bundle the API server's certificate chains to (default: Node's trust store). */
  caPem?: string;
}

/** A Kubernetes API error: the Status body's message, the HTTP code and reason. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly reason?: string,
  ) {
    super(message);
  }
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Reads service accounts (and the server version) from a Kubernetes API server with node:https. */
export class KubeServiceAccountGetter {
  /** The ServiceAccountGetter to hand to the webhook. */
  readonly get: ServiceAccountGetter;

  constructor(private readonly opts: KubeApiOptions) {
    this.get = (ns, name) => this.getServiceAccount(ns, name);
  }

  /** In-cluster config: KUBERNETES_SERVICE_HOST/_PORT and the pod's own service account token and CA. */
  static inCluster(env: NodeJS.ProcessEnv = process.env, dir = SA_DIR): KubeServiceAccountGetter {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT;
    if (!host || !port) throw new Error("unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined");
    const h = host.includes(":") ? `[${host}]` : host;
    return new KubeServiceAccountGetter({ server: `https://${h}:${port}`, tokenFile: `${dir}/token`, caPem: readFileSync(`${dir}/ca.crt`, "utf8") });
  }

  private token(): string | undefined {
    if (this.opts.tokenFile) return readFileSync(this.opts.tokenFile, "utf8").trim();
    return this.opts.token;
  }

  private request(path: string): Promise<{ status: number; body: string }> {
    const url = new URL(path, this.opts.server.endsWith("/") ? this.opts.server : `${this.opts.server}/`);
    const token = this.token();
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method: "GET",
          headers: { accept: "application/json", "user-agent": "wilab-webhook", ...(token ? { authorization: `Bearer ${token}` } : {}) },
          ...(this.opts.caPem ? { ca: this.opts.caPem } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end();
    });
  }

  private static failure(status: number, body: string): KubeApiError {
    try {
      const s = JSON.parse(body) as { kind?: string; message?: string; reason?: string };
      if (s && s.kind === "Status" && typeof s.message === "string") return new KubeApiError(s.message, status, s.reason);
    } catch {
      // not a Status
    }
    return new KubeApiError(`the server responded with status ${status}${body ? `: ${body.trim().slice(0, 200)}` : ""}`, status);
  }

  async getServiceAccount(namespace: string, name: string): Promise<ServiceAccount | undefined> {
    const r = await this.request(`api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(name)}`);
    if (r.status === 200) return JSON.parse(r.body) as ServiceAccount;
    if (r.status === 404) {
      const e = KubeServiceAccountGetter.failure(r.status, r.body);
      // A 404 that is not a NotFound Status (a wrong server URL) is an error, not a missing service account.
      if (e.reason === "NotFound") return undefined;
      throw e;
    }
    throw KubeServiceAccountGetter.failure(r.status, r.body);
  }

  /** GET /version → gitVersion (what NewPodMutator's discovery client reads). */
  async serverVersion(): Promise<string> {
    const r = await this.request("version");
    if (r.status !== 200) throw KubeServiceAccountGetter.failure(r.status, r.body);
    const v = JSON.parse(r.body) as { gitVersion?: string };
    if (typeof v.gitVersion !== "string") throw new Error("the server's /version has no gitVersion");
    return v.gitVersion;
  }
}

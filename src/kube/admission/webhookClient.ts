/**
 * Calls one admission webhook over HTTPS with an AdmissionReview v1, as kube-apiserver's webhook client
 * does: `?timeout=<n>s`, trust = the lab CA plus the clientConfig's caBundle, errors worded like Go's.
 */
import { request } from "node:https";

export interface ClientConfig {
  url?: string;
  service?: { namespace?: string; name?: string; path?: string; port?: number };
  caBundle?: string;
}

export class WebhookCallError extends Error {}

/** The URL kube-apiserver shows in its errors: the service's in-cluster name or the configured URL, with `?timeout=`. */
export function displayUrl(cc: ClientConfig, timeoutSeconds: number): string {
  const base = cc.service
    ? `https://${cc.service.name}.${cc.service.namespace}.svc:${cc.service.port ?? 443}${cc.service.path ?? ""}`
    : String(cc.url ?? "");
  return `${base}${base.includes("?") ? "&" : "?"}timeout=${timeoutSeconds}s`;
}

export function withTimeout(url: string, timeoutSeconds: number): string {
  try {
    const u = new URL(url);
    u.searchParams.set("timeout", `${timeoutSeconds}s`);
    return u.toString();
  } catch {
    return `${url}?timeout=${timeoutSeconds}s`;
  }
}

function goNetError(err: NodeJS.ErrnoException & { address?: string; port?: number }, u: URL): string {
  const addr = err.address ? (err.address.includes(":") ? `[${err.address}]` : err.address) : u.hostname;
  const hostPort = `${addr}:${err.port ?? (u.port || "443")}`;
  switch (err.code) {
    case "ECONNREFUSED":
      return `dial tcp ${hostPort}: connect: connection refused`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `dial tcp: lookup ${u.hostname}: no such host`;
    case "ECONNRESET":
      return "EOF";
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
      return "tls: failed to verify certificate: x509: certificate signed by unknown authority";
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `tls: failed to verify certificate: x509: certificate is valid for other names, not ${u.hostname}`;
    case "CERT_HAS_EXPIRED":
      return "tls: failed to verify certificate: x509: certificate has expired or is not yet valid";
    default:
      return err.message;
  }
}

/** POSTs the review; resolves with the parsed JSON body, rejects with a WebhookCallError carrying kube's wording. */
export function postReview(target: string, shownUrl: string, body: unknown, ca: string[], timeoutSeconds: number): Promise<unknown> {
  const u = new URL(withTimeout(target, timeoutSeconds));
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const fail = (why: string) => reject(new WebhookCallError(`failed to call webhook: Post "${shownUrl}": ${why}`));
    const req = request(
      u,
      {
        method: "POST",
        ca,
        agent: false,
        headers: { "content-type": "application/json", accept: "application/json, */*", "content-length": String(payload.length) },
        timeout: timeoutSeconds * 1000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (e) => fail(e.message));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) {
            let msg = "";
            try {
              const j = JSON.parse(text) as { kind?: string; message?: string };
              if (j.kind === "Status" && j.message) msg = j.message;
            } catch {
              /* not a Status */
            }
            if (!msg) {
              if (status === 404) msg = "the server could not find the requested resource";
              else msg = `an error on the server ("${text.trim().slice(0, 300)}") has prevented the request from succeeding`;
            }
            return reject(new WebhookCallError(`failed to call webhook: ${msg}`));
          }
          try {
            resolve(JSON.parse(text) as unknown);
          } catch (e) {
            reject(new WebhookCallError(`received invalid webhook response: ${(e as Error).message}`));
          }
        });
      },
    );
    req.on("timeout", () => {
      req.destroy();
      fail("context deadline exceeded");
    });
    req.on("error", (e: NodeJS.ErrnoException) => fail(goNetError(e, u)));
    req.end(payload);
  });
}

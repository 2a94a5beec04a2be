/**
 * The portal's backend talks to the lab as any client does: over HTTPS to its Entra token endpoint and to ARM,
 * with the signed-in user's bearer token, trusting the lab's CA. Nothing is called in-process, so the portal's
 * writes meet the same validation, RBAC and propagation rules as the CLI's.
 */
import { request } from "node:https";
import { createHash } from "node:crypto";
import { PortalErrors } from "./PortalError.js";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface LabClient {
  origin: string;
  ca: string;
}

export interface LabResponse {
  status: number;
  json: Json | undefined;
  text: string;
}

export function callLab(c: LabClient, method: string, path: string, o: { bearer?: string; form?: Record<string, string>; json?: unknown } = {}): Promise<LabResponse> {
  const url = new URL(path, c.origin);
  const body = o.form ? new URLSearchParams(o.form).toString() : o.json !== undefined ? JSON.stringify(o.json) : undefined;
  const headers: Record<string, string> = { accept: "application/json" };
  if (o.bearer) headers.authorization = `Bearer ${o.bearer}`;
  if (body !== undefined) {
    headers["content-type"] = o.form ? "application/x-www-form-urlencoded" : "application/json";
    headers["content-length"] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca: c.ca, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: Json | undefined;
        try {
          json = text ? (JSON.parse(text) as Json) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json, text });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${url.pathname}: no answer in 30 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** The service's error envelope (`{"error":{"code","message"}}` or OAuth's `error_description`) as a portal error with the same status. */
export function upstreamError(r: LabResponse): Error {
  const j = (r.json ?? {}) as { error?: unknown; error_description?: unknown };
  if (j.error && typeof j.error === "object") {
    const e = j.error as { code?: unknown; message?: unknown };
    return PortalErrors.upstream(r.status, String(e.code ?? "Error"), String(e.message ?? r.text));
  }
  if (typeof j.error === "string") return PortalErrors.upstream(r.status, j.error, String(j.error_description ?? ""));
  return PortalErrors.upstream(r.status, "Error", r.text.slice(0, 500));
}

/** PKCE S256 (RFC 7636): the challenge of a verifier. */
export function challengeOf(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

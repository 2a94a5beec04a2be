import { request as httpsRequest, Agent } from "node:https";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { randomUUID } from "node:crypto";
import type { Json } from "./types.js";

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export type DebugLog = (line: string) => void;

/**
 * `*.localhost` names (the lab's vault hosts in local mode) resolve like `localhost` itself (RFC 6761), so a
 * vault works without an /etc/hosts line; every other name goes to the system resolver.
 */
const labLookup: LookupFunction = (hostname, options, callback) => {
  const name = /\.localhost$/i.test(hostname) ? "localhost" : hostname;
  dnsLookup(name, options, callback as (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void);
};

/** An HTTPS client that trusts the lab's CA. */
export class HttpClient {
  private readonly agent: Agent;

  constructor(
    ca: string | undefined,
    private readonly debug?: DebugLog,
  ) {
    this.agent = new Agent({ ca, keepAlive: true, lookup: labLookup });
  }

  send(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    const headers: Record<string, string> = {
      "user-agent": "AZURECLI/2.67.0 (wilab)",
      "x-ms-client-request-id": randomUUID(),
      accept: "application/json",
      ...req.headers,
    };
    if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));
    this.debug?.(`cli.azure.cli.core.sdk.policies: Request URL: '${req.url}'`);
    this.debug?.(`cli.azure.cli.core.sdk.policies: Request method: '${req.method}'`);
    return new Promise((resolve, reject) => {
      const r = httpsRequest(
        url,
        { method: req.method, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            this.debug?.(`cli.azure.cli.core.sdk.policies: Response status: ${res.statusCode}`);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
          });
          res.on("error", reject);
        },
      );
      r.on("error", reject);
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export function parseJson(text: string): Json | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

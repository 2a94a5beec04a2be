import type { Tx } from "../store/index.js";
import type { AccessTokenClaims } from "../entra/index.js";

export type ArmMethod = "GET" | "PUT" | "PATCH" | "DELETE" | "POST" | "HEAD";

export interface ArmCaller {
  oid: string;
  appid: string;
  claims: AccessTokenClaims;
}

export interface ArmRequest {
  method: ArmMethod;
  /** Path parameters: `{name}` values as the caller spelled them; `scope` for `{scope*}`. */
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  apiVersion: string;
  caller: ArmCaller;
  /** The path as requested, without the query. */
  path: string;
  /** What the operation's `onArrival` read when the request arrived, before its body was read; absent without one. */
  arrival?: unknown;
}

/** What an operation's `onArrival` sees: the request line only (its body has not been read yet). */
export interface ArmArrival {
  method: ArmMethod;
  params: Record<string, string>;
  path: string;
}

export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Runs once the request's transaction has committed (e.g. to deliver Kubernetes watch events). */
  afterCommit?: () => void | Promise<void>;
}

export interface ArmOperation {
  /** The RBAC action checked before the handler runs; null when the handler filters by the caller itself. */
  action: string | null;
  /** The scope the action is checked on (defaults to the request path). */
  scope?: (req: ArmRequest) => string;
  /** Whether the handler writes (one write transaction) or only reads. */
  write: boolean;
  /**
   * Runs as the request arrives, before its body is read or it waits for its transaction; what it returns reaches
   * the handler as `req.arrival` (e.g. the version of a parent the write must not find changed).
   */
  onArrival?: (req: ArmArrival) => Promise<unknown>;
  handler: (req: ArmRequest, tx: Tx) => Promise<ArmResponse>;
}

export interface ArmRoute {
  /** Segments; literals match case-insensitively, `{x}` is one segment, a leading `{scope*}` matches any prefix. */
  pattern: string;
  /** `Namespace/type[/child]`, for errors. */
  type: string;
  apiVersions: string[];
  /** When set, the route requires the resource group named by this parameter to exist. */
  resourceGroupParam?: string;
  operations: Partial<Record<ArmMethod, ArmOperation>>;
}

export interface CompiledRoute {
  route: ArmRoute;
  match(segments: string[]): Record<string, string> | undefined;
}

export function compileRoute(route: ArmRoute): CompiledRoute {
  const parts = route.pattern.split("/").filter(Boolean);
  const greedy = parts[0] === "{scope*}";
  const fixed = greedy ? parts.slice(1) : parts;
  return {
    route,
    match(segments) {
      if (greedy ? segments.length < fixed.length : segments.length !== fixed.length) return undefined;
      const offset = segments.length - fixed.length;
      const params: Record<string, string> = {};
      for (let i = 0; i < fixed.length; i++) {
        const p = fixed[i]!;
        const s = segments[offset + i]!;
        if (p.startsWith("{")) params[p.slice(1, -1)] = s;
        else if (p.toLowerCase() !== s.toLowerCase()) return undefined;
      }
      if (greedy) params.scope = "/" + segments.slice(0, offset).join("/");
      return params;
    },
  };
}

/** ARM ids: `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}`. */
export function resourceId(subscriptionId: string, resourceGroup: string, provider: string, ...rest: string[]): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${provider}/${rest.join("/")}`;
}

/** Normalises an Azure location: lower case, no spaces (`West Europe` → `westeurope`). */
export function normaliseLocation(loc: string): string {
  return loc.toLowerCase().replace(/\s+/g, "");
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

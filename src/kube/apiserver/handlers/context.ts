/**
 * What every verb handler gets: the API server's shared parts (kube context, registry, watch hub) and the
 * call (request, reply, cluster, user, query, request info, resolved resource), plus the response and
 * query helpers they share.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { KubeContext } from "../../KubeContext.js";
import type { ClusterRecord } from "../../Cluster.js";
import { KubeErrors, type KubeStatusError } from "../../KubeStatusError.js";
import type { AuthenticatedUser } from "../auth.js";
import type { ResourceDef } from "../resources.js";
import type { Registry, FieldValidation, OpContext } from "../registry.js";
import type { WatchHub } from "../watch.js";
import type { ResourceRequestInfo } from "../requestInfo.js";
import { parseLabelSelector, SelectorParseError, type Requirement } from "../labelSelector.js";
import { parseFieldSelector, checkFieldSelector, FieldSelectorError, type FieldRequirement } from "../fieldSelector.js";
import type { IncludeObject } from "../table.js";

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The API server's parts every handler shares. */
export interface ApiServer {
  kube: KubeContext;
  registry: Registry;
  hub: WatchHub;
}

/** One authenticated request to the API server. */
export interface Call {
  req: FastifyRequest;
  reply: FastifyReply;
  cluster: ClusterRecord;
  user: AuthenticatedUser;
  query: Record<string, string>;
  warnings: string[];
  /** `<verb> <resource>` once the request is routed to a resource (for the lab log). */
  op?: string;
}

/** A call routed to a resource: its request info and the resource's definition. */
export interface ResourceCall extends Call {
  info: ResourceRequestInfo;
  def: ResourceDef;
}

/** A verb's (or subresource's) handler. */
export type Handler = (s: ApiServer, call: ResourceCall) => Promise<unknown>;

export function send(reply: FastifyReply, code: number, body: unknown, warnings: string[] = [], contentType = "application/json"): FastifyReply {
  if (warnings.length) reply.header("warning", warnings.map((w) => `299 - ${JSON.stringify(w)}`));
  reply.code(code).header("content-type", contentType).header("cache-control", "no-cache, private");
  return reply.send(Buffer.from(JSON.stringify(body)));
}

export function sendError(reply: FastifyReply, e: KubeStatusError, warnings: string[] = []): FastifyReply {
  return send(reply, e.status, e.toStatus(), warnings);
}

export function methodNotAllowed(): never {
  throw KubeErrors.methodNotAllowedHere();
}

/** The first value of each query parameter. */
export function queryAll(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = req.raw.url ?? "";
  const i = raw.indexOf("?");
  if (i >= 0) for (const [k, v] of new URLSearchParams(raw.slice(i + 1))) if (!(k in out)) out[k] = v;
  return out;
}

function fieldValidationOf(q: Record<string, string>): FieldValidation {
  const v = q.fieldValidation;
  if (v === undefined || v === "") return "Warn";
  if (v === "Strict" || v === "Warn" || v === "Ignore") return v;
  throw KubeErrors.badRequest(`fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`);
}

function dryRunOf(req: FastifyRequest, body?: Obj): boolean {
  const raw = req.raw.url ?? "";
  const i = raw.indexOf("?");
  const values = i >= 0 ? new URLSearchParams(raw.slice(i + 1)).getAll("dryRun") : [];
  if (body && Array.isArray(body.dryRun)) values.push(...(body.dryRun as string[]));
  for (const v of values) if (v !== "All") throw KubeErrors.badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

/** The registry's options of a call (dryRun from the query and, for deletes, the DeleteOptions body). */
export function opContext(call: Call, body?: Obj): OpContext {
  return {
    cluster: call.cluster,
    user: call.user,
    dryRun: dryRunOf(call.req, body),
    fieldValidation: fieldValidationOf(call.query),
    fieldManager: call.query.fieldManager || undefined,
    warnings: call.warnings,
  };
}

export function includeOf(q: Record<string, string>): IncludeObject {
  const v = q.includeObject;
  return v === "None" || v === "Object" ? v : "Metadata";
}

export function selectors(def: ResourceDef, q: Record<string, string>): { label: Requirement[]; field: FieldRequirement[] } {
  try {
    const label = q.labelSelector ? parseLabelSelector(q.labelSelector) : [];
    const field = q.fieldSelector ? parseFieldSelector(q.fieldSelector) : [];
    checkFieldSelector(def.resource, field);
    return { label, field };
  } catch (e) {
    if (e instanceof SelectorParseError || e instanceof FieldSelectorError) throw KubeErrors.badRequest(e.message);
    throw e;
  }
}

/** The raw request body (a Buffer, as the API server's content parser keeps every body). */
export function rawBody(call: Call): Buffer | undefined {
  return Buffer.isBuffer(call.req.body) ? call.req.body : undefined;
}

export function contentTypeOf(call: Call): string {
  return String(call.req.headers["content-type"] ?? "application/json");
}

/** `<group>/<version>`, or the version alone for the core group. */
export function apiVersionOf(def: ResourceDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

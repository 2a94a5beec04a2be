import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { DOTNET_MAX_DEPTH, dotnetDepthMessage, exceedsDepth } from "./jsonDepth.js";

const REPEATED_FORM_KEYS = Symbol("repeatedFormKeys");

/** The names a form body carried more than once (the parsed form keeps each one's last value). */
export function repeatedFormKeys(form: unknown): string[] {
  return (form && typeof form === "object" ? (form as { [REPEATED_FORM_KEYS]?: string[] })[REPEATED_FORM_KEYS] : undefined) ?? [];
}

/**
 * Parses a request body that is JSON, tolerating the empty bodies SDKs send before an auth challenge. The faces
 * behind this parser (ARM, Key Vault, Graph) are .NET services that read JSON with Json.NET: a body nested deeper
 * than its MaxDepth (64) is refused with Json.NET's words, whatever JSON.parse would make of it.
 */
export function installBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    const text = (body as string).trim();
    if (text === "") return done(null, undefined);
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch (err) {
      const e = err as Error;
      return done(new MalformedBodyError("json", e.message), undefined);
    }
    const deep = exceedsDepth(text, DOTNET_MAX_DEPTH);
    if (deep) return done(new MalformedBodyError("json", dotnetDepthMessage(deep), true), undefined);
    done(null, value);
  });
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => {
    const params = new URLSearchParams(body as string);
    const form: Record<string, string> = Object.fromEntries(params);
    const keys = [...params.keys()];
    const repeated = keys.filter((k, i) => keys.indexOf(k) !== i);
    if (repeated.length) Object.defineProperty(form, REPEATED_FORM_KEYS, { value: [...new Set(repeated)], enumerable: false });
    done(null, form);
  });
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
    const text = (body as string).trim();
    if (text === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(null, text);
    }
  });
}

/** Raised by the body parsers; each face renders it as its own "bad request body" error. */
export class MalformedBodyError extends Error {
  constructor(
    readonly format: "json" | "form",
    readonly detail: string,
    /** Well-formed, but nested deeper than the service's JSON reader reads (`detail` is that reader's message). */
    readonly tooDeep = false,
  ) {
    super(`malformed ${format} body: ${detail}`);
  }
}

export interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message: string;
}

/** Classifies errors raised by Fastify itself (before a handler runs). */
export function frameworkErrorKind(err: FastifyLikeError): "tooLarge" | "badBody" | "unsupportedMedia" | undefined {
  if (err instanceof MalformedBodyError) return "badBody";
  switch (err.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return "tooLarge";
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return "unsupportedMedia";
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
    case "FST_ERR_VALIDATION":
      return "badBody";
    default:
      return undefined;
  }
}

/** Query parameters with percent-encoded names decoded (`api%2Dversion` → `api-version`). */
export function queryOf(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = req.raw.url ?? "";
  const q = raw.indexOf("?");
  if (q < 0) return out;
  for (const [k, v] of new URLSearchParams(raw.slice(q + 1))) {
    if (!(k in out)) out[k] = v;
  }
  return out;
}

/** The request path without the query, percent-decoding left to the caller. */
export function pathOf(req: FastifyRequest): string {
  const raw = req.raw.url ?? "/";
  const q = raw.indexOf("?");
  return q < 0 ? raw : raw.slice(0, q);
}

/** The Host header without a default port, lower case. */
export function hostOf(req: FastifyRequest): string {
  return (req.headers.host ?? "localhost").toLowerCase();
}

export function sendJson(reply: FastifyReply, status: number, body: unknown, headers: Record<string, string> = {}): FastifyReply {
  reply.code(status).headers(headers).header("content-type", "application/json; charset=utf-8");
  return reply.send(JSON.stringify(body));
}

/**
 * HTTP.sys's page for a URL it cannot take (a bad percent-encoding, a segment too long) [V] (an Azure front end's
 * answer captured in microsoft/AzureStorageExplorer#4610); Azure's services answer it before their own code runs [I].
 */
const HTTP_SYS_BAD_URL = httpSysPage("Bad Request - Invalid URL", "HTTP Error 400. The request URL is invalid.");

/** HTTP.sys's HTML error page (the front end of Azure's services), with its heading and message. */
export function httpSysPage(heading: string, message: string): string {
  return `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n<HTML><HEAD><TITLE>Bad Request</TITLE>\r\n<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n<BODY><h2>${heading}</h2>\r\n<hr><p>${message}</p>\r\n</BODY></HTML>\r\n`;
}

/**
 * Fastify's `frameworkErrors`: a URL the router cannot decode never reaches a face. A cluster's API server (Go's
 * net/http, whose request-URI parse fails) answers a plain "400 Bad Request"; the Azure hosts, HTTP.sys's page.
 */
export function answerBadUrl(_err: Error, req: FastifyRequest, reply: FastifyReply): void {
  if ((req.raw.url ?? "").startsWith("/k8s/")) {
    void reply.code(400).header("content-type", "text/plain; charset=utf-8").header("connection", "close").send("400 Bad Request");
    return;
  }
  void reply.code(400).header("content-type", "text/html; charset=us-ascii").send(HTTP_SYS_BAD_URL);
}

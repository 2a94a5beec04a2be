/**
 * The lab's log: one line per failed request and per token issued (and more at `debug`), as text or JSON lines.
 * Every face writes through it; secrets and tokens are never printed in full (see `redact`).
 */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export const LOG_FORMATS = ["text", "json"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];
export type LogFace = "entra" | "arm" | "keyvault" | "graph" | "kube" | "kubelet" | "webhook" | "portal" | "lab";

export interface LogCaller {
  /** appid / client id of the caller. */
  clientId?: string;
  /** oid of the caller. */
  objectId?: string;
  upn?: string;
}

export interface LogEntry {
  level: LogLevel;
  face: LogFace;
  /** What was attempted: `token`, `SecretGet`, `PUT …/userAssignedIdentities/x`, `pods/create`, … */
  op: string;
  status?: number;
  /** The service's own error code: `AADSTS700213`, `ForbiddenByRbac`, `AuthorizationFailed`, … */
  code?: string;
  caller?: LogCaller;
  hint?: string;
  message?: string;
  correlationId?: string;
  /** Extra facts (issuer, subject, audience, cluster, fault…): short strings or numbers only. */
  fields?: Record<string, string | number | boolean | undefined>;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Shows the first 8 and last 4 characters of a token or secret (never the whole value). */
export function redact(value: string): string {
  if (value.length <= 16) return "…";
  return `${value.slice(0, 8)}…${value.slice(-4)}`;
}

/** JWTs (three base64url parts starting `eyJ`) and long opaque secrets inside free text are shown redacted. */
const JWT_IN_TEXT = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g;

/** Redacts every JWT found in a piece of text (hints and messages may quote a presented token). */
export function redactTokens(text: string): string {
  return text.replace(JWT_IN_TEXT, (t) => redact(t));
}

function scrub(e: LogEntry): LogEntry {
  const out: LogEntry = { ...e };
  if (out.hint) out.hint = redactTokens(out.hint);
  if (out.message) out.message = redactTokens(out.message);
  if (out.fields) {
    const f: NonNullable<LogEntry["fields"]> = {};
    for (const [k, v] of Object.entries(out.fields)) f[k] = typeof v === "string" ? redactTokens(v) : v;
    out.fields = f;
  }
  return out;
}

/** Parses a `--log-level` value; throws RangeError naming the choices. */
export function parseLogLevel(v: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(v)) throw new RangeError(`--log-level must be one of ${LOG_LEVELS.join(", ")}; got '${v}'`);
  return v as LogLevel;
}

/** Parses a `--log-format` value; throws RangeError naming the choices. */
export function parseLogFormat(v: string): LogFormat {
  if (!(LOG_FORMATS as readonly string[]).includes(v)) throw new RangeError(`--log-format must be one of ${LOG_FORMATS.join(", ")}; got '${v}'`);
  return v as LogFormat;
}

export interface LabLogOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go (default: stderr). */
  write?: (line: string) => void;
  /** The time stamp of a line (the lab clock's ms). */
  now?: () => number;
}

function textValue(v: string | number | boolean): string {
  const s = String(v);
  return /[\s"=]/.test(s) ? JSON.stringify(s) : s;
}

export class LabLog {
  level: LogLevel;
  readonly format: LogFormat;
  private readonly sink: (line: string) => void;
  private readonly now: () => number;
  private readonly listeners = new Set<(e: LogEntry & { time: string }) => void>();

  constructor(o: LabLogOptions = {}) {
    this.level = o.level ?? "info";
    this.format = o.format ?? "text";
    this.sink = o.write ?? ((line) => process.stderr.write(`${line}\n`));
    this.now = o.now ?? Date.now;
  }

  /** A log that prints nothing (tests and embedders that do not ask for one still get listeners). */
  static silent(): LabLog {
    return new LabLog({ level: "error", write: () => undefined });
  }

  enabled(level: LogLevel): boolean {
    return ORDER[level] >= ORDER[this.level];
  }

  /** Called for every entry, whatever the level (tests, the portal's live view). Returns the unsubscribe function. */
  subscribe(fn: (e: LogEntry & { time: string }) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Writes one entry (tokens in its text redacted). Never throws: logging must not fail a request. */
  log(entry: LogEntry): void {
    // Most lines of a busy lab are debug lines nobody listens to: nothing to scrub, stamp or format then.
    if (this.listeners.size === 0 && !this.enabled(entry.level)) return;
    const e = scrub(entry);
    const time = new Date(this.now()).toISOString();
    for (const l of this.listeners) {
      try {
        l({ ...e, time });
      } catch {
        // a listener's failure is not the request's
      }
    }
    if (!this.enabled(e.level)) return;
    try {
      this.sink(this.format === "json" ? JSON.stringify({ time, ...e }) : this.text(time, e));
    } catch {
      // a closed stderr must not fail the request
    }
  }

  private text(time: string, e: LogEntry): string {
    const parts = [time, e.level.toUpperCase().padEnd(5), `[${e.face}]`, e.op];
    if (e.status !== undefined) parts.push(String(e.status));
    if (e.code) parts.push(e.code);
    if (e.caller) {
      const c = e.caller;
      const who = [c.upn, c.clientId && `client=${c.clientId}`, c.objectId && `oid=${c.objectId}`].filter(Boolean).join(" ");
      if (who) parts.push(`caller(${who})`);
    }
    for (const [k, v] of Object.entries(e.fields ?? {})) if (v !== undefined) parts.push(`${k}=${textValue(v)}`);
    if (e.correlationId) parts.push(`correlation=${e.correlationId}`);
    if (e.message) parts.push(`— ${e.message}`);
    if (e.hint) parts.push(`— hint: ${e.hint}`);
    return parts.join(" ");
  }
}

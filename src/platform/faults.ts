/**
 * Fault injection, one layer every face consults: added latency, throttling (429 with Retry-After in each
 * service's own body), unreachable OIDC issuers, and propagation delays for federated credentials and role
 * assignments. Faults live in the lab process; they are listed, added and cleared over `/_wilab/faults`,
 * from `wilab fault …` and from `startLab()`.
 */
import { parseDuration } from "./clock.js";

export type FaultFace = "entra" | "keyvault" | "arm";
export const FAULT_FACES: readonly FaultFace[] = ["entra", "keyvault", "arm"];
export const FAULT_KINDS = ["issuer-unreachable", "latency", "throttle", "propagation"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type FaultSpec =
  /** Key fetches for issuers starting with `issuerPrefix` fail as if the host did not answer. `cluster` names it for display. */
  | { kind: "issuer-unreachable"; issuerPrefix: string; cluster?: string }
  /** Every request to the face waits `ms` first; with `count`, only the next `count` requests. */
  | { kind: "latency"; face: FaultFace; ms: number; count?: number }
  /** Requests to the face get 429 with `Retry-After: retryAfterS` (default 1); with `count`, only the next `count` requests. */
  | { kind: "throttle"; face: FaultFace; retryAfterS?: number; count?: number }
  /** Propagation delays that replace the configured ones while in force. */
  | { kind: "propagation"; ficMs?: number; rbacMs?: number };

/** A fault in force. `remaining` counts down for faults added with `count`; at 0 the fault clears itself. */
export type Fault = FaultSpec & { id: string; addedAt: string; remaining?: number };

type Of<K extends FaultKind> = Extract<Fault, { kind: K }>;

/** What a fault did to one request (the lab log prints one line per affected request). */
export interface FaultEffect {
  fault: Fault;
  face: FaultFace;
  op: string;
  /** The HTTP status the request got, when known. */
  status?: number;
  detail?: string;
}

export interface FaultChange {
  added?: Fault;
  cleared?: Fault[];
  /** Set with `cleared` when a counted fault cleared itself. */
  exhausted?: boolean;
  /** A counted fault met one more request (its `remaining` is one less). */
  spent?: Fault;
  affected?: FaultEffect;
}

/** The faults a request to a face meets (see `Faults.take`). */
export interface FaultHit {
  latency?: Of<"latency">;
  throttle?: Of<"throttle">;
}

const NO_HIT: FaultHit = Object.freeze({});

export class Faults {
  private faults: Fault[] = [];
  private seq = 0;
  private readonly listeners = new Set<(change: FaultChange) => void>();
  private pending: Promise<unknown> = Promise.resolve();
  /** How fault ids are made (`fault-1`, …); replicas sharing a database use ids that cannot collide. */
  nextId: () => string = () => `fault-${++this.seq}`;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Replaces the faults in force with a list read elsewhere (replicas on one database: another replica changed
   * them). Emits no change: the change was logged where it was made.
   */
  replaceAll(faults: Fault[]): void {
    this.faults = faults.map((f) => ({ ...f }));
  }

  /** Work that persists a change (replicas); `settled()` waits for all of it, so an answer follows the commit. */
  track(p: Promise<unknown>): void {
    this.pending = Promise.all([this.pending, p.catch(() => undefined)]);
  }

  settled(): Promise<void> {
    return this.pending.then(() => undefined);
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  add(spec: FaultSpec): Fault {
    const count = "count" in spec ? spec.count : undefined;
    const f = { ...spec, id: this.nextId(), addedAt: new Date(this.now()).toISOString(), ...(count !== undefined ? { remaining: count } : {}) } as Fault;
    this.faults.push(f);
    this.emit({ added: { ...f } });
    return { ...f };
  }

  /** Removes one fault by id, or all of them; returns what was removed. */
  clear(id?: string): Fault[] {
    const removed = id !== undefined ? this.faults.filter((f) => f.id === id) : this.faults;
    this.faults = id !== undefined ? this.faults.filter((f) => f.id !== id) : [];
    if (removed.length) this.emit({ cleared: removed });
    return removed;
  }

  /** Change and effect notifications (the lab log subscribes). Returns the unsubscribe function. */
  onChange(fn: (change: FaultChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Tells the listeners that a fault changed the outcome of a request. */
  affected(effect: FaultEffect): void {
    this.emit({ affected: effect });
  }

  private emit(change: FaultChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // a listener (the log) never fails the request or the change
      }
    }
  }

  /**
   * The latency and throttle faults a request to `face` meets, counting it against faults added with `count`
   * (a fault whose count runs out clears itself). Latency: the largest in force; throttle: the oldest.
   */
  take(face: FaultFace): FaultHit {
    if (this.faults.length === 0) return NO_HIT; // the common case: nothing in force, nothing allocated
    let latency: Of<"latency"> | undefined;
    let throttle: Of<"throttle"> | undefined;
    for (const f of this.faults) {
      if (f.kind === "latency" && f.face === face && (!latency || f.ms > latency.ms)) latency = f;
      if (f.kind === "throttle" && f.face === face && !throttle) throttle = f;
    }
    const hit: FaultHit = {};
    if (latency) hit.latency = { ...this.spend(latency) } as Of<"latency">;
    if (throttle) hit.throttle = { ...this.spend(throttle) } as Of<"throttle">;
    return hit;
  }

  private spend(f: Fault): Fault {
    if (f.remaining === undefined) return f;
    f.remaining -= 1;
    if (f.remaining <= 0) {
      this.faults = this.faults.filter((x) => x !== f);
      this.emit({ cleared: [{ ...f }], exhausted: true });
    } else this.emit({ spent: { ...f } });
    return f;
  }

  /** Added latency for a face, ms (the largest in force), without counting a request. */
  latencyMs(face: FaultFace): number {
    let ms = 0;
    for (const f of this.faults) if (f.kind === "latency" && f.face === face) ms = Math.max(ms, f.ms);
    return ms;
  }

  /** The throttle fault in force for a face, if any, without counting a request. */
  throttle(face: FaultFace): Of<"throttle"> | undefined {
    return this.faults.find((f): f is Of<"throttle"> => f.kind === "throttle" && f.face === face);
  }

  /** The unreachable-issuer fault that covers an issuer URL, if any (prefix match, case-insensitive). */
  issuerUnreachable(issuer: string): Of<"issuer-unreachable"> | undefined {
    const i = issuer.toLowerCase();
    return this.faults.find((f): f is Of<"issuer-unreachable"> => f.kind === "issuer-unreachable" && i.startsWith(f.issuerPrefix.toLowerCase()));
  }

  /** The newest propagation fault that sets the given delay, if any. */
  propagationFault(which: "fic" | "rbac"): Of<"propagation"> | undefined {
    for (let i = this.faults.length - 1; i >= 0; i--) {
      const f = this.faults[i]!;
      if (f.kind === "propagation" && (which === "fic" ? f.ficMs : f.rbacMs) !== undefined) return f;
    }
    return undefined;
  }

  /** The federated-credential propagation delay in force: the newest propagation fault's, else `configured`. */
  ficPropagationMs(configured: number): number {
    return this.propagationFault("fic")?.ficMs ?? configured;
  }

  /** The role-assignment propagation delay in force: the newest propagation fault's, else `configured`. */
  rbacPropagationMs(configured: number): number {
    return this.propagationFault("rbac")?.rbacMs ?? configured;
  }
}

/** One line describing a fault, for logs and tables: `throttle keyvault retry-after=1s count=2`. */
export function describeFault(f: FaultSpec): string {
  switch (f.kind) {
    case "issuer-unreachable":
      return `issuer-unreachable ${f.cluster ? `cluster=${f.cluster} ` : ""}issuer=${f.issuerPrefix}`;
    case "latency":
      return `latency ${f.face} ms=${f.ms}${f.count !== undefined ? ` count=${f.count}` : ""}`;
    case "throttle":
      return `throttle ${f.face} retry-after=${f.retryAfterS ?? 1}s${f.count !== undefined ? ` count=${f.count}` : ""}`;
    case "propagation":
      return `propagation${f.ficMs !== undefined ? ` fic=${f.ficMs}ms` : ""}${f.rbacMs !== undefined ? ` rbac=${f.rbacMs}ms` : ""}`;
  }
}

/** The JSON body of `POST /_wilab/faults` (and what `wilab fault add` sends). Durations are strings (`30s`, `5m`) or ms numbers. */
export interface FaultRequest {
  kind?: unknown;
  face?: unknown;
  ms?: unknown;
  retryAfter?: unknown;
  count?: unknown;
  fic?: unknown;
  rbac?: unknown;
  issuer?: unknown;
  cluster?: unknown;
  resourceGroup?: unknown;
}

function wholeNumber(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(v)}`);
  return n;
}

function duration(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "number" && Number.isFinite(v) && v >= 0) return Math.round(v);
  if (typeof v === "string") {
    if (/^\d+$/.test(v.trim())) return Number(v) * 1000; // bare numbers are seconds, as --fic-propagation takes them
    return parseDuration(v);
  }
  throw new RangeError(`${name} must be a duration such as 30s or 5m; got ${JSON.stringify(v)}`);
}

function faceOf(v: unknown, allowed: readonly FaultFace[]): FaultFace {
  if (typeof v !== "string" || !allowed.includes(v as FaultFace)) {
    throw new RangeError(`face must be one of ${allowed.join(", ")}; got ${JSON.stringify(v ?? null)}`);
  }
  return v as FaultFace;
}

/**
 * Validates a fault request into a FaultSpec. `issuer-unreachable` needs the issuer URL already resolved
 * (`issuer`): the lab resolves `cluster`/`resourceGroup` to it before calling this. Throws RangeError with a
 * message that names the field.
 */
export function parseFaultRequest(r: FaultRequest): FaultSpec {
  switch (r.kind) {
    case "issuer-unreachable": {
      if (typeof r.issuer !== "string" || !/^https:\/\/\S+$/i.test(r.issuer)) throw new RangeError("issuer-unreachable needs a cluster (--cluster) or an https issuer URL (--issuer)");
      return { kind: "issuer-unreachable", issuerPrefix: r.issuer, ...(typeof r.cluster === "string" && r.cluster ? { cluster: r.cluster } : {}) };
    }
    case "latency": {
      const ms = wholeNumber(r.ms, "ms", 1, 600_000);
      if (ms === undefined) throw new RangeError("latency needs ms (--ms N)");
      const count = wholeNumber(r.count, "count", 1, 1_000_000);
      return { kind: "latency", face: faceOf(r.face, FAULT_FACES), ms, ...(count !== undefined ? { count } : {}) };
    }
    case "throttle": {
      const retryAfterS = wholeNumber(r.retryAfter, "retryAfter", 0, 3600);
      const count = wholeNumber(r.count, "count", 1, 1_000_000);
      return { kind: "throttle", face: faceOf(r.face, FAULT_FACES), ...(retryAfterS !== undefined ? { retryAfterS } : {}), ...(count !== undefined ? { count } : {}) };
    }
    case "propagation": {
      const ficMs = duration(r.fic, "fic");
      const rbacMs = duration(r.rbac, "rbac");
      if (ficMs === undefined && rbacMs === undefined) throw new RangeError("propagation needs --fic and/or --rbac (e.g. --fic 30s --rbac 5m)");
      return { kind: "propagation", ...(ficMs !== undefined ? { ficMs } : {}), ...(rbacMs !== undefined ? { rbacMs } : {}) };
    }
    default:
      throw new RangeError(`kind must be one of ${FAULT_KINDS.join(", ")}; got ${JSON.stringify(r.kind ?? null)}`);
  }
}

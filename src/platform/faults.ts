/**
 * Fault injection, one layer every face consults: added latency, throttling (429 with Retry-After in each
 * service's own body), unreachable OIDC issuers, and propagation delays for federated credentials and role
 * assignments. Faults live in the lab process; they are listed, added and cleared over `/_wilab/faults`,
 * from `wilab fault …` and from `startLab()`.
 */
export type FaultFace = "entra" | "keyvault" | "arm";
export const FAULT_FACES: readonly FaultFace[] = ["entra", "keyvault", "arm"];

export type FaultSpec =
  /** Key fetches for issuers starting with `issuerPrefix` fail as if the host did not answer. `cluster` names it for display. */
  | { kind: "issuer-unreachable"; issuerPrefix: string; cluster?: string }
  | { kind: "latency"; face: FaultFace; ms: number }
  /** Every request to the face gets 429 with `Retry-After: retryAfterS` (default 1). */
  | { kind: "throttle"; face: FaultFace; retryAfterS?: number }
  /** Propagation delays that replace the configured ones while in force. */
  | { kind: "propagation"; ficMs?: number; rbacMs?: number };

export type Fault = FaultSpec & { id: string; addedAt: string };

export class Faults {
  private faults: Fault[] = [];
  private seq = 0;
  private readonly listeners = new Set<(change: { added?: Fault; cleared?: Fault[] }) => void>();

  constructor(private readonly now: () => number = Date.now) {}

  list(): Fault[] {
    return [...this.faults];
  }

  add(spec: FaultSpec): Fault {
    const f = { ...spec, id: `fault-${++this.seq}`, addedAt: new Date(this.now()).toISOString() } as Fault;
    this.faults.push(f);
    for (const l of this.listeners) l({ added: f });
    return f;
  }

  /** Removes one fault by id, or all of them; returns what was removed. */
  clear(id?: string): Fault[] {
    const removed = id ? this.faults.filter((f) => f.id === id) : this.faults;
    this.faults = id ? this.faults.filter((f) => f.id !== id) : [];
    if (removed.length) for (const l of this.listeners) l({ cleared: removed });
    return removed;
  }

  onChange(fn: (change: { added?: Fault; cleared?: Fault[] }) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Added latency for a face, ms (the largest in force). */
  latencyMs(face: FaultFace): number {
    let ms = 0;
    for (const f of this.faults) if (f.kind === "latency" && f.face === face) ms = Math.max(ms, f.ms);
    return ms;
  }

  /** The throttle fault in force for a face, if any. */
  throttle(face: FaultFace): Extract<Fault, { kind: "throttle" }> | undefined {
    return this.faults.find((f): f is Extract<Fault, { kind: "throttle" }> => f.kind === "throttle" && f.face === face);
  }

  /** The unreachable-issuer fault that covers an issuer URL, if any (prefix match, case-insensitive). */
  issuerUnreachable(issuer: string): Extract<Fault, { kind: "issuer-unreachable" }> | undefined {
    const i = issuer.toLowerCase();
    return this.faults.find((f): f is Extract<Fault, { kind: "issuer-unreachable" }> => f.kind === "issuer-unreachable" && i.startsWith(f.issuerPrefix.toLowerCase()));
  }

  /** The federated-credential propagation delay in force: the newest propagation fault's, else `configured`. */
  ficPropagationMs(configured: number): number {
    for (let i = this.faults.length - 1; i >= 0; i--) {
      const f = this.faults[i]!;
      if (f.kind === "propagation" && f.ficMs !== undefined) return f.ficMs;
    }
    return configured;
  }

  /** The role-assignment propagation delay in force: the newest propagation fault's, else `configured`. */
  rbacPropagationMs(configured: number): number {
    for (let i = this.faults.length - 1; i >= 0; i--) {
      const f = this.faults[i]!;
      if (f.kind === "propagation" && f.rbacMs !== undefined) return f.rbacMs;
    }
    return configured;
  }
}

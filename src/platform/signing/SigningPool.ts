import { join } from "node:path";
import { packageRoot } from "../packageRoot.js";
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { createPrivateKey, sign, type KeyObject } from "node:crypto";
import type { FromWorker, ToWorker } from "./protocol.js";

/** A private RSA key as the pool needs it: an id, its PKCS#8 PEM (sent once to each worker) and, optionally, the loaded key. */
export interface PoolKey {
  kid: string;
  privatePem: string;
  privateKey?: KeyObject;
}

interface Job {
  id: number;
  key: PoolKey;
  input: string;
  resolve(sig: string): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Jobs sent or about to be sent, by id. */
  pending: Map<number, Job>;
  /** Jobs of this event-loop turn, not yet posted. */
  outbox: Job[];
  keys: Set<string>;
}

/** `WILAB_SIGNING_THREADS`: the number of signing workers (0 = sign inline on the calling thread); default one per CPU. */
export function defaultPoolSize(): number {
  const env = process.env.WILAB_SIGNING_THREADS;
  if (env !== undefined && env.trim() !== "" && Number.isInteger(Number(env)) && Number(env) >= 0) return Number(env);
  return Math.min(availableParallelism(), 8);
}

/**
 * RS256 signing in a small pool of worker threads, so that token issuance uses every core and the event loop
 * stays free for requests. An RSA-2048 signature costs ~0.7 ms of CPU; signed inline, it holds the one
 * thread that also parses, verifies and answers every request.
 *
 * Workers start on `start()` (or on the first `sign()` when `lazy`); until one reports ready, and whenever
 * the pool is not started, jobs are signed inline. Idle workers are unref'd: they never keep a process alive.
 */
export class SigningPool {
  private readonly slots: Slot[] = [];
  private readonly inlineKeys = new Map<string, KeyObject>();
  private nextId = 1;
  private started = false;
  private stopped = false;
  private flushScheduled = false;

  constructor(
    readonly size: number = defaultPoolSize(),
    private readonly lazy = true,
  ) {}

  /** Starts the workers (idempotent). With size 0, the pool signs inline for good. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (let i = 0; i < this.size; i++) this.spawn();
  }

  private spawn(): void {
    const worker = new Worker(join(packageRoot(), "dist/src/platform/signing/worker.js"));
    const slot: Slot = { worker, ready: false, pending: new Map(), outbox: [], keys: new Set() };
    worker.on("message", (m: FromWorker) => {
      if (m.t === "ready") {
        slot.ready = true;
        return;
      }
      const job = slot.pending.get(m.id);
      if (!job) return;
      slot.pending.delete(m.id);
      if (slot.pending.size === 0) worker.unref();
      if (m.t === "sig") job.resolve(m.sig);
      else job.reject(new Error(m.message));
    });
    const lost = () => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      // Whatever the worker held is signed here instead.
      for (const job of slot.pending.values()) this.inline(job);
      slot.pending.clear();
      slot.outbox.length = 0;
    };
    worker.on("error", lost);
    worker.on("exit", lost);
    worker.unref();
    this.slots.push(slot);
  }

  /** The number of workers that are ready to sign. */
  get readyWorkers(): number {
    return this.slots.filter((s) => s.ready).length;
  }

  /** The RS256 signature (base64url) of a JWS signing input (`base64url(header).base64url(payload)`). */
  sign(key: PoolKey, input: string): Promise<string> {
    if (!this.started && this.lazy) this.start();
    return new Promise<string>((resolve, reject) => {
      const job: Job = { id: this.nextId++, key, input, resolve, reject };
      let best: Slot | undefined;
      for (const s of this.slots) if (s.ready && (!best || s.pending.size < best.pending.size)) best = s;
      if (!best) return this.inline(job);
      if (best.pending.size === 0) best.worker.ref();
      best.pending.set(job.id, job);
      best.outbox.push(job);
      // One message per worker per event-loop turn: the requests a turn handled go out together.
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    for (const slot of this.slots) {
      if (!slot.outbox.length) continue;
      const jobs = slot.outbox.splice(0);
      for (const job of jobs) {
        if (slot.keys.has(job.key.kid)) continue;
        slot.worker.postMessage({ t: "key", kid: job.key.kid, pem: job.key.privatePem } satisfies ToWorker);
        slot.keys.add(job.key.kid);
      }
      slot.worker.postMessage({ t: "jobs", jobs: jobs.map((j) => ({ id: j.id, kid: j.key.kid, input: j.input })) } satisfies ToWorker);
    }
  };

  private inline(job: Job): void {
    try {
      let k = job.key.privateKey ?? this.inlineKeys.get(job.key.kid);
      if (!k) {
        k = createPrivateKey(job.key.privatePem);
        this.inlineKeys.set(job.key.kid, k);
      }
      job.resolve(sign("sha256", Buffer.from(job.input, "latin1"), k).toString("base64url"));
    } catch (err) {
      job.reject(err as Error);
    }
  }

  /** Stops the workers; later jobs are signed inline. */
  async stop(): Promise<void> {
    this.stopped = true;
    const slots = this.slots.splice(0);
    for (const s of slots) {
      s.worker.removeAllListeners("exit");
      s.worker.removeAllListeners("error");
      for (const job of s.pending.values()) this.inline(job);
      s.pending.clear();
      s.outbox.length = 0;
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

let shared: SigningPool | undefined;

/** The process's signing pool (lazy: its workers start with the first signature, which is signed inline). */
export function sharedSigningPool(): SigningPool {
  shared ??= new SigningPool();
  return shared;
}

const b64json = (v: unknown) => Buffer.from(JSON.stringify(v), "utf8").toString("base64url");

/** A compact RS256 JWS, byte for byte what jose's `SignJWT(payload).setProtectedHeader(header).sign(key)` makes. */
export async function signJwtRs256(header: Record<string, unknown>, payload: Record<string, unknown>, key: PoolKey, pool: SigningPool = sharedSigningPool()): Promise<string> {
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${await pool.sign(key, input)}`;
}

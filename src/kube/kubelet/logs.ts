import { EventEmitter } from "node:events";
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { PodLogOptions, PodLogSource } from "../KubeContext.js";

/** One line of container output (CRI log format on disk: `<RFC3339Nano> <stream> F <line>`). */
export interface LogEntry {
  /** Lab-clock ms. */
  at: number;
  time: string;
  stream: "stdout" | "stderr";
  line: string;
}

const MAX_MEMORY_LINES = 20_000;

/** Go's time.RFC3339Nano: nanoseconds with trailing zeros trimmed. */
export function rfc3339Nano(ms: number, subMsNanos = 0): string {
  const iso = new Date(ms).toISOString();
  const frac = `${iso.slice(20, 23)}${String(subMsNanos).padStart(6, "0")}`.replace(/0+$/, "");
  return `${iso.slice(0, 19)}${frac ? `.${frac}` : ""}Z`;
}

export function formatCri(e: LogEntry): string {
  return `${e.time} ${e.stream} F ${e.line}\n`;
}

export function parseCri(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const l of text.split("\n")) {
    const m = /^(\S+) (stdout|stderr) [FP] (.*)$/.exec(l);
    if (m) out.push({ at: Date.parse(m[1]!), time: m[1]!, stream: m[2] as "stdout" | "stderr", line: m[3]! });
  }
  return out;
}

/** The output of one run of one container. */
export class ContainerLog {
  readonly entries: LogEntry[] = [];
  ended = false;
  private readonly bus = new EventEmitter();
  private partial: Record<"stdout" | "stderr", string> = { stdout: "", stderr: "" };

  constructor(
    readonly file: string,
    private readonly now: () => number,
  ) {
    this.bus.setMaxListeners(0);
  }

  static fromFile(file: string, now: () => number): ContainerLog {
    const l = new ContainerLog(file, now);
    l.entries.push(...parseCri(readFileSync(file, "utf8")));
    l.ended = true;
    return l;
  }

  /** Takes a chunk of a stream; complete lines become entries. */
  write(stream: "stdout" | "stderr", chunk: Buffer | string): void {
    const text = this.partial[stream] + chunk.toString();
    const lines = text.split("\n");
    this.partial[stream] = lines.pop() ?? "";
    for (const l of lines) this.add(stream, l.replace(/\r$/, ""));
  }

  private add(stream: "stdout" | "stderr", line: string): void {
    const at = this.now();
    const e: LogEntry = { at, time: rfc3339Nano(at, Number(process.hrtime.bigint() % 1_000_000n)), stream, line };
    this.entries.push(e);
    if (this.entries.length > MAX_MEMORY_LINES) this.entries.splice(0, this.entries.length - MAX_MEMORY_LINES);
    try {
      appendFileSync(this.file, formatCri(e));
    } catch {
      // the pod directory is gone (pod deleted): memory still serves followers
    }
    this.bus.emit("line", e);
  }

  /** The container stopped: flush partial lines and end followers. */
  end(): void {
    if (this.ended) return;
    for (const s of ["stdout", "stderr"] as const) if (this.partial[s]) this.add(s, this.partial[s]);
    this.partial = { stdout: "", stderr: "" };
    this.ended = true;
    this.bus.emit("end");
  }

  onLine(fn: (e: LogEntry) => void): () => void {
    this.bus.on("line", fn);
    return () => this.bus.off("line", fn);
  }

  onEnd(fn: () => void): () => void {
    this.bus.on("end", fn);
    return () => this.bus.off("end", fn);
  }
}

interface ContainerLogs {
  current?: ContainerLog;
  previous?: ContainerLog;
}

/**
 * Every container's captured output, by cluster/namespace/pod/container: the `pods/log` source.
 * Files live under the pod's directory (`logs/<container>/<restartCount>.log`).
 */
export class LogStore implements PodLogSource {
  private readonly byContainer = new Map<string, ContainerLogs>();
  /** cluster/ns/pod → the pod's log directory and its containers in spec order. */
  private readonly pods = new Map<string, { dir: string; containers: string[] }>();

  constructor(private readonly now: () => number) {}

  private podKey(cluster: string, ns: string, pod: string): string {
    return `${cluster}/${ns}/${pod}`;
  }

  /** Registers a pod (loading the logs a previous lab run left on disk). */
  registerPod(cluster: string, ns: string, pod: string, dir: string, containers: string[]): void {
    const key = this.podKey(cluster, ns, pod);
    this.pods.set(key, { dir, containers });
    for (const c of containers) {
      const k = `${key}/${c}`;
      if (this.byContainer.has(k)) continue;
      const cdir = join(dir, c);
      if (!existsSync(cdir)) continue;
      const runs = readdirSync(cdir)
        .map((f) => /^(\d+)\.log$/.exec(f))
        .filter((m): m is RegExpExecArray => !!m)
        .map((m) => Number(m[1]))
        .sort((a, b) => a - b);
      const last = runs.at(-1);
      const prev = runs.at(-2);
      this.byContainer.set(k, {
        current: last === undefined ? undefined : ContainerLog.fromFile(join(cdir, `${last}.log`), this.now),
        previous: prev === undefined ? undefined : ContainerLog.fromFile(join(cdir, `${prev}.log`), this.now),
      });
    }
  }

  /** A new run of a container begins: the current log becomes the previous one. */
  begin(cluster: string, ns: string, pod: string, container: string, restartCount: number): ContainerLog {
    const key = this.podKey(cluster, ns, pod);
    const p = this.pods.get(key);
    if (!p) throw new Error(`pod ${key} is not registered with the log store`);
    const cdir = join(p.dir, container);
    mkdirSync(cdir, { recursive: true });
    const file = join(cdir, `${restartCount}.log`);
    rmSync(file, { force: true });
    const k = `${key}/${container}`;
    const old = this.byContainer.get(k);
    old?.current?.end();
    if (old?.previous && old.previous.file !== file) rmSync(old.previous.file, { force: true });
    const log = new ContainerLog(file, this.now);
    this.byContainer.set(k, { current: log, previous: old?.current });
    return log;
  }

  /** The pod is gone: end followers and forget its logs (its directory is removed by the caller). */
  forgetPod(cluster: string, ns: string, pod: string): void {
    const key = this.podKey(cluster, ns, pod);
    for (const k of [...this.byContainer.keys()]) {
      if (k.startsWith(`${key}/`)) {
        const l = this.byContainer.get(k)!;
        l.current?.end();
        this.byContainer.delete(k);
      }
    }
    this.pods.delete(key);
  }

  async logs(cluster: string, ns: string, pod: string, o: PodLogOptions): Promise<Readable | undefined> {
    const key = this.podKey(cluster, ns, pod);
    const p = this.pods.get(key);
    const container = o.container ?? p?.containers[0];
    if (!container) return undefined;
    const entry = this.byContainer.get(`${key}/${container}`);
    const log = o.previous ? entry?.previous : entry?.current;
    if (!log) return undefined;
    const fmt = (e: LogEntry) => (o.timestamps ? `${e.time} ${e.line}\n` : `${e.line}\n`);
    let lines = log.entries;
    if (o.sinceSeconds !== undefined) {
      const since = this.now() - o.sinceSeconds * 1000;
      lines = lines.filter((e) => e.at >= since);
    }
    if (o.tailLines !== undefined) lines = o.tailLines <= 0 ? [] : lines.slice(-o.tailLines);
    const out = new Readable({ read() {} });
    for (const e of lines) out.push(fmt(e));
    if (!o.follow || o.previous || log.ended) {
      out.push(null);
      return out;
    }
    const offLine = log.onLine((e) => out.push(fmt(e)));
    const offEnd = log.onEnd(() => {
      cleanup();
      out.push(null);
    });
    const cleanup = () => {
      offLine();
      offEnd();
    };
    out.on("close", cleanup);
    return out;
  }
}

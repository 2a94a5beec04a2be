/** The lab clock: every component reads time from here, so a user can advance it. */
export class LabClock {
  private offsetMs: number;
  private readonly listeners = new Set<(offsetMs: number) => void>();
  private pending: Promise<unknown> = Promise.resolve();

  constructor(offsetMs = 0) {
    this.offsetMs = offsetMs;
  }

  /** Milliseconds since the epoch, as the lab sees them. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  date(): Date {
    return new Date(this.now());
  }

  offset(): number {
    return this.offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError("the lab clock only moves forward");
    this.set(this.offsetMs + ms);
  }

  reset(): void {
    this.set(0);
  }

  set(offsetMs: number): void {
    this.offsetMs = offsetMs;
    for (const l of this.listeners) l(offsetMs);
  }

  /** Work that persists a change (the lab record); `settled()` waits for all of it, so an answer follows the commit. */
  track(p: Promise<unknown>): void {
    this.pending = Promise.all([this.pending, p.catch(() => undefined)]);
  }

  settled(): Promise<void> {
    return this.pending.then(() => undefined);
  }

  onChange(listener: (offsetMs: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses durations such as `90s`, `10m`, `24h`, `45d`, `1d12h`, `1w`. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!trimmed) throw new RangeError("empty duration");
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(trimmed)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = re.lastIndex;
  }
  if (consumed !== trimmed.length || consumed === 0) {
    throw new RangeError(`invalid duration '${text}': use a number and a unit (ms, s, m, h, d, w), e.g. 45d or 1h30m`);
  }
  return Math.round(total);
}

/** `2024-10-02T22:05:03.6755165Z` — .NET's round-trip format `:o`, as Entra prints instants. */
export function dotnetRoundTrip(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-10-02T22:05:03.675Z
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}0000Z`;
}

/** `2025-04-22 01:01:11Z`, as Entra prints error timestamps. */
export function entraTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

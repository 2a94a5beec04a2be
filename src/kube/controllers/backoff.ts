/**
 * Per-object retry backoff for failed pod creations (the rate-limited requeue of kube's controllers), on the
 * lab clock: 1 second, doubling, at most 5 minutes. Keyed by the owner's uid.
 */
const BASE_MS = 1000;
const MAX_MS = 300_000;

export class CreateBackoff {
  private readonly entries = new Map<string, { failures: number; until: number; message: string }>();

  /** The last failure's message while the owner must still wait (lab-clock ms `now`). */
  waiting(uid: string, now: number): string | undefined {
    const e = this.entries.get(uid);
    return e && now < e.until ? e.message : undefined;
  }

  failed(uid: string, now: number, message: string): void {
    const failures = (this.entries.get(uid)?.failures ?? 0) + 1;
    this.entries.set(uid, { failures, until: now + Math.min(MAX_MS, BASE_MS * 2 ** (failures - 1)), message });
    // Owners that went away while failing are forgotten after the longest wait.
    for (const [k, e] of this.entries) if (e.until + MAX_MS < now) this.entries.delete(k);
  }

  succeeded(uid: string): void {
    this.entries.delete(uid);
  }
}

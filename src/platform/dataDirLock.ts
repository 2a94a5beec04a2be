import { linkSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The lock file a lab holds in its data dir while it runs. */
export const LOCK_FILE = "lab.lock";

/** What the lock file holds. */
export interface LockOwner {
  pid: number;
  /** ms since the epoch (wall clock: it is about the host's processes, not the lab's time). */
  startedAt: number;
}

/** A second lab on a data dir another live lab holds. */
export class DataDirLockedError extends Error {
  readonly code = "WILAB_DATA_DIR_LOCKED";
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `a lab is already running on the data dir ${dataDir} (pid ${owner.pid}); stop it first, or start another lab with --data-dir <dir> ` +
        `(if no lab runs, remove ${join(dataDir, LOCK_FILE)})`,
    );
  }
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as Partial<LockOwner>;
    return typeof v.pid === "number" ? { pid: v.pid, startedAt: typeof v.startedAt === "number" ? v.startedAt : 0 } : undefined;
  } catch {
    return undefined;
  }
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/**
 * Takes the data dir's lock for this process: the file appears atomically with its content (written to a
 * private file, then hard-linked into place, which fails when the name exists). A lock whose process is gone
 * is taken over; a live owner makes it throw {@link DataDirLockedError}.
 */
export function lockDataDir(dataDir: string, pid = process.pid): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, LOCK_FILE);
  const tmp = join(dataDir, `.${LOCK_FILE}.${pid}`);
  writeFileSync(tmp, JSON.stringify({ pid, startedAt: Date.now() } satisfies LockOwner), { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const owner = readOwner(path);
        if (owner && owner.pid !== pid && processAlive(owner.pid)) throw new DataDirLockedError(dataDir, owner);
        if (attempt >= 3) throw new DataDirLockedError(dataDir, owner ?? { pid: 0, startedAt: 0 });
        // A stale lock (its process is gone, or it is ours from before): take it over.
        rmSync(path, { force: true });
      }
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      // Only remove the lock while it is still ours.
      if (readOwner(path)?.pid === pid) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    },
  };
}

import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync, ftruncateSync, constants, accessSync } from "node:fs";
import { dirname, join } from "node:path";

const BEGIN = "# >>> wilab";
const END = "# <<< wilab";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Overwrites the file from its start, then cuts it to the new length: it is never empty on the way. */
function writeInPlace(path: string, text: string): void {
  const buf = Buffer.from(text, "utf8");
  const fd = openSync(path, "r+");
  try {
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off, off);
    ftruncateSync(fd, buf.length);
  } finally {
    closeSync(fd);
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * A marked block of `/etc/hosts` lines owned by one lab process. Blocks are tagged with the owner's pid,
 * so a block left by a crashed lab is removed by the next lab that starts.
 */
export class EtcHosts {
  private names = new Set<string>();

  constructor(
    readonly path = "/etc/hosts",
    private readonly pid = process.pid,
    private readonly address = "127.0.0.1",
  ) {}

  writable(): boolean {
    try {
      accessSync(this.path, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  /** Lines a user would add by hand when the file is not writable. */
  linesFor(names: string[]): string[] {
    return names.map((n) => `${this.address} ${n}`);
  }

  /** Removes blocks whose owning process is gone. Returns how many were removed. */
  removeStale(): number {
    let removed = 0;
    this.edit((blocks) =>
      blocks.filter((b) => {
        const keep = b.pid === this.pid || alive(b.pid);
        if (!keep) removed++;
        return keep;
      }),
    );
    return removed;
  }

  /** Adds names to this process's block (no-op for names already present). */
  add(names: string[]): void {
    const fresh = names.map((n) => n.toLowerCase()).filter((n) => !this.names.has(n));
    if (fresh.length === 0) return;
    for (const n of fresh) this.names.add(n);
    this.sync();
  }

  remove(names: string[]): void {
    for (const n of names) this.names.delete(n.toLowerCase());
    this.sync();
  }

  /** Removes this process's block. */
  clear(): void {
    this.names.clear();
    this.edit((blocks) => blocks.filter((b) => b.pid !== this.pid));
  }

  has(name: string): boolean {
    return this.names.has(name.toLowerCase());
  }

  private sync(): void {
    const lines = this.linesFor([...this.names].sort());
    this.edit((blocks) => {
      const others = blocks.filter((b) => b.pid !== this.pid);
      return lines.length ? [...others, { pid: this.pid, lines }] : others;
    });
  }

  private edit(fn: (blocks: { pid: number; lines: string[] }[]) => { pid: number; lines: string[] }[]): void {
    const lock = join(dirname(this.path), ".wilab-hosts.lock");
    let fd = -1;
    for (let i = 0; i < 200 && fd < 0; i++) {
      try {
        fd = openSync(lock, "wx");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        try {
          const owner = Number(readFileSync(lock, "utf8"));
          if (owner && !alive(owner)) unlinkSync(lock);
        } catch {
          /* raced with another remover */
        }
        sleepSync(10);
      }
    }
    if (fd < 0) throw new Error(`could not lock ${lock}`);
    try {
      writeFileSync(fd, String(process.pid));
      const text = readFileSync(this.path, "utf8");
      // The user's own lines are kept exactly as they are (blank lines, final newline and all).
      const outside: string[] = [];
      const blocks: { pid: number; lines: string[] }[] = [];
      let current: { pid: number; lines: string[] } | undefined;
      for (const line of text.split("\n")) {
        if (line.startsWith(BEGIN)) {
          const m = /pid=(\d+)/.exec(line);
          current = { pid: m ? Number(m[1]) : 0, lines: [] };
          continue;
        }
        if (current && line.startsWith(END)) {
          blocks.push(current);
          current = undefined;
          continue;
        }
        if (current) current.lines.push(line);
        else outside.push(line);
      }
      if (current) blocks.push(current);
      const next = fn(blocks);
      if (JSON.stringify(next) === JSON.stringify(blocks)) return;
      let out = outside.join("\n");
      if (next.length) {
        if (out !== "" && !out.endsWith("\n")) out += "\n";
        for (const b of next) out += [`${BEGIN} pid=${b.pid} (managed by wilab; removed when it stops)`, ...b.lines, `${END} pid=${b.pid}`].join("\n") + "\n";
      }
      if (out === text) return;
      // /etc/hosts is often a bind mount: write in place rather than rename over it. Not truncated first: a
      // resolver reading it meanwhile (another lab's clients) would find it empty and fail with ENOTFOUND.
      try {
        writeInPlace(this.path, out);
      } catch {
        const tmp = `${this.path}.wilab-${process.pid}`;
        writeFileSync(tmp, out);
        renameSync(tmp, this.path);
      }
    } finally {
      closeSync(fd);
      try {
        unlinkSync(lock);
      } catch {
        /* already gone */
      }
    }
  }
}

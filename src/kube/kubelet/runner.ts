import { spawn, execFile, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * How containers see their volumes:
 * - `namespace`: each container runs in its own mount namespace (`unshare --mount`) with every volume
 *   bind-mounted at its exact `mountPath` (needs root and a kernel that allows it);
 * - `env`: no namespaces; env values and arguments that point into a `mountPath` are rewritten to the host
 *   directory that holds the volume (so `AZURE_FEDERATED_TOKEN_FILE` names a host file).
 */
export type MountMode = "namespace" | "env";

const MOUNT_SCRIPT = [
  "set -e",
  'wd="$1"; shift',
  'while [ "$1" != "--" ]; do',
  '  mount --bind "$1" "$2"',
  '  if [ "$3" = ro ]; then mount -o remount,bind,ro "$2" 2>/dev/null || mount -o remount,ro,bind "$2"; fi',
  "  shift 3",
  "done",
  "shift",
  'cd "$wd"',
  'exec "$@"',
].join("\n");

function run(cmd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 5000 }, (err, _stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stderr: String(stderr) });
    });
  });
}

let probed: Promise<{ mode: MountMode; why: string }> | undefined;

/**
 * Finds out once whether exact-path mounts work here: a bind mount inside `unshare --mount` of a file the
 * process must then read. `WILAB_KUBELET_MOUNTS=namespace|env` forces a mode.
 */
export function probeMountMode(): Promise<{ mode: MountMode; why: string }> {
  probed ??= (async () => {
    const forced = process.env.WILAB_KUBELET_MOUNTS;
    if (forced === "env") return { mode: "env" as const, why: "WILAB_KUBELET_MOUNTS=env" };
    if (process.platform !== "linux") return { mode: "env" as const, why: `mount namespaces need Linux (this is ${process.platform})` };
    if (typeof process.getuid === "function" && process.getuid() !== 0) return { mode: "env" as const, why: "not root: bind mounts need CAP_SYS_ADMIN" };
    const d = mkdtempSync(join(tmpdir(), "wilab-mount-probe-"));
    try {
      mkdirSync(join(d, "src"));
      mkdirSync(join(d, "dst"));
      writeFileSync(join(d, "src", "probe"), "ok");
      const r = await run("unshare", ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", MOUNT_SCRIPT, "wilab-mount", "/", join(d, "src"), join(d, "dst"), "ro", "--", "cat", join(d, "dst", "probe")]);
      if (r.code === 0) return { mode: "namespace" as const, why: "unshare --mount and bind mounts work" };
      if (forced === "namespace") throw new Error(`WILAB_KUBELET_MOUNTS=namespace but the probe failed: ${r.stderr.trim()}`);
      return { mode: "env" as const, why: `unshare --mount failed: ${r.stderr.trim() || `exit ${r.code}`}` };
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  })();
  return probed;
}

export interface Mount {
  /** Host path (directory, or file for subPath mounts). */
  source: string;
  /** Path the container sees. */
  target: string;
  readOnly: boolean;
}

export interface SpawnSpec {
  argv: string[];
  env: Record<string, string>;
  /** Host directory to start in (env mode; namespace mode without mounts). */
  cwd: string;
  /** Namespace mode: the directory the process starts in, as it sees it (after the mounts). */
  workdir: string;
  mounts: Mount[];
  mode: MountMode;
}

/** Rewrites a value pointing into a mount target to the host path (env mode). */
export function rewritePath(value: string, mounts: Mount[]): string {
  const sorted = [...mounts].sort((a, b) => b.target.length - a.target.length);
  for (const m of sorted) {
    const t = m.target.replace(/\/+$/, "");
    if (value === t) return m.source;
    if (value.startsWith(`${t}/`)) return m.source + value.slice(t.length);
  }
  return value;
}

/** Mount targets this kubelet created on the host (a bind mount needs an existing target), with their users. */
const createdMountPoints = new Map<string, number>();
/** Every directory (at any level) made for them, removed again once empty. */
const ownedDirs = new Set<string>();

/**
 * Makes sure a mount target exists on the host (creating it, and any missing parents, when absent); returns
 * a release function that removes what was created once no container uses it.
 */
export function ensureMountPoint(target: string, isFile: boolean): () => void {
  const users = createdMountPoints.get(target);
  if (users !== undefined) {
    createdMountPoints.set(target, users + 1);
    return () => releaseMountPoint(target);
  }
  if (existsSync(target)) return () => undefined;
  const missing: string[] = [];
  for (let p = isFile ? dirname(target) : target; !existsSync(p); p = dirname(p)) missing.push(p);
  mkdirSync(isFile ? dirname(target) : target, { recursive: true });
  for (const d of missing) ownedDirs.add(d);
  if (isFile) writeFileSync(target, "");
  createdMountPoints.set(target, 1);
  return () => releaseMountPoint(target);
}

function releaseMountPoint(target: string): void {
  const users = createdMountPoints.get(target);
  if (users === undefined) return;
  if (users > 1) {
    createdMountPoints.set(target, users - 1);
    return;
  }
  createdMountPoints.delete(target);
  try {
    const st = statSync(target, { throwIfNoEntry: false });
    if (st?.isFile() && st.size === 0) rmSync(target);
  } catch {
    // best effort
  }
  // Empty directories we made, bottom-up, stopping at the first one that is not ours or not empty.
  for (let p = ownedDirs.has(target) ? target : dirname(target); ownedDirs.has(p); p = dirname(p)) {
    if ([...createdMountPoints.keys()].some((t) => t === p || t.startsWith(`${p}/`))) break;
    try {
      rmdirSync(p);
    } catch {
      break;
    }
    ownedDirs.delete(p);
  }
}

/** The command line that runs `argv` in the container's view: behind `unshare` + bind mounts in namespace mode. */
function containerCommandLine(s: SpawnSpec, argv: string[]): string[] {
  if (!argv[0]) throw new Error("empty command");
  if (s.mode === "namespace" && s.mounts.length) {
    const margs: string[] = [];
    for (const m of s.mounts) margs.push(m.source, m.target, m.readOnly ? "ro" : "rw");
    return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", MOUNT_SCRIPT, "wilab-mount", s.workdir, ...margs, "--", ...argv];
  }
  return argv;
}

/** Starts a container process: its own process group, no shell; in namespace mode behind `unshare` + bind mounts. */
export function spawnContainer(s: SpawnSpec, o: { stdin?: boolean } = {}): ChildProcess {
  const [cmd, ...args] = containerCommandLine(s, s.argv);
  return spawn(cmd!, args, { env: s.env, cwd: s.cwd, stdio: [o.stdin ? "pipe" : "ignore", "pipe", "pipe"], detached: true });
}

/** A command started in a running container's view (`kubectl exec`). */
export interface ExecSpec {
  /** The container's view: its env, mounts and directories, as it was started. */
  view: SpawnSpec;
  argv: string[];
  /** A pseudo-terminal (util-linux `script`), stdout and stderr merged on it. */
  tty: boolean;
  /** The terminal's initial size (set with `stty` before the command starts). */
  size?: { width: number; height: number };
  /** The user the command runs as (securityContext.runAsUser / runAsGroup); only switched to when the lab runs as root. */
  user?: { uid: number; gid: number };
}

/** Quotes a word for `sh -c`. */
export function shellQuote(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/**
 * Starts an exec: the same command line as the container's (mounts, working directory, env), then `setpriv` to
 * the pod's user where it sets one and the lab may switch, all under `script` when a TTY is asked for (`script`
 * makes the pseudo-terminal and copies it to and from pipes; `TERM` is set as container runtimes do).
 */
export function spawnExec(e: ExecSpec): ChildProcess {
  let argv = e.view.mode === "env" ? e.argv.map((a) => rewritePath(a, e.view.mounts)) : [...e.argv];
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (e.user && asRoot && e.user.uid !== 0) argv = ["setpriv", `--reuid=${e.user.uid}`, `--regid=${e.user.gid}`, "--clear-groups", "--", ...argv];
  const env = { ...e.view.env };
  let line = containerCommandLine(e.view, argv);
  if (e.tty) {
    env.TERM ??= "xterm";
    const keepShell = env.SHELL;
    const sized = e.size ? `stty rows ${Math.trunc(e.size.height)} cols ${Math.trunc(e.size.width)} 2>/dev/null; ` : "";
    const inner = sized + ["exec", "env", ...(keepShell === undefined ? ["-u", "SHELL"] : []), ...line].map(shellQuote).join(" ");
    if (keepShell === undefined) env.SHELL = "/bin/sh";
    line = ["script", "-qfec", inner, "/dev/null"];
  }
  const [cmd, ...args] = line;
  return spawn(cmd!, args, { env, cwd: e.view.cwd, stdio: ["pipe", "pipe", "pipe"], detached: true });
}

/**
 * Sets the window size of an exec's pseudo-terminal: the terminal of `script`'s child (as `stty -F` does, which
 * also signals SIGWINCH to its foreground process group). False when the terminal is not there (yet).
 */
export async function resizeTerminal(scriptPid: number, cols: number, rows: number): Promise<boolean> {
  let tty: string | undefined;
  try {
    const child = readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, "utf8").trim().split(/\s+/)[0];
    if (child) tty = readlinkSync(`/proc/${child}/fd/0`);
  } catch {
    return false;
  }
  if (!tty?.startsWith("/dev/pts/")) return false;
  const r = await run("stty", ["-F", tty, "rows", String(rows), "cols", String(cols)]);
  return r.code === 0;
}

/** Signals a container's whole process group (falls back to the process). */
export function signalContainer(p: ChildProcess, signal: NodeJS.Signals): void {
  if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) return;
  try {
    process.kill(-p.pid, signal);
  } catch {
    try {
      p.kill(signal);
    } catch {
      // already gone
    }
  }
}

/**
 * A container process left running by a kubelet that died (a lab or replica killed with SIGKILL: nothing was left
 * to stop its containers), found again from the pod's recorded `containerID` (`wilab://<pid>`). It is that
 * container's only when the process still runs in the container's directory (`…/<pod uid>/containers/<name>`) or
 * has the pod's environment (`HOSTNAME` and the API server's variables): a pid the system has since reused for
 * something else is left alone. Its process group (the container's, started detached) is killed, as the node
 * that ran it is gone. Returns whether one was found.
 */
export function reapOrphanedContainer(containerID: string, podUid: string, container: string, hostname: string): boolean {
  const pid = Number(/^wilab:\/\/(\d+)$/.exec(containerID)?.[1] ?? 0);
  if (!pid || pid === process.pid) return false;
  let ours: boolean;
  try {
    ours = readlinkSync(`/proc/${pid}/cwd`).includes(`/${podUid}/containers/${container}`);
    if (!ours) {
      const env = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      ours = env.includes(`HOSTNAME=${hostname}`) && env.some((e) => e.startsWith("KUBERNETES_SERVICE_HOST="));
    }
  } catch {
    return false; // gone, or not ours to look at
  }
  if (!ours) return false;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      return false;
    }
  }
  return true;
}

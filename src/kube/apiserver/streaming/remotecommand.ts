/**
 * Runs a remote command (exec, attach) over its streams, as the kubelet's remotecommand server does: stdin into
 * the process, its stdout and stderr out, terminal sizes to its pseudo-terminal, and at the end the v4 Status
 * on the error stream — Success, or NonZeroExitCode with the exit code as the `ExitCode` cause, which is what
 * makes `kubectl exec` exit with the command's code.
 */
import type { ChildProcess } from "node:child_process";
import { constants as osConstants } from "node:os";
import type { CommandStreams, TerminalSize } from "./channels.js";

export type Transport = "spdy" | "websocket";

/** metav1.Status as the kubelet writes it on the v4 error stream. */
export type StreamStatus = Record<string, unknown>;

export const successStatus = (): StreamStatus => ({ metadata: {}, status: "Success" });

/**
 * The Status of a command that exited non-zero. Over SPDY it is the runtime's (containerd) message; over
 * WebSocket, kube-apiserver's stream translator re-wraps the exit error it read from the kubelet.
 */
export function exitStatus(code: number, argv: string[], transport: Transport): StreamStatus {
  const inner = transport === "spdy" ? `error executing command [${argv.join(" ")}], exit code ${code}` : `command terminated with exit code ${code}`;
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: ${inner}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] },
    ...(transport === "websocket" ? { code: 500 } : {}),
  };
}

/** An InternalError Status (a command that could not start, a container the kubelet cannot reach). */
export function internalStatus(message: string): StreamStatus {
  return { metadata: {}, status: "Failure", message: `Internal error occurred: ${message}`, reason: "InternalError", details: { causes: [{ message }] }, code: 500 };
}

/** Applies terminal sizes to the process's terminal, retrying the latest one until the terminal exists. */
function resizer(apply: (s: TerminalSize) => Promise<boolean>): (s: TerminalSize) => void {
  let latest: TerminalSize | undefined;
  let busy = false;
  const run = async () => {
    if (busy) return;
    busy = true;
    for (let tries = 0; latest && tries < 40; tries++) {
      const s = latest;
      if (await apply(s)) {
        if (latest === s) latest = undefined;
        tries = 0;
        continue;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    busy = false;
  };
  return (s) => {
    latest = s;
    void run();
  };
}

export interface RunOptions {
  argv: string[];
  transport: Transport;
  /** Resizes the process's terminal (TTY only); false while it is not there yet. */
  resize?: (s: TerminalSize) => Promise<boolean>;
  /** The client went away while the command runs. */
  onAbandon?: () => void;
}

/** Wires a started process to the streams and resolves with its exit code once the final Status is written. */
export function runCommand(proc: ChildProcess, streams: CommandStreams, o: RunOptions): Promise<number> {
  if (proc.stdin) {
    proc.stdin.on("error", () => undefined);
    if (streams.stdin) streams.stdin.pipe(proc.stdin);
    else proc.stdin.end();
  }
  proc.stdout?.on("data", (d: Buffer) => streams.stdout?.write(d));
  proc.stderr?.on("data", (d: Buffer) => (streams.stderr ?? streams.stdout)?.write(d));
  if (o.resize) streams.onResize(resizer(o.resize));
  let done = false;
  streams.onClose(() => {
    if (!done) o.onAbandon?.();
  });
  return new Promise((resolve) => {
    let startError: Error | undefined;
    proc.on("error", (e) => {
      startError = e;
      if (proc.pid === undefined) finish(-1);
    });
    const finish = (code: number) => {
      if (done) return;
      done = true;
      if (startError && proc.pid === undefined) {
        const missing = (startError as NodeJS.ErrnoException).code === "ENOENT";
        const why = missing ? `exec: "${o.argv[0] ?? ""}": executable file not found in $PATH` : startError.message;
        streams.finish(internalStatus(`error executing command in container: failed to exec in container: ${why}`));
      } else streams.finish(code === 0 ? successStatus() : exitStatus(code, o.argv, o.transport));
      resolve(code);
    };
    proc.on("close", (code, signal) => finish(code ?? 128 + signalNumber(signal)));
  });
}

function signalNumber(sig: NodeJS.Signals | null): number {
  return sig ? ((osConstants.signals as Record<string, number>)[sig] ?? 9) : 0;
}

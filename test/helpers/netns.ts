// Two network namespaces joined by a veth pair: a "machine" for the lab and one for a remote client (issue 14, a lab
// reachable by a team). Needs root (`ip netns add`). Names carry a random suffix, the /30 is picked at random in
// 10.231.0.0/16; both ends of the veth live in the new namespaces, so the host's own routes and addresses are untouched.
// Each namespace may get an /etc/netns/<name>/hosts file, which `ip netns exec` bind-mounts over /etc/hosts for the
// processes it starts there: names map to the lab's address without touching the host's /etc/hosts.
import { execFile, execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";

export interface NetnsPair {
  /** The lab's namespace and its address on the veth. */
  lab: { name: string; address: string };
  /** The client's namespace and its address on the veth. */
  client: { name: string; address: string };
  /** Writes /etc/netns/<ns>/hosts (seen as /etc/hosts by what `ip netns exec` runs in that namespace). */
  hostsFile(ns: string, lines: string[]): string;
  /** Starts a long-running process in a namespace (`ip netns exec` execs it: the child's pid is the program's). */
  spawnIn(ns: string, argv: string[], env: NodeJS.ProcessEnv): ChildProcessWithoutNullStreams;
  /** Runs a program to its end in a namespace: exit code, stdout and stderr. */
  runIn(ns: string, argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Deletes both namespaces (and with them the veth pair) and their /etc/netns files. Safe to call more than once. */
  remove(): void;
}

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    /* already gone */
  }
}

/** Why network namespaces cannot be made here (not root, no iproute2), or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root, for network namespaces";
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "needs iproute2's `ip netns`";
  }
}

/** Creates the pair: both namespaces with `lo` up, the veth pair between them, one address of a fresh /30 at each end. */
export function createNetnsPair(): NetnsPair {
  const suffix = randomBytes(3).toString("hex");
  const lab = `wilab-lab-${suffix}`;
  const client = `wilab-cli-${suffix}`;
  const [vethLab, vethClient] = [`wlab-${suffix}`, `wcli-${suffix}`]; // interface names: 15 characters at most
  const third = randomInt(0, 256);
  const base = randomInt(0, 64) * 4;
  const labAddress = `10.231.${third}.${base + 1}`;
  const clientAddress = `10.231.${third}.${base + 2}`;
  const remove = (): void => {
    quietly(() => ip("netns", "del", lab));
    quietly(() => ip("netns", "del", client));
    quietly(() => ip("link", "del", vethLab)); // only left in the host's namespace when creation stopped halfway
    for (const ns of [lab, client]) rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
  };
  try {
    ip("netns", "add", lab);
    ip("netns", "add", client);
    ip("link", "add", vethLab, "type", "veth", "peer", "name", vethClient);
    ip("link", "set", vethLab, "netns", lab);
    ip("link", "set", vethClient, "netns", client);
    ip("-n", lab, "addr", "add", `${labAddress}/30`, "dev", vethLab);
    ip("-n", client, "addr", "add", `${clientAddress}/30`, "dev", vethClient);
    for (const [ns, dev] of [[lab, vethLab], [client, vethClient]] as const) {
      ip("-n", ns, "link", "set", "lo", "up");
      ip("-n", ns, "link", "set", dev, "up");
    }
  } catch (err) {
    remove();
    throw new Error(`could not create the network namespaces (root and iproute2 are needed): ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}`, { cause: err });
  }
  return {
    lab: { name: lab, address: labAddress },
    client: { name: client, address: clientAddress },
    hostsFile(ns, lines) {
      mkdirSync(`/etc/netns/${ns}`, { recursive: true });
      const path = `/etc/netns/${ns}/hosts`;
      writeFileSync(path, lines.join("\n") + "\n");
      return path;
    },
    spawnIn: (ns, argv, env) => spawn("ip", ["netns", "exec", ns, ...argv], { env, stdio: ["pipe", "pipe", "pipe"] }),
    runIn: (ns, argv, env) =>
      new Promise((resolve) => {
        execFile("ip", ["netns", "exec", ns, ...argv], { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        });
      }),
    remove,
  };
}

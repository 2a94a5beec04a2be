// The article end to end through a real HAProxy in front of two `wilab up` replicas on one PostgreSQL database
// (issue 14): the README's walkthrough, as written, with the az shim and real kubectl against the balancer. Partway,
// once the pod has been applied and is Ready, the replica that runs the cluster's kubelet is killed with SIGKILL;
// the other takes the kubelet over, kills the container the dead one left running, starts the pod again, and the
// pod reads the secret there. `kubectl logs` through the balancer reaches the new kubelet from either replica.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { lookup } from "node:dns/promises";
import { openStore } from "../../src/store/index.js";
import { EtcHosts } from "../../src/platform/index.js";
import { Clusters } from "../../src/kube/Cluster.js";
import { KubeStorage, type KubeObject } from "../../src/kube/KubeStorage.js";
import { LabClock, Random } from "../../src/platform/index.js";
import { testDatabase } from "../helpers/postgres.js";
import { freePort, haproxy, replica, until, type Cleanups, type Replica } from "../helpers/replicas.js";

const root = resolve(import.meta.dirname, "../../..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const cleanups: Cleanups = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  new EtcHosts("/etc/hosts").removeStale();
});

/** The README's walkthrough block, split after the pod's `kubectl wait` (where the test kills a replica) and before `az aksarc delete`. */
function walkthrough(): { before: string; after: string; deleteLine: string } {
  const start = readme.indexOf("## The article, walked through with wilab");
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(start))![1]!;
  const lines = block.trimEnd().split("\n");
  const wait = lines.findIndex((l) => l.startsWith("kubectl wait --for=condition=Ready pod/sample-quick-start"));
  assert.ok(wait > 0, "the walkthrough waits for the pod");
  assert.match(lines.at(-1)!, /^az aksarc delete /);
  return { before: lines.slice(0, wait + 1).join("\n"), after: lines.slice(wait + 1, -1).join("\n"), deleteLine: lines.at(-1)! };
}

/** Where a process runs (its working directory), or undefined once it is gone. */
function cwdOf(pid: number): string | undefined {
  try {
    return realpathSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** The container's pid recorded in the pod's status (`wilab://<pid>`). */
function pidOf(pod: KubeObject | undefined): number | undefined {
  const cs = (pod?.status as { containerStatuses?: { containerID?: string }[] } | undefined)?.containerStatuses?.[0];
  const m = /^wilab:\/\/(\d+)$/.exec(cs?.containerID ?? "");
  return m ? Number(m[1]) : undefined;
}

test("the article through HAProxy and two replicas: the kubelet's replica is killed after the pod is Ready, the pod runs again on the other and reads the secret", async () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "wilab-article-lb-")));
  cleanups.push(() => rmSync(base, { recursive: true, force: true }));
  const db = await testDatabase();
  cleanups.push(db.drop);
  const lbPort = await freePort();
  const replicas: Replica[] = [];
  for (let i = 0; i < 2; i++) replicas.push(await replica(cleanups, db.url, ["--public-port", String(lbPort)], undefined, base));
  await haproxy(cleanups, lbPort, replicas.map((r) => r.port));
  const endpoints = JSON.parse(readFileSync(join(replicas[0]!.dir, "endpoints.json"), "utf8")) as { url: string };
  assert.equal(endpoints.url, `https://localhost:${lbPort}`, "the replicas' URLs name the balancer");

  const fifo = join(base, "resume");
  const { before, after: rest, deleteLine } = walkthrough();
  const script = [
    "set -eu",
    before,
    `mkfifo ${fifo}; echo "::pod-ready::"; read -r _ < ${fifo}`,
    rest,
    // Which process read the secret (the pod's container, from the kubelet's record), and where it runs.
    `pid=$(kubectl get pod sample-quick-start -o jsonpath='{.status.containerStatuses[0].containerID}'); pid=\${pid#wilab://}`,
    `echo "::pod-process:: $pid $(readlink /proc/$pid/cwd)"`,
    deleteLine,
  ].join("\n");
  mkdirSync(join(base, "home"));
  mkdirSync(join(base, "tmp"));
  const env: NodeJS.ProcessEnv = { ...process.env, WILAB_HOME: replicas[0]!.dir, HOME: join(base, "home"), KUBECONFIG: join(base, "kubeconfig"), TMPDIR: join(base, "tmp"), PATH: `${join(root, "bin")}:${process.env.PATH}` };
  delete env.WILAB_CONFIG_DIR;
  for (const k of Object.keys(env)) if (k.startsWith("AZURE_")) delete env[k];
  const bash = spawn("bash", ["-c", script], { cwd: base, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  cleanups.push(() => {
    try {
      process.kill(-bash.pid!, "SIGKILL"); // the script's background `az connectedk8s proxy` is in its process group
    } catch {
      // already gone
    }
  });
  let out = "";
  bash.stdout.on("data", (c: Buffer) => (out += c.toString()));
  bash.stderr.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => bash.on("exit", r));

  await until("the walkthrough has applied the pod and it is Ready", async () => (out.includes("::pod-ready::") ? true : undefined), 240_000);
  const store = await openStore(db.url);
  cleanups.push(() => store.close());
  const [cluster] = await store.read((tx) => Clusters.all(tx));
  assert.ok(cluster, "the walkthrough made a cluster");
  const kube = new KubeStorage(store, new LabClock(), new Random());
  cleanups.push(() => kube.close());
  const pod = async () => (await kube.read((tx) => tx.list(cluster.clusterId, "pods", "default"))).find((p) => p.metadata.name === "sample-quick-start");
  const firstPid = pidOf(await pod());
  assert.ok(firstPid && existsSync(`/proc/${firstPid}`), "the pod's container runs");
  const lease = await store.read((tx) => tx.get<{ holder: string }>("lease", `kubelet:${cluster.clusterId}`));
  const victim = replicas.find((r) => lease && r.proc.pid === Number(/^pid (\d+) /.exec(lease.holder)?.[1]));
  assert.ok(victim, `the kubelet's lease (${lease?.holder}) is held by one of the replicas`);
  const survivor = replicas.find((r) => r !== victim)!;
  assert.ok(cwdOf(firstPid)?.startsWith(victim.dir), `the container runs under the kubelet's replica (${cwdOf(firstPid)}, ${victim.dir})`);

  victim.proc.kill("SIGKILL");
  await new Promise((r) => victim.proc.once("exit", r));
  // The dead replica's /etc/hosts block is stale: the next lab to start on this machine removes it. The vault's name
  // was published by whichever replica made the vault; the survivor added it to its own block, so it still resolves.
  new EtcHosts("/etc/hosts").removeStale();
  assert.equal((await lookup("kv-workload-id.vault.localhost")).address, "127.0.0.1", "the vault's name outlives the replica that published it");
  // The walkthrough goes on through the balancer, which now has one replica: logs, then the cluster's deletion.
  const fifoWriter = spawn("sh", ["-c", `echo go > ${fifo}`]);
  await new Promise((r) => fifoWriter.on("exit", r));
  const timer = setTimeout(() => process.kill(-bash.pid!, "SIGTERM"), 240_000);
  const code = await exited;
  clearTimeout(timer);
  assert.equal(code, 0, out.slice(-6000));
  assert.match(out, /successfully got secret, secret=Hello!/, out.slice(-3000));
  const m = /::pod-process:: (\d+) (\S*)/.exec(out);
  assert.ok(m, out.slice(-3000));
  assert.notEqual(Number(m[1]), firstPid, "the pod was started again");
  assert.ok(m[2]!.startsWith(survivor.dir), `the pod that read the secret ran under the surviving replica (${m[2]}, survivor ${survivor.dir})`);
  assert.ok(!cwdOf(firstPid)?.startsWith(victim.dir), "the dead replica's container was stopped by the kubelet that took over");
});

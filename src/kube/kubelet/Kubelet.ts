import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Clusters } from "../Cluster.js";
import type { KubeContext, PodProcessSource } from "../KubeContext.js";
import type { KubeObject, WatchEvent } from "../KubeStorage.js";
import { listMappings, type ImageMapping } from "./imageMap.js";
import { LogStore } from "./logs.js";
import { PodWorker, type KubeletShared } from "./podWorker.js";
import { probeMountMode, type MountMode } from "./runner.js";
import { Leases } from "../../store/index.js";

/** How often the kubelet re-lists clusters and pods (missed events, new clusters, deleted clusters). */
const RESYNC_MS = 1000;
/** How often the token manager looks at the tokens (the lab clock moving also triggers a look). */
const TOKEN_TICK_MS = 5000;
/** On lab stop, containers get this long after SIGTERM. */
const STOP_GRACE_MS = 2000;

const SYSTEM_BUNDLES = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"];

function podKey(clusterId: string, ns: string | undefined, name: string): string {
  return `${clusterId}/${ns ?? "default"}/${name}`;
}

function phaseOf(o: KubeObject): string | undefined {
  return (o.status as { phase?: string } | undefined)?.phase;
}

/** The lab's one node: runs every cluster's pods as local processes. */
export class KubeletImpl {
  private readonly workers = new Map<string, PodWorker>();
  private readonly watches = new Map<string, () => void>();
  private readonly logs: LogStore;
  private shared!: KubeletShared;
  private resyncTimer?: NodeJS.Timeout;
  private tokenTimer?: NodeJS.Timeout;
  private offClock?: () => void;
  private stopped = false;
  private resyncing?: Promise<void>;
  private mappingCache?: { at: number; list: Promise<ImageMapping[]> };
  /** Replicas on one database: this kubelet runs the pods of the clusters whose lease (`kubelet:<clusterId>`) it holds. */
  private leases?: Leases;
  private readonly tempBase?: string;
  readonly base: string;
  mountMode: MountMode = "env";
  mountModeWhy = "";

  constructor(
    private readonly kube: KubeContext,
    dataDir: string | undefined,
  ) {
    if (dataDir) this.base = join(dataDir, "kubelet");
    else this.base = this.tempBase = mkdtempSync(join(tmpdir(), "wilab-kubelet-"));
    this.logs = new LogStore(() => kube.ctx.clock.now());
  }

  /** exec and attach, through the pod's worker (no worker: the pod does not run on this node). */
  private readonly processes: PodProcessSource = {
    containerError: (c, ns, p, container) => {
      const w = this.worker(c, ns, p);
      return w ? w.containerError(container) : `container not found (${JSON.stringify(container)})`;
    },
    podUid: (c, ns, p) => this.worker(c, ns, p)?.uid,
    exec: (c, ns, p, o) => this.worker(c, ns, p)?.exec(o) ?? `container not found (${JSON.stringify(o.container)})`,
    attach: (c, ns, p, container) => this.worker(c, ns, p)?.attach(container) ?? `container not found (${JSON.stringify(container)})`,
  };

  async start(): Promise<void> {
    mkdirSync(join(this.base, "pods"), { recursive: true, mode: 0o700 });
    const probe = await probeMountMode();
    this.mountMode = probe.mode;
    this.mountModeWhy = probe.why;
    const caFile = join(this.base, "ca.crt");
    writeFileSync(caFile, this.kube.ctx.ca.certPem);
    const sys = SYSTEM_BUNDLES.find((f) => existsSync(f));
    const caBundleFile = join(this.base, "ca-bundle.crt");
    writeFileSync(caBundleFile, this.kube.ctx.ca.certPem + (sys ? `\n${readFileSync(sys, "utf8")}` : ""));
    this.shared = {
      kube: this.kube,
      logs: this.logs,
      podsRoot: join(this.base, "pods"),
      caFile,
      caBundleFile,
      mountMode: this.mountMode,
      mappings: () => this.mappings(),
    };
    this.kube.podLogs = this.logs;
    this.kube.podProcesses = this.processes;
    if (this.kube.ctx.store.shared) {
      const { nodeAddress, port } = this.kube.ctx.config;
      const endpoint = `${nodeAddress.includes(":") ? `[${nodeAddress}]` : nodeAddress}:${port}`;
      this.leases = new Leases(this.kube.ctx.store, `pid ${process.pid} ${this.kube.ctx.random.uuid()}`, () => void this.resync(), undefined, endpoint);
      this.kube.kubeletElsewhere = (clusterId) => this.elsewhere(clusterId);
    }
    await this.resync();
    this.resyncTimer = setInterval(() => void this.resync(), RESYNC_MS);
    this.resyncTimer.unref();
    this.tokenTimer = setInterval(() => this.tick(), TOKEN_TICK_MS);
    this.tokenTimer.unref();
    this.offClock = this.kube.ctx.clock.onChange(() => setImmediate(() => this.tick()));
  }

  /**
   * Where the kubelet of a cluster runs when that is another replica (the holder of its lease, `host:port`): the
   * API server hands it the requests only a kubelet answers (logs, exec, attach, port forwarding), as kube-apiserver
   * does to the node's kubelet. Undefined when it runs here, or when no replica holds the lease (nobody runs it yet).
   */
  private async elsewhere(clusterId: string): Promise<string | undefined> {
    const name = `kubelet:${clusterId}`;
    if (!this.leases || this.leases.holds(name)) return undefined;
    return (await Leases.current(this.kube.ctx.store, name))?.endpoint;
  }

  private mappings(): Promise<ImageMapping[]> {
    const now = Date.now();
    if (!this.mappingCache || now - this.mappingCache.at > 1000) this.mappingCache = { at: now, list: listMappings(this.kube.ctx.store) };
    return this.mappingCache.list;
  }

  /** Image mappings changed: forget the cache and retry every container waiting for one. */
  mappingsChanged(): void {
    this.mappingCache = undefined;
    for (const w of this.workers.values()) w.nudge();
  }

  /** Token manager tick: every worker renews what is due. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return Promise.all([...this.workers.values()].map((w) => w.refresh())).then(() => undefined);
  }

  /** Lists clusters and pods and reconciles: the level-triggered half of the kubelet (events are the fast half). */
  resync(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.resyncing ??= this.resyncInner()
      .catch((err: unknown) => {
        if (!this.stopped) this.kube.ctx.log.warn(`kubelet: resync failed: ${(err as Error).message}`);
      })
      .finally(() => (this.resyncing = undefined));
    return this.resyncing;
  }

  private async resyncInner(): Promise<void> {
    const clusters = await this.kube.ctx.store.read((tx) => Clusters.all(tx));
    const ids = new Set(clusters.map((c) => c.clusterId));
    if (this.leases) {
      // Only the clusters this replica holds the kubelet lease of: their pods run here, every other cluster's elsewhere.
      const leases = this.leases;
      await leases.want([...ids].map((id) => `kubelet:${id}`));
      for (const id of [...ids]) if (!leases.holds(`kubelet:${id}`)) ids.delete(id);
    }
    for (const id of ids) {
      if (!this.watches.has(id)) this.watches.set(id, this.kube.storage.watch(id, (e) => this.onEvent(id, e)));
    }
    for (const [id, off] of this.watches) {
      if (ids.has(id)) continue;
      off();
      this.watches.delete(id);
    }
    const seen = new Set<string>();
    for (const id of ids) {
      const pods = await this.kube.storage.read((tx) => tx.list(id, "pods"));
      for (const p of pods) {
        seen.add(podKey(id, p.metadata.namespace, p.metadata.name));
        this.reconcile(id, p);
      }
    }
    for (const [key, w] of this.workers) if (!seen.has(key)) this.removeWorker(key, w, w.graceMs());
  }

  private onEvent(clusterId: string, e: WatchEvent): void {
    if (this.leases && !this.leases.holds(`kubelet:${clusterId}`)) return;
    if (this.stopped || e.resource !== "pods") {
      // ConfigMaps and Secrets the containers wait for: retry now.
      if (!this.stopped && (e.resource === "configmaps" || e.resource === "secrets" || e.resource === "serviceaccounts")) {
        for (const w of this.workers.values()) if (w.clusterId === clusterId && w.namespace === (e.object.metadata.namespace ?? "default")) w.nudge();
      }
      // A service account's annotations changed under running pods: the webhook's env does not follow.
      if (!this.stopped && e.resource === "serviceaccounts" && e.type === "MODIFIED") {
        for (const w of this.workers.values()) if (w.clusterId === clusterId && w.namespace === (e.object.metadata.namespace ?? "default")) w.serviceAccountChanged(e.object);
      }
      return;
    }
    const key = podKey(clusterId, e.object.metadata.namespace, e.object.metadata.name);
    if (e.type === "DELETED") {
      const w = this.workers.get(key);
      if (w && w.uid === e.object.metadata.uid) {
        w.update(e.object);
        this.removeWorker(key, w, w.graceMs());
      }
      return;
    }
    this.reconcile(clusterId, e.object);
  }

  private reconcile(clusterId: string, obj: KubeObject): void {
    const key = podKey(clusterId, obj.metadata.namespace, obj.metadata.name);
    let w = this.workers.get(key);
    if (w && w.uid !== obj.metadata.uid) {
      // The name now belongs to a new pod: the old one's processes go, and so do its logs.
      this.removeWorker(key, w, 0);
      this.workers.delete(key);
      this.logs.forgetPod(clusterId, obj.metadata.namespace ?? "default", obj.metadata.name);
      w = undefined;
    }
    if (obj.metadata.deletionTimestamp) {
      if (w) {
        w.update(obj);
        this.removeWorker(key, w, w.graceMs(), true);
      } else void this.deleteObject(clusterId, obj);
      return;
    }
    if (w) {
      w.update(obj);
      return;
    }
    const phase = phaseOf(obj);
    w = new PodWorker(clusterId, obj, this.shared, (gone) => {
      const cur = this.workers.get(key);
      if (cur === gone) this.removeWorker(key, gone, gone.graceMs());
    });
    this.workers.set(key, w);
    // A finished pod (before a lab restart) is not run again; its logs stay readable.
    if (phase !== "Succeeded" && phase !== "Failed") void w.run();
  }

  private readonly removing = new Set<PodWorker>();

  /** Stops a pod's containers, forgets it, and (graceful deletion) deletes its object once they stopped. */
  private removeWorker(key: string, w: PodWorker, graceMs: number, thenDelete = false): void {
    if (this.removing.has(w)) return;
    this.removing.add(w);
    void (async () => {
      try {
        await w.stop(graceMs, false, true);
        if (this.workers.get(key) === w) this.workers.delete(key);
        if (thenDelete) await this.deleteObject(w.clusterId, w.pod);
        const [cluster, ns, name] = key.split("/") as [string, string, string];
        if (![...this.workers.keys()].includes(key)) this.logs.forgetPod(cluster, ns, name);
        rmSync(w.dir, { recursive: true, force: true });
      } catch (err) {
        this.kube.ctx.log.warn(`kubelet: removing pod ${key}: ${(err as Error).message}`);
      } finally {
        this.removing.delete(w);
      }
    })();
  }

  private async deleteObject(clusterId: string, obj: KubeObject): Promise<void> {
    if (this.stopped) return;
    await this.kube.storage.write(async (tx) => {
      const cur = await tx.get(clusterId, "pods", obj.metadata.namespace, obj.metadata.name);
      if (cur && cur.metadata.uid === obj.metadata.uid) await tx.delete(clusterId, "pods", obj.metadata.namespace, obj.metadata.name);
    });
  }

  /** The worker of a pod (tests, diagnostics). */
  worker(clusterId: string, ns: string, name: string): PodWorker | undefined {
    return this.workers.get(podKey(clusterId, ns, name));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.resyncTimer);
    clearInterval(this.tokenTimer);
    this.offClock?.();
    for (const off of this.watches.values()) off();
    this.watches.clear();
    await this.resyncing;
    await Promise.all([...this.workers.values(), ...this.removing].map((w) => w.stop(STOP_GRACE_MS, false)));
    await this.leases?.stop(); // after the pods stopped: another replica takes their clusters over at once
    // Workers being removed finish their own clean-up.
    while (this.removing.size) await new Promise((r) => setTimeout(r, 10));
    this.workers.clear();
    if (this.kube.podLogs === this.logs) this.kube.podLogs = undefined;
    if (this.kube.podProcesses === this.processes) this.kube.podProcesses = undefined;
    this.kube.kubeletElsewhere = undefined;
    if (this.tempBase) rmSync(this.tempBase, { recursive: true, force: true });
  }
}

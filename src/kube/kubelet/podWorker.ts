import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { constants as osConstants } from "node:os";
import type { ExecProcess, KubeContext, PodExecOptions } from "../KubeContext.js";
import type { KubeObject } from "../KubeStorage.js";
import type { IssuedToken } from "../issuer/ServiceAccountIssuer.js";
import { ContainerConfigError, resolveEnv, type ObjectLookup } from "./env.js";
import { resolveImage, unmappedMessage, type ImageMapping, type ResolvedImage } from "./imageMap.js";
import type { ContainerLog, LogStore } from "./logs.js";
import { ensureMountPoint, reapOrphanedContainer, rewritePath, resizeTerminal, signalContainer, spawnContainer, spawnExec, type Mount, type MountMode, type SpawnSpec } from "./runner.js";
import { buildPodStatus, goDuration, nextBackoff, type CState, type ContainerView, type Terminated } from "./status.js";
import { expirationSecondsOf, shouldRefresh } from "./tokens.js";
import { requestToken } from "../apiserver/token.js";
import { KubeStatusError } from "../KubeStatusError.js";
import { MountError, planVolume, tokenSources, writeAtomically, type TokenSourceRef } from "./volumes.js";
import { asPod, NODE_NAME, serviceAccountOf, type Container, type DataObject, type Pod } from "./types.js";
import { KUBELET } from "./eventTexts.js";
import { PodEvents } from "./podEvents.js";

/** What every pod worker shares: the lab, the log store, directories and the image mappings. */
export interface KubeletShared {
  kube: KubeContext;
  logs: LogStore;
  podsRoot: string;
  /** The lab CA (PEM) alone, for NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** The lab CA plus the system roots, for SSL_CERT_FILE / REQUESTS_CA_BUNDLE. */
  caBundleFile: string;
  mountMode: MountMode;
  mappings(): Promise<ImageMapping[]>;
}

const RUN_RESET_MS = 600_000;
const PULL_BACKOFF_START_MS = 10_000;
const PULL_BACKOFF_MAX_MS = 300_000;
const VOLUME_RETRY_MS = 2_000;
const FULL_VOLUME_SYNC_MS = 60_000;

class ContainerRun {
  state: CState;
  lastState?: Terminated;
  restartCount = 0;
  containerID?: string;
  imageID = "";
  started = false;
  proc?: ChildProcess;
  exited?: Promise<void>;
  backoffMs?: number;
  lastStartReal = 0;
  /** The previous lab run's status said this container had started: the next start is a restart. */
  carriedOver = false;
  log?: ContainerLog;
  /** How the running instance was started (its env, mounts and directories): what an exec runs in. */
  spawned?: SpawnSpec;

  constructor(
    readonly spec: Container,
    readonly kind: "init" | "sidecar" | "regular",
  ) {
    this.state = { kind: "waiting", reason: kind === "regular" ? "ContainerCreating" : "PodInitializing" };
  }

  view(): ContainerView {
    return {
      name: this.spec.name,
      image: this.spec.image ?? "",
      imageID: this.imageID,
      containerID: this.state.kind === "waiting" ? undefined : this.containerID,
      restartCount: this.restartCount,
      state: this.state,
      lastState: this.lastState,
      started: this.state.kind === "running",
      ready: this.state.kind === "running",
      sidecar: this.kind === "sidecar",
    };
  }
}

type SecurityContext = { runAsUser?: number; runAsGroup?: number };

/** The user a container runs as: the container's securityContext over the pod's (absent: the image's, root here). */
function runAsUser(pod: Pod, c: Container): { uid: number; gid: number } | undefined {
  const ps = (pod.spec.securityContext ?? {}) as SecurityContext;
  const cs = (c.securityContext ?? {}) as SecurityContext;
  const uid = cs.runAsUser ?? ps.runAsUser;
  if (typeof uid !== "number") return undefined;
  const gid = cs.runAsGroup ?? ps.runAsGroup;
  return { uid, gid: typeof gid === "number" ? gid : 0 };
}

function signalNumber(sig: NodeJS.Signals | null): number | undefined {
  if (!sig) return undefined;
  return (osConstants.signals as Record<string, number>)[sig];
}

/**
 * Runs one pod: volumes, init containers in order, then its containers as local processes, with restarts,
 * back-off, token refresh and status written back through the API storage.
 */
export class PodWorker {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly dir: string;
  pod: Pod;
  private readonly runs: ContainerRun[] = [];
  private stopped = false;
  private sandboxReady = false;
  private startTime?: number;
  private terminalPhase?: string;
  private readonly tokens = new Map<string, IssuedToken>();
  private volumePaths = new Map<string, string>();
  private lastFullSync = 0;
  private syncing?: Promise<void>;
  private readonly sleepers = new Set<{ wake: () => void; nudgeable: boolean }>();
  private dirty = false;
  private flushTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly releases: (() => void)[] = [];
  private done?: Promise<void>;
  private stopping?: Promise<void>;
  private readonly killTimers = new Set<NodeJS.Timeout>();
  /** Commands started by exec: they end with the pod, as processes in a container do. */
  private readonly execs = new Set<ChildProcess>();
  private readonly events: PodEvents;
  /** The kubelet has never run this pod (no start time yet): it is scheduled now, and checked once. */
  private readonly fresh: boolean;

  constructor(
    readonly clusterId: string,
    obj: KubeObject,
    private readonly s: KubeletShared,
    /** Called when the worker finds its pod gone while writing status. */
    private readonly onGone: (w: PodWorker) => void,
  ) {
    this.pod = asPod(structuredClone(obj));
    this.uid = obj.metadata.uid;
    this.namespace = obj.metadata.namespace ?? "default";
    this.name = obj.metadata.name;
    this.dir = join(s.podsRoot, this.uid);
    this.fresh = !this.pod.status?.startTime;
    this.events = new PodEvents(s.kube, clusterId, () => this.pod);
    for (const c of this.pod.spec.initContainers ?? []) this.runs.push(new ContainerRun(c, c.restartPolicy === "Always" ? "sidecar" : "init"));
    for (const c of this.pod.spec.containers) this.runs.push(new ContainerRun(c, "regular"));
    this.carryOver();
    mkdirSync(join(this.dir, "logs"), { recursive: true });
    s.logs.registerPod(clusterId, this.namespace, this.name, join(this.dir, "logs"), [...this.runs.filter((r) => r.kind === "regular"), ...this.runs.filter((r) => r.kind !== "regular")].map((r) => r.spec.name));
  }

  private get now(): number {
    return this.s.kube.ctx.clock.now();
  }

  /** A lab restart: containers that had started count a restart, with an Unknown last state, as after a node reboot. */
  private carryOver(): void {
    const st = this.pod.status;
    if (!st) return;
    const prev = [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])];
    for (const r of this.runs) {
      const p = prev.find((x) => x.name === r.spec.name);
      if (!p) continue;
      r.restartCount = p.restartCount ?? 0;
      if (p.containerID) {
        r.carriedOver = true;
        r.containerID = p.containerID;
        // Still running: its kubelet died without stopping it (a SIGKILLed lab or replica). This kubelet starts it again.
        if (p.state.running) reapOrphanedContainer(p.containerID, this.uid, r.spec.name, this.pod.spec.hostname || this.name);
        const t = p.state.terminated;
        const startedAt = Date.parse(p.state.running?.startedAt ?? t?.startedAt ?? "") || this.now;
        r.lastState = t
          ? { kind: "terminated", exitCode: t.exitCode, reason: t.reason ?? "Unknown", startedAt, finishedAt: Date.parse(t.finishedAt ?? "") || this.now, containerID: p.containerID }
          : { kind: "terminated", exitCode: 255, reason: "Unknown", startedAt, finishedAt: this.now, containerID: p.containerID };
      }
    }
    if (st.startTime) this.startTime = Date.parse(st.startTime) || undefined;
  }

  /** The latest object (labels, annotations, deletionTimestamp) from a watch event or a resync. */
  update(obj: KubeObject): void {
    const p = asPod(structuredClone(obj));
    this.pod = { ...this.pod, metadata: p.metadata, status: p.status };
  }

  /** The pod's service account changed: wilab warns when the client id the pod was given no longer matches. */
  serviceAccountChanged(sa: KubeObject): void {
    if (this.stopped || this.terminalPhase || sa.metadata.name !== serviceAccountOf(this.pod)) return;
    void this.events.serviceAccountChanged(sa);
  }

  isTerminal(): boolean {
    return this.terminalPhase !== undefined;
  }

  // ---- sleeping and waking ----

  private sleep(ms: number, nudgeable: boolean): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        nudgeable,
        wake: () => {
          clearTimeout(timer);
          this.sleepers.delete(entry);
          resolve();
        },
      };
      const timer = setTimeout(entry.wake, ms);
      this.sleepers.add(entry);
    });
  }

  /** Retry now whatever waits for an image mapping, a ConfigMap or a Secret. */
  nudge(): void {
    for (const e of [...this.sleepers]) if (e.nudgeable) e.wake();
  }

  // ---- status ----

  private markDirty(): void {
    this.dirty = true;
    if (this.flushTimer || this.stopped) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flushing = this.flushing.then(() => this.flush()).catch((err: unknown) => this.s.kube.ctx.log.warn(`kubelet: status of pod ${this.namespace}/${this.name}: ${(err as Error).message}`));
    }, 20);
  }

  private async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const views = this.runs.map((r) => r.view());
    const latest = this.pod;
    const status = buildPodStatus({
      pod: latest,
      now: this.now,
      startTime: this.startTime,
      sandboxReady: this.sandboxReady,
      init: views.slice(0, this.pod.spec.initContainers?.length ?? 0),
      containers: views.slice(this.pod.spec.initContainers?.length ?? 0),
      terminalPhase: this.terminalPhase,
    });
    if (!this.terminalPhase && (status.phase === "Succeeded" || status.phase === "Failed")) this.terminalPhase = status.phase;
    let gone = false;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.s.kube.storage.write(async (tx) => {
          const cur = await tx.get(this.clusterId, "pods", this.namespace, this.name);
          if (!cur || cur.metadata.uid !== this.uid) {
            gone = true;
            return;
          }
          const pod = asPod(cur);
          const merged = { ...(pod.status ?? {}), ...status };
          for (const k of ["startTime", "initContainerStatuses"] as const) if (!(k in status)) delete merged[k];
          const nodeSet = !!pod.spec.nodeName;
          const text = JSON.stringify(merged);
          if (nodeSet && text === JSON.stringify(pod.status ?? {})) {
            this.pod = { ...this.pod, metadata: pod.metadata, status: merged };
            return;
          }
          if (!nodeSet) pod.spec.nodeName = NODE_NAME;
          pod.status = merged;
          const saved = await tx.update(this.clusterId, "pods", pod, pod.metadata.resourceVersion);
          this.pod = { ...this.pod, metadata: saved.metadata, status: merged };
        });
        break;
      } catch (err) {
        if ((err as { reason?: string }).reason !== "Conflict" || attempt === 4) throw err;
      }
    }
    if (gone) this.onGone(this);
  }

  /** Waits until every pending status change is written. */
  async settle(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.flushing = this.flushing.then(() => this.flush());
    }
    await this.flushing.catch(() => undefined);
  }

  // ---- volumes and tokens ----

  private async lookup(): Promise<ObjectLookup> {
    const { cms, secrets } = await this.s.kube.storage.read(async (tx) => ({
      cms: await tx.list(this.clusterId, "configmaps", this.namespace),
      secrets: await tx.list(this.clusterId, "secrets", this.namespace),
    }));
    const byName = (l: KubeObject[]) => new Map(l.map((o) => [o.metadata.name, o as DataObject]));
    const cm = byName(cms);
    const sec = byName(secrets);
    const ca = this.s.kube.ctx.ca.certPem;
    return {
      // kube-controller-manager's root-ca publisher puts kube-root-ca.crt in every namespace; the lab's API server CA is its CA.
      configMap: (n) => cm.get(n) ?? (n === "kube-root-ca.crt" ? ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: n, uid: "", resourceVersion: "", creationTimestamp: "" }, data: { "ca.crt": ca } } as DataObject) : undefined),
      secret: (n) => sec.get(n),
    };
  }

  /**
   * Renews the pod's projected service-account tokens that are due, through the API server's TokenRequest (its
   * validation included), bound to this pod: a refusal becomes the volume's mount error, as the kubelet reports it.
   */
  private async ensureTokens(): Promise<boolean> {
    const sources = tokenSources(this.pod);
    const due = sources.filter((t) => {
      const cur = this.tokens.get(`${t.volume}/${t.path}`);
      return !cur || shouldRefresh(cur.issuedAt, cur.expiresAt, this.now);
    });
    if (!due.length) return false;
    const cluster = await this.s.kube.cluster(this.clusterId);
    if (!cluster) throw new MountError(`cluster ${this.clusterId} not found`, due[0]!.volume);
    const saName = serviceAccountOf(this.pod);
    for (const t of due) {
      const spec = {
        ...(t.audience ? { audiences: [t.audience] } : {}),
        expirationSeconds: expirationSecondsOf(t.expirationSeconds),
        boundObjectRef: { kind: "Pod", apiVersion: "v1", name: this.name, uid: this.uid },
      };
      try {
        const r = await requestToken(this.s.kube, cluster, this.namespace, saName, { spec });
        this.tokens.set(`${t.volume}/${t.path}`, r.issued);
      } catch (err) {
        if (err instanceof KubeStatusError) throw new MountError(`failed to fetch token: ${err.message}`, t.volume);
        throw err;
      }
    }
    return true;
  }

  /** Writes every volume that changed; returns whether a token was renewed. */
  private async syncVolumes(): Promise<boolean> {
    const renewed = await this.ensureTokens();
    const lookup = await this.lookup();
    const paths = new Map<string, string>();
    for (const v of this.pod.spec.volumes ?? []) {
      let plan: ReturnType<typeof planVolume>;
      try {
        plan = planVolume(v, { pod: this.pod, lookup, token: (ref: TokenSourceRef) => this.tokens.get(`${ref.volume}/${ref.path}`)!.token });
      } catch (err) {
        if (err instanceof MountError) err.volume ??= v.name;
        throw err;
      }
      const dir = join(this.dir, "volumes", v.name);
      if (plan.kind === "hostPath") paths.set(v.name, plan.path);
      else if (plan.kind === "emptyDir") {
        mkdirSync(dir, { recursive: true, mode: 0o777 });
        paths.set(v.name, dir);
      } else {
        writeAtomically(dir, plan.payload, this.now);
        paths.set(v.name, dir);
      }
    }
    this.volumePaths = paths;
    this.lastFullSync = Date.now();
    return renewed;
  }

  /** The token manager's tick (timer or lab clock change): renew due tokens, refresh ConfigMap/Secret files now and then. */
  refresh(): Promise<void> {
    if (this.stopped || !this.sandboxReady || this.terminalPhase) return Promise.resolve();
    if (this.syncing) return this.syncing;
    const tokensDue = tokenSources(this.pod).some((t) => {
      const cur = this.tokens.get(`${t.volume}/${t.path}`);
      return !cur || shouldRefresh(cur.issuedAt, cur.expiresAt, this.now);
    });
    if (!tokensDue && Date.now() - this.lastFullSync < FULL_VOLUME_SYNC_MS) return Promise.resolve();
    this.syncing = this.syncVolumes()
      .then(() => undefined)
      .catch((err: unknown) => this.s.kube.ctx.log.warn(`kubelet: pod ${this.namespace}/${this.name}: volume refresh failed (the old files stay): ${(err as Error).message}`))
      .finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  // ---- containers ----

  private mountsFor(c: Container): Mount[] {
    const out: Mount[] = [];
    for (const m of c.volumeMounts ?? []) {
      const base = this.volumePaths.get(m.name);
      if (!base) continue;
      const source = m.subPath ? join(base, m.subPath) : base;
      out.push({ source, target: m.mountPath, readOnly: !!m.readOnly });
    }
    return out;
  }

  private async serviceEnv(): Promise<Record<string, string>> {
    const port = String(this.s.kube.ctx.hosts.urlPort);
    const host = "localhost";
    return {
      KUBERNETES_SERVICE_HOST: host,
      KUBERNETES_SERVICE_PORT: port,
      KUBERNETES_SERVICE_PORT_HTTPS: port,
      KUBERNETES_PORT: `tcp://${host}:${port}`,
      KUBERNETES_PORT_443_TCP: `tcp://${host}:${port}`,
      KUBERNETES_PORT_443_TCP_PROTO: "tcp",
      KUBERNETES_PORT_443_TCP_PORT: port,
      KUBERNETES_PORT_443_TCP_ADDR: host,
    };
  }

  private baseEnv(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"]) {
      const v = process.env[k];
      if (v !== undefined) out[k] = v;
    }
    out.PATH ??= "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    out.HOSTNAME = this.pod.spec.hostname || this.name;
    return out;
  }

  /** Starts one instance of a container and resolves when it has exited. */
  private async startOnce(r: ContainerRun, img: ResolvedImage, env: Map<string, string>, command: string[], args: string[]): Promise<Terminated> {
    const mounts = this.mountsFor(r.spec);
    const fullEnv: Record<string, string> = { ...this.baseEnv() };
    for (const [k, v] of env) fullEnv[k] = v;
    // CA trust for the lab's HTTPS endpoints (the only thing added beyond what Kubernetes and the webhook inject).
    fullEnv.NODE_EXTRA_CA_CERTS ??= this.s.caFile;
    fullEnv.SSL_CERT_FILE ??= this.s.caBundleFile;
    fullEnv.REQUESTS_CA_BUNDLE ??= this.s.caBundleFile;
    let argv = [...img.mapping.command, ...command, ...args];
    const mode = this.s.mountMode;
    if (mode === "env") {
      for (const k of Object.keys(fullEnv)) fullEnv[k] = rewritePath(fullEnv[k]!, mounts);
      argv = argv.map((a, i) => (i < img.mapping.command.length ? a : rewritePath(a, mounts)));
    } else {
      for (const m of mounts) {
        const isFile = statSync(m.source, { throwIfNoEntry: false })?.isFile() ?? false;
        this.releases.push(ensureMountPoint(m.target, isFile));
      }
    }
    const cdir = join(this.dir, "containers", r.spec.name);
    mkdirSync(cdir, { recursive: true });
    // The working directory: the container's `workingDir` where it exists (or lies in a mount), else a per-container directory.
    const wd = r.spec.workingDir;
    const inMount = !!wd && mounts.some((m) => wd === m.target || wd.startsWith(`${m.target.replace(/\/+$/, "")}/`));
    let cwd = cdir;
    let workdir = cdir;
    if (wd && (inMount || existsSync(wd))) {
      if (mode === "env") cwd = rewritePath(wd, mounts);
      else if (mounts.length) workdir = wd;
      else cwd = wd;
    }
    if (r.started || r.carriedOver) r.restartCount++;
    r.carriedOver = false;
    r.started = true;
    r.imageID = img.imageID;
    const log = this.s.logs.begin(this.clusterId, this.namespace, this.name, r.spec.name, r.restartCount);
    r.log = log;
    const startedAt = this.now;
    r.lastStartReal = Date.now();
    void this.events.container(r.spec.name, r.kind, "Normal", "Created", this.events.text.created(r.spec.name));
    let proc: ChildProcess;
    try {
      r.spawned = { argv, env: fullEnv, cwd, workdir, mounts, mode };
      proc = spawnContainer(r.spawned, { stdin: r.spec.stdin === true });
    } catch (err) {
      log.end();
      return { kind: "terminated", exitCode: 128, reason: "StartError", message: (err as Error).message, startedAt, finishedAt: this.now };
    }
    if (proc.pid !== undefined) void this.events.container(r.spec.name, r.kind, "Normal", "Started", this.events.text.started(r.spec.name));
    r.proc = proc;
    r.containerID = `wilab://${proc.pid ?? 0}`;
    r.state = { kind: "running", startedAt };
    this.markDirty();
    proc.stdout?.on("data", (d: Buffer) => log.write("stdout", d));
    proc.stderr?.on("data", (d: Buffer) => log.write("stderr", d));
    const result = await new Promise<Terminated>((resolve) => {
      let spawnError: Error | undefined;
      proc.on("error", (err) => {
        spawnError = err;
        if (proc.pid === undefined) resolve({ kind: "terminated", exitCode: 128, reason: "StartError", message: err.message, startedAt, finishedAt: this.now, containerID: r.containerID });
      });
      proc.on("close", (code, signal) => {
        const exitCode = code ?? 128 + (signalNumber(signal) ?? 9);
        resolve({
          kind: "terminated",
          exitCode,
          ...(signal ? { signal: signalNumber(signal) } : {}),
          reason: spawnError ? "StartError" : exitCode === 0 ? "Completed" : "Error",
          ...(spawnError ? { message: spawnError.message } : {}),
          startedAt,
          finishedAt: this.now,
          containerID: r.containerID,
        });
      });
    });
    r.proc = undefined;
    log.end();
    return result;
  }

  /** The kubelet's image events: a pull that fails (ErrImagePull), then its back-off (ImagePullBackOff). */
  private imagePullEvents(r: ContainerRun, first: boolean, msg: string): void {
    const image = r.spec.image ?? "";
    const ev = (type: "Normal" | "Warning", reason: string, message: string) => void this.events.container(r.spec.name, r.kind, type, reason, message);
    if (first) {
      ev("Normal", "Pulling", KUBELET.pulling(image));
      ev("Warning", "Failed", KUBELET.failedPull(image, msg));
      ev("Warning", "Failed", KUBELET.error("ErrImagePull"));
    } else {
      ev("Normal", "BackOff", KUBELET.backOffPull(image));
      ev("Warning", "Failed", KUBELET.error("ImagePullBackOff"));
    }
  }

  /** Runs a container for its whole life in the pod: image, env, start, restarts with back-off. */
  private async supervise(r: ContainerRun): Promise<"succeeded" | "failed" | "stopped"> {
    let pullBackoff = 0;
    for (;;) {
      if (this.stopped) return "stopped";
      const img = resolveImage(r.spec.image ?? "", await this.s.mappings());
      if (!img) {
        const first = pullBackoff === 0;
        pullBackoff = first ? PULL_BACKOFF_START_MS : Math.min(pullBackoff * 2, PULL_BACKOFF_MAX_MS);
        const msg = unmappedMessage(r.spec.image ?? "");
        r.state = first ? { kind: "waiting", reason: "ErrImagePull", message: msg } : { kind: "waiting", reason: "ImagePullBackOff", message: `Back-off pulling image "${r.spec.image ?? ""}": ${msg}` };
        this.markDirty();
        this.imagePullEvents(r, first, msg);
        // ErrImagePull shows briefly, then ImagePullBackOff until the next attempt (or a new mapping).
        await this.sleep(first ? 1000 : pullBackoff, true);
        continue;
      }
      pullBackoff = 0;
      void this.events.container(r.spec.name, r.kind, "Normal", "Pulled", this.events.text.pulled(r.spec.image ?? ""));
      let resolved: ReturnType<typeof resolveEnv>;
      try {
        resolved = resolveEnv(this.pod, r.spec, await this.lookup(), await this.serviceEnv());
      } catch (err) {
        if (!(err instanceof ContainerConfigError)) throw err;
        r.state = { kind: "waiting", reason: "CreateContainerConfigError", message: err.message };
        this.markDirty();
        void this.events.container(r.spec.name, r.kind, "Warning", "Failed", KUBELET.error(err.message));
        await this.sleep(VOLUME_RETRY_MS, true);
        continue;
      }
      let term: Terminated;
      try {
        term = await this.startOnce(r, img, resolved.env, resolved.command, resolved.args);
      } catch (err) {
        if (!(err instanceof ContainerConfigError)) throw err;
        r.state = { kind: "waiting", reason: "CreateContainerConfigError", message: err.message };
        this.markDirty();
        void this.events.container(r.spec.name, r.kind, "Warning", "Failed", KUBELET.error(err.message));
        await this.sleep(VOLUME_RETRY_MS, true);
        continue;
      }
      r.state = term;
      this.markDirty();
      if (term.reason === "StartError") void this.events.container(r.spec.name, r.kind, "Warning", "Failed", KUBELET.error(term.message ?? "StartError"));
      if (this.stopped) return "stopped";
      const policy = r.kind === "sidecar" ? "Always" : this.pod.spec.restartPolicy ?? "Always";
      const ok = term.exitCode === 0;
      if (r.kind === "init" && ok) return "succeeded";
      if (r.kind === "init" && policy === "Never") return "failed";
      if (r.kind === "regular" && (policy === "Never" || (policy === "OnFailure" && ok))) return ok ? "succeeded" : "failed";
      // Restart, with CrashLoopBackOff.
      if (Date.now() - r.lastStartReal >= RUN_RESET_MS) r.backoffMs = undefined;
      r.backoffMs = nextBackoff(r.backoffMs);
      r.lastState = term;
      if (r.backoffMs > 0) {
        r.state = {
          kind: "waiting",
          reason: "CrashLoopBackOff",
          message: `back-off ${goDuration(r.backoffMs)} restarting failed container=${r.spec.name} pod=${this.name}_${this.namespace}(${this.uid})`,
        };
        this.markDirty();
        void this.events.container(r.spec.name, r.kind, "Warning", "BackOff", KUBELET.backOff(r.spec.name, this.name, this.namespace, this.uid));
        await this.sleep(r.backoffMs, false);
      }
    }
  }

  /** The pod's life on this node. */
  run(): Promise<void> {
    this.done ??= this.runInner().catch((err: unknown) => this.s.kube.ctx.log.warn(`kubelet: pod ${this.namespace}/${this.name}: ${(err as Error).stack ?? String(err)}`));
    return this.done;
  }

  private async runInner(): Promise<void> {
    this.startTime ??= this.now;
    await this.events.init();
    const unscheduled = !this.pod.spec.nodeName;
    // Scheduled onto the node first (nodeName, Pending, PodScheduled), as a watcher sees it happen in a cluster.
    this.markDirty();
    await this.settle();
    if (this.fresh && unscheduled) void this.events.scheduled(NODE_NAME);
    if (this.fresh) await this.events.workloadIdentity();
    // Volumes (and the pod's service-account tokens) first: the containers wait until they can be set up.
    for (;;) {
      if (this.stopped) return;
      try {
        await this.syncVolumes();
        break;
      } catch (err) {
        if (!(err instanceof MountError)) throw err;
        void this.events.podEvent("Warning", "FailedMount", KUBELET.failedMount(err.volume ?? "", err.message));
        await this.sleep(VOLUME_RETRY_MS, true);
      }
    }
    this.sandboxReady = true;
    this.markDirty();
    const init = this.runs.filter((r) => r.kind !== "regular");
    const sidecars: Promise<unknown>[] = [];
    for (const r of init) {
      if (r.kind === "sidecar") {
        sidecars.push(this.supervise(r));
        while (!this.stopped && r.state.kind !== "running") await this.sleep(50, false);
        continue;
      }
      const res = await this.supervise(r);
      if (res !== "succeeded") {
        if (res === "failed") {
          this.terminalPhase = "Failed";
          for (const c of this.runs.filter((x) => x.kind === "regular")) c.state = { kind: "waiting", reason: "PodInitializing" };
          this.markDirty();
          await this.stopSidecars();
        }
        return;
      }
      this.markDirty();
    }
    const regular = this.runs.filter((r) => r.kind === "regular");
    for (const r of regular) if (r.state.kind === "waiting" && r.state.reason === "PodInitializing") r.state = { kind: "waiting", reason: "ContainerCreating" };
    await Promise.all(regular.map((r) => this.supervise(r)));
    if (this.stopped) return;
    // Every regular container has finished for good: sidecars stop, the pod is terminal.
    await this.stopSidecars();
    this.markDirty();
    await this.settle();
  }

  private async stopSidecars(): Promise<void> {
    const side = this.runs.filter((r) => r.kind === "sidecar");
    await Promise.all(side.map((r) => this.killRun(r, 30_000, true)));
  }

  private async killRun(r: ContainerRun, graceMs: number, record: boolean): Promise<void> {
    const p = r.proc;
    if (!p) return;
    if (record) void this.events.container(r.spec.name, r.kind, "Normal", "Killing", KUBELET.killing(r.spec.name));
    const exited = new Promise<void>((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) resolve();
      else p.once("close", () => resolve());
    });
    signalContainer(p, "SIGTERM");
    const t = setTimeout(() => signalContainer(p, "SIGKILL"), graceMs);
    this.killTimers.add(t);
    await exited;
    clearTimeout(t);
    this.killTimers.delete(t);
  }

  /**
   * Stops every container: SIGTERM, SIGKILL after the grace period. A second call with a shorter grace
   * period (the lab stopping during a pod's graceful deletion) brings the SIGKILL forward. `recordEvents`: the pod is
   * being deleted (the kubelet's `Killing` events), not the lab stopping.
   */
  async stop(graceMs: number, writeStatus: boolean, recordEvents = false): Promise<void> {
    if (this.stopping) {
      const t = setTimeout(() => {
        for (const r of this.runs) if (r.proc) signalContainer(r.proc, "SIGKILL");
      }, graceMs);
      await this.stopping;
      clearTimeout(t);
      return;
    }
    this.stopped = true;
    this.stopping = (async () => {
      for (const e of [...this.sleepers]) e.wake();
      for (const p of this.execs) signalContainer(p, "SIGKILL");
      await Promise.all(this.runs.map((r) => this.killRun(r, graceMs, recordEvents)));
      await this.done;
      for (const rel of this.releases.splice(0)) rel();
      if (writeStatus) {
        this.dirty = true;
        await this.settle();
      } else if (this.flushTimer) {
        clearTimeout(this.flushTimer);
        this.flushTimer = undefined;
        await this.flushing.catch(() => undefined);
      }
      await this.events.flush();
    })();
    await this.stopping;
  }

  /** The grace period of a deletion: `deletionGracePeriodSeconds`, else `terminationGracePeriodSeconds`, else 30 s. */
  graceMs(): number {
    const md = this.pod.metadata as { deletionGracePeriodSeconds?: number };
    const s = md.deletionGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, s) * 1000;
  }

  /** A container that runs now (exec and attach reach only those), or the kubelet's error for one that does not. */
  private running(container: string): ContainerRun | string {
    const r = this.runs.find((x) => x.spec.name === container);
    if (!r || !r.proc || !r.spawned || r.state.kind !== "running") return `container not found (${JSON.stringify(container)})`;
    return r;
  }

  containerError(container: string): string | undefined {
    const r = this.running(container);
    return typeof r === "string" ? r : undefined;
  }

  /** Starts a command in a running container's view, as the pod's user (`kubectl exec`). */
  exec(o: PodExecOptions): ExecProcess | string {
    const r = this.running(o.container);
    if (typeof r === "string") return r;
    const p = spawnExec({ view: r.spawned!, argv: o.command, tty: o.tty, size: o.size, user: runAsUser(this.pod, r.spec) });
    this.execs.add(p);
    p.on("close", () => this.execs.delete(p));
    return { proc: p, resize: (w, h) => (o.tty && p.pid ? resizeTerminal(p.pid, w, h) : Promise.resolve(false)) };
  }

  /** A running container's own process (`kubectl attach`): its stdin only when the container keeps one open. */
  attach(container: string): ChildProcess | string {
    const r = this.running(container);
    return typeof r === "string" ? r : r.proc!;
  }

  /** Processes still running (tests, diagnostics). */
  pids(): number[] {
    return this.runs.map((r) => r.proc?.pid).filter((p): p is number => p !== undefined);
  }
}

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { mkdirSync, writeFileSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { EtcHosts, ETC_HOSTS_TOPIC, Faults, LabCa, LabClock, LabLog, Random, installBodyParsers, answerBadUrl, hostOf, sendJson, loadJose, type LogFormat, type LogLevel } from "../platform/index.js";
import { issuerTrustAnchors } from "../platform/trustAnchors.js";
import { installRequestLog, labClientErrorHandler, logFaultChanges, routeUpgrades, trackRequestStarts, type FaultSpec } from "../platform/index.js";
import { SqliteStore, openStore, type Store } from "../store/index.js";
import { entraFace, federatedTrust, loadStsKeys, OidcKeySource, TokenEndpoint, TokenService } from "../entra/index.js";
import { armFace } from "../arm/face.js";
import { armRoutes, armPublicRoutes } from "../arm/index.js";
import { keyVaultFace, Vaults } from "../keyvault/index.js";
import { Clusters, clusterApi, createKubeContext, kubeFace, prewarmKubelet, startControllers, startKubelet, transparentIssuerHost, type KubeContext } from "../kube/index.js";
import { graphFace } from "../graph/index.js";
import { diagnoseRoutes, DiagnosticRecords } from "../diagnose/index.js";
import { bootstrapLab } from "./bootstrap.js";
import { labAdminRoutes } from "./adminRoutes.js";
import { labFaultRoutes } from "./faultRoutes.js";
import { isDenial, labAdminCaller } from "./adminAuth.js";
import { doctorDeps, doctorRoutes } from "../diagnose/doctor/index.js";
import { portalFace } from "../portal/index.js";
import { selfManagedIssuerRoutes } from "../issuers/routes.js";
import { Hosts, TRANSPARENT_HOSTS, vaultNameFromHost, type HostMode, type LabContext, type LabLogger } from "./context.js";
import type { LabRecord } from "./LabRecord.js";
import { lockDataDir, type DataDirLock } from "../platform/dataDirLock.js";
import type { StaleUrlWarning } from "../diagnose/modeSwitch.js";
import { checkModeSwitch } from "./modeSwitch.js";
import { shareClock, shareFaults, sharedCa } from "./sharedState.js";
import { alsoOnLoopback } from "./listen.js";

export interface StartLabOptions {
  /** Port to listen on; 0 picks a free one. Default 0 (8443 for `wilab up`, 443 in transparent mode). */
  port?: number;
  /** Data directory (state, CA, keys). Default `$WILAB_HOME`, else `~/.wilab`. */
  dataDir?: string;
  /** Keep all lab state in memory (the CA still lives in `caDir`/`dataDir`, made there once). */
  memory?: boolean;
  /** Keep the lab's state in this PostgreSQL database, `postgres://user[:password]@host:port/db`, instead of SQLite. */
  store?: string;
  /**
   * The address to listen on (default `127.0.0.1`): `0.0.0.0`, `::` or one of this machine's addresses lets other
   * machines use the lab (every face stays authenticated). A specific address is added to the certificate's names.
   */
  listen?: string;
  /** Ports a balancer in front of replicas answers on (local mode): ARM and Key Vault accept tokens for `https://localhost:<port>` and `https://vault.localhost:<port>` of each. */
  publicPorts?: number[];
  /** More names (DNS names or IP addresses) for the lab's default certificate, e.g. the name remote clients use. */
  hostnames?: string[];
  /** Answer the real Azure host names on 443 (root). */
  transparent?: boolean;
  /** A directory holding `ca.crt`/`ca.key` to use instead of the data dir's. */
  caDir?: string;
  tenantId?: string;
  subscriptionId?: string;
  /** Entra's propagation delay for new federated credentials, ms (default 0). */
  ficPropagationMs?: number;
  /** RBAC propagation delay for new role assignments, ms (default 0). */
  rbacPropagationMs?: number;
  /** Manage the `/etc/hosts` block (default: when the file is writable). */
  manageHosts?: boolean;
  hostsFile?: string;
  /** Write `endpoints.json` into the data dir for the CLI (default: when not in memory; `wilab up` always). */
  recordEndpoints?: boolean;
  /** Seed for ids and secrets (tests). */
  seed?: string;
  logger?: LabLogger;
  /** The lab log's level (default `info`; nothing is printed unless `logWrite` or `wilab up` gives a sink). */
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  /** Where lab log lines go (default: nowhere, for embedders and tests; `wilab up` prints them to stderr). */
  logWrite?: (line: string) => void;
  /** Faults in force from the start (`lab.faults` adds and clears them later; `wilab fault …` over `/_wilab/faults`). */
  faults?: FaultSpec[];
  /** Kubeconfig files to check for API server URLs of this lab's clusters from another mode or port (`wilab up`: $KUBECONFIG or ~/.kube/config). */
  kubeconfigFiles?: string[];
  /**
   * PEM files of CA certificates trusted for federated issuers' HTTPS (discovery and JWKS), besides the public
   * roots, the lab CA and the file NODE_EXTRA_CA_CERTS names (`wilab up --trust-ca FILE`, repeatable).
   */
  trustCa?: string[];
}

/** What a running lab tells its user: endpoints, CA, tenant and the admin's credentials. */
export interface LabInfo {
  url: string;
  port: number;
  mode: HostMode;
  authorityHost: string;
  armEndpoint: string;
  /** Microsoft Graph's endpoint (`https://graph.microsoft.com` in transparent mode, the lab's origin in local mode). */
  graphEndpoint: string;
  tenantId: string;
  subscriptionId: string;
  caCertPath: string;
  caCert: string;
  /** The address the lab listens on. */
  listen: string;
  /** The names the default certificate covers (clients that send no server name get it); other names get a leaf of their own by SNI. */
  certificateNames: string[];
  dataDir?: string;
  admin: { clientId: string; clientSecret: string; userPrincipalName: string; password: string; objectId: string; userObjectId: string };
  store: string;
}

export interface Lab extends LabInfo {
  /** The https URL of a vault's data plane, as ARM reports it in `vaultUri`. */
  vaultUrl(name: string): string;
  /** Lines a user must add to /etc/hosts when the lab could not (local mode, non-root). */
  hostsLinesNeeded(): string[];
  readonly ctx: LabContext;
  readonly kube: KubeContext;
  /** The faults in force: add, list, clear (each change is a lab-log line). */
  readonly faults: Faults;
  /** Federated credentials and kubeconfig entries still naming a cluster URL from another host mode or port. */
  readonly modeSwitchWarnings: StaleUrlWarning[];
  stop(): Promise<void>;
}

export function defaultDataDir(): string {
  return process.env.WILAB_HOME || join(homedir(), ".wilab");
}

const noValidator = () => () => () => true;
const plainSerializer = () => () => (data: unknown) => JSON.stringify(data);

const quietLogger: LabLogger = { info: () => undefined, warn: (m) => process.stderr.write(`wilab: ${m}\n`) };

/**
 * Starts a lab in this process. A lab that keeps state in the data dir or records its endpoints there holds the
 * data dir's lock (`lab.lock`) while it runs: a second one on the same data dir is refused (DataDirLockedError).
 */
export async function startLab(o: StartLabOptions = {}): Promise<Lab> {
  const memory = !!o.memory;
  const lock: DataDirLock | undefined = !memory || (o.recordEndpoints ?? !memory) ? lockDataDir(o.dataDir ?? defaultDataDir()) : undefined;
  try {
    const lab = await startLabUnlocked(o);
    if (!lock) return lab;
    const stop = lab.stop.bind(lab);
    return Object.assign(lab, { stop: () => stop().finally(() => lock.release()) });
  } catch (err) {
    lock?.release();
    throw err;
  }
}

/** The lab's context: its configuration, hosts, clock, randomness, store, CA, lab log, faults (those of `o` in force) and records. */
/** The context the lab wires: a face's LabContext, whose records are the lab's own recorder (which it closes). */
type WiredContext = LabContext & { records: DiagnosticRecords };

function createLabContext(
  o: StartLabOptions,
  p: { mode: HostMode; wantPort: number; lab0: LabRecord; hosts: Hosts; clock: LabClock; random: Random; store: Store; ca: LabCa; etcHosts: EtcHosts | undefined; log: LabLogger },
): WiredContext {
  const { clock, log } = p;
  const ctx: WiredContext = {
    config: {
      tenantId: p.lab0.tenantId,
      subscriptionId: p.lab0.subscriptionId,
      mode: p.mode,
      port: p.wantPort,
      nodeAddress: o.listen && !["0.0.0.0", "::", ""].includes(o.listen) ? o.listen : "127.0.0.1",
      ficPropagationMs: o.ficPropagationMs ?? 0,
      rbacPropagationMs: o.rbacPropagationMs ?? 0,
      location: "westeurope",
    },
    hosts: p.hosts,
    clock,
    random: p.random,
    store: p.store,
    ca: p.ca,
    etcHosts: p.etcHosts,
    log,
    labLog: new LabLog({ level: o.logLevel ?? "info", format: o.logFormat ?? "text", write: o.logWrite ?? (() => undefined), now: () => clock.now() }),
    faults: new Faults(() => clock.now()),
    records: new DiagnosticRecords(p.store, { now: () => clock.now(), onError: (err) => log.warn(`could not record sign-ins/audit events: ${err.message}`) }),
  };
  logFaultChanges(ctx.faults, ctx.labLog);
  return ctx;
}

/** Fastify's options for the lab's one HTTPS listener. */
function listenerOptions(https: unknown): Parameters<typeof Fastify>[0] {
  const options = {
    https,
    bodyLimit: 4 * 1024 * 1024,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 2048 },
    return503OnClosing: true,
    frameworkErrors: answerBadUrl, // a URL the router cannot decode: the service's front end answers, not a face
    // A request head the parser refuses (over 16 KB) is answered as the service it was for answers it.
    clientErrorHandler: labClientErrorHandler,
    forceCloseConnections: true,
    logger: false,
    // Handlers validate their own input (each face renders its own error envelope), so Fastify's
    // schema compilers (ajv, fast-json-stringify) are never needed: skipping them saves ~70 ms of start-up.
    schemaController: { compilersFactory: { buildValidator: noValidator, buildSerializer: plainSerializer } },
  };
  return options as unknown as Parameters<typeof Fastify>[0];
}

/** Every face and the lab's own routes on the one listener, and the 404 for what none of them answers. */
async function registerFaces(
  app: FastifyInstance,
  p: { ctx: LabContext; tokens: TokenService; endpoint: TokenEndpoint; kube: KubeContext; lab: () => LabRecord },
): Promise<void> {
  const { ctx, tokens, endpoint, kube, lab } = p;
  await app.register(async (f) => keyVaultFace(f, { ctx, tokens, lab }));
  await app.register(async (f) => entraFace(f, { ctx, endpoint, tokens, lab }));
  await app.register(async (f) => kubeFace(f, kube));
  await app.register(async (f) => labAdminRoutes(f, { ctx, kube, tokens, startedAt: Date.now() }));
  await app.register(async (f) => labFaultRoutes(f, { ctx, kube, tokens }));
  await app.register(async (f) => graphFace(f, { ctx, tokens, admins: () => [lab().adminUser.objectId, lab().adminApp.objectId] }));
  // One `/_wilab` caller check (an ARM token of the lab's tenant) for the diagnostics routes.
  const authenticate = async (req: FastifyRequest) => {
    const c = await labAdminCaller(ctx, tokens, req);
    return isDenial(c) ? c : undefined;
  };
  await app.register(async (f) => diagnoseRoutes(f, { ctx, authenticate }));
  await app.register(async (f) => selfManagedIssuerRoutes(f, { ctx, authenticate }));
  await app.register(async (f) => doctorRoutes(f, { doctor: doctorDeps(ctx, kube), authenticate }));
  await app.register(async (f) => portalFace(f, { ctx, doctor: doctorDeps(ctx, kube) }));
  await app.register(async (f) => armPublicRoutes(f, { ctx, lab }));
  await app.register(async (f) => armFace(f, { ctx, tokens, lab, routes: armRoutes(ctx, clusterApi(kube)) }));

  const notFound = (req: FastifyRequest, reply: FastifyReply) => {
    if (vaultNameFromHost(hostOf(req))) {
      return sendJson(reply, 404, { error: { code: "NotFound", message: "The requested resource was not found." } });
    }
    return sendJson(reply, 404, { error: { code: "NotFound", message: `The requested resource path '${req.url.split("?")[0]}' was not found.` } });
  };
  app.setNotFoundHandler(notFound);
  // A body no parser takes (malformed JSON, too large) on a path no face answers: the path decides, a 404 as above
  // (it was Fastify's 500). Errors of the lab's own routes go on to Fastify's handler, as before.
  app.setErrorHandler((err, req, reply) => {
    if (req.is404) return notFound(req, reply);
    throw err;
  });
}

/** What the running lab tells its user (and `endpoints.json` records). */
function labInfo(p: {
  hosts: Hosts;
  port: number;
  mode: HostMode;
  lab0: LabRecord;
  caCertPath: string;
  ca: LabCa;
  dataDir: string | undefined;
  store: Store;
  listen: string;
  certificateNames: string[];
}): LabInfo {
  const { hosts, lab0 } = p;
  return {
    url: hosts.localOrigin,
    port: p.port,
    mode: p.mode,
    authorityHost: hosts.loginOrigin,
    armEndpoint: hosts.armOrigin,
    graphEndpoint: hosts.graphOrigin,
    tenantId: lab0.tenantId,
    subscriptionId: lab0.subscriptionId,
    caCertPath: p.caCertPath,
    caCert: p.ca.certPem,
    listen: p.listen,
    certificateNames: p.certificateNames,
    dataDir: p.dataDir,
    admin: {
      clientId: lab0.adminApp.appId,
      clientSecret: lab0.adminApp.clientSecret,
      userPrincipalName: lab0.adminUser.userPrincipalName,
      password: lab0.adminUser.password,
      objectId: lab0.adminApp.objectId,
      userObjectId: lab0.adminUser.objectId,
    },
    store: p.store.description,
  };
}

/** The lab's shutdown, once: controllers, kubelet, listener, the hosts block, records, store, `endpoints.json`. */
function shutdown(p: {
  controllers: { stop(): Promise<void> };
  kubelet: { stop(): Promise<void> };
  kube: KubeContext;
  app: FastifyInstance;
  etcHosts: EtcHosts | undefined;
  ctx: WiredContext;
  store: Store;
  endpointsFile: string | undefined;
}): () => Promise<void> {
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    await p.controllers.stop();
    await p.kubelet.stop();
    p.kube.storage.close();
    await p.app.close();
    if (p.etcHosts) p.etcHosts.clear();
    await p.ctx.records.close();
    await p.store.close();
    if (p.endpointsFile) rmSync(p.endpointsFile, { force: true });
  };
}

/** The names remote clients reach the lab by: a specific listen address and the `--hostname`s, normalized. */
function remoteNames(listen: string, hostnames: string[]): string[] {
  const wildcard = listen === "0.0.0.0" || listen === "::" || listen === "";
  return [...(wildcard ? [] : [listen]), ...hostnames].map((n) => {
    const name = n.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
    if (!/^[a-z0-9.:*-]+$/.test(name)) throw new RangeError(`--hostname '${n}' is not a DNS name or an IP address`);
    return name;
  });
}

/** The default certificate's names: loopback, the Azure hosts in transparent mode, a specific listen address and `--hostname`s. */
function certificateNames(mode: HostMode, remote: string[]): string[] {
  const names = ["localhost", "127.0.0.1", "::1", ...(mode === "transparent" ? [TRANSPARENT_HOSTS.login, TRANSPARENT_HOSTS.arm, TRANSPARENT_HOSTS.graph] : [])];
  for (const name of remote) if (!names.includes(name)) names.push(name);
  return names;
}

/** The host names /etc/hosts must point at the lab: transparent mode's Azure hosts, each vault's, each cluster issuer's. */
async function hostNamesToResolve(store: Store, hosts: Hosts, mode: HostMode): Promise<{ vaultNames: string[]; all: string[] }> {
  const vaultNames = (await store.read((tx) => Vaults.all(tx))).map((v) => hosts.vaultHostname(v.name));
  if (mode !== "transparent") return { vaultNames, all: vaultNames };
  const issuerHosts = (await store.read((tx) => Clusters.all(tx))).filter((c) => c.oidcIssuerEnabled).map(transparentIssuerHost);
  return { vaultNames, all: [TRANSPARENT_HOSTS.login, TRANSPARENT_HOSTS.arm, TRANSPARENT_HOSTS.graph, ...vaultNames, ...issuerHosts] };
}

/**
 * Replicas on one database: the host names another replica published (a vault made through it) are added to this
 * replica's /etc/hosts block too, so that they still resolve when that replica is gone (its block is then stale and
 * removed by the next lab that starts). On `"*"` (notifications possibly missed) every name is read again.
 */
function followHostNames(store: Store, all: () => Promise<{ all: string[] }>, etc: EtcHosts): void {
  const add = (names: string[]) => {
    try {
      etc.add(names);
    } catch {
      // /etc/hosts not writable right now: the names are added again with the next one, or at the next start
    }
  };
  store.subscribe(ETC_HOSTS_TOPIC, (name) => {
    if (name !== "*") return add([name]);
    void all()
      .then((n) => add(n.all))
      .catch(() => undefined);
  });
}

/** `wilab up` records where it listens, so that the CLI and `wilab env` find it (even a --memory lab). */
function writeEndpoints(dataDir: string, info: object): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dataDir, "endpoints.json"), JSON.stringify({ ...info, dataDir, pid: process.pid }, null, 2), { mode: 0o600 });
}

async function startLabUnlocked(o: StartLabOptions): Promise<Lab> {
  const mode: HostMode = o.transparent ? "transparent" : "local";
  const dataDir = o.dataDir ?? defaultDataDir();
  const memory = !!o.memory;
  const log = o.logger ?? quietLogger;
  prewarmKubelet(); // the mount probe runs while the keys load and the routes register

  const caDir = o.caDir ?? dataDir;
  // The CA is the installation's, not the lab's state: even a --memory lab keeps it in the data dir,
  // so that clients configured once (NODE_EXTRA_CA_CERTS) keep trusting every lab.
  if (!memory) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const store: Store = o.store ? await openStore(o.store) : new SqliteStore(memory ? ":memory:" : join(dataDir, "lab.db"));
  // Replicas on one database (PostgreSQL) share the CA and its leaves through it; otherwise they are files in the CA dir.
  const { ca, caCertPath } = o.store ? await sharedCa(store, caDir, true) : { ca: await LabCa.loadOrCreate(caDir), caCertPath: join(caDir, "ca.crt") };
  const random = new Random(o.seed);
  const clock = new LabClock();
  const lab0 = await bootstrapLab({ store, random, clock }, { tenantId: o.tenantId, subscriptionId: o.subscriptionId });
  clock.set(lab0.clockOffsetMs);
  let labRecord: LabRecord = lab0;
  shareClock(store, clock, { get: () => labRecord, set: (r) => (labRecord = r) });

  const wantPort = o.port ?? (o.transparent ? 443 : 0);
  const listenHost = o.listen ?? "127.0.0.1";
  const remote = remoteNames(listenHost, o.hostnames ?? []);
  const hosts = new Hosts(mode, wantPort, o.publicPorts ?? [], remote);
  const etc = new EtcHosts(o.hostsFile ?? "/etc/hosts");
  const manageHosts = o.manageHosts ?? etc.writable();
  const ctx = createLabContext(o, { mode, wantPort, lab0, hosts, clock, random, store, ca, etcHosts: manageHosts ? etc : undefined, log });
  if (o.store) await shareFaults(store, ctx.faults, random);
  for (const f of o.faults ?? []) ctx.faults.add(f);

  const stsKeys = await loadStsKeys(ctx);
  const tokens = new TokenService(ctx, stsKeys);
  const keySource = new OidcKeySource([ca.certPem, ...issuerTrustAnchors(o.trustCa ?? [])], () => clock.now(), { faults: ctx.faults });
  const endpoint = new TokenEndpoint({ ctx, tokens, keys: keySource, lab: () => labRecord });

  const defaultNames = certificateNames(mode, remote);
  const app = Fastify(listenerOptions(await ca.serverOptions(defaultNames))) as unknown as FastifyInstance;
  installBodyParsers(app);
  installRequestLog(app, ctx.labLog);
  routeUpgrades(app);
  trackRequestStarts(app.server);
  const kube = createKubeContext(ctx);
  kube.federatedTrust = (claims, clientId) => federatedTrust(store, claims, clientId);
  await registerFaces(app, { ctx, tokens, endpoint, kube, lab: () => labRecord });

  if (manageHosts) etc.removeStale();
  await app.listen({ port: wantPort, host: listenHost });
  void loadJose(); // warm the JWT library off the start-up path
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : wantPort;
  hosts.port = port;
  ctx.config.port = port;
  await alsoOnLoopback(app, listenHost, port);

  const kubelet = await startKubelet(kube, { dataDir: memory ? undefined : dataDir });
  const controllers = await startControllers(kube);
  const { vaultNames, all } = await hostNamesToResolve(store, hosts, mode);
  if (manageHosts) etc.add(all);
  if (manageHosts && store.shared) followHostNames(store, () => hostNamesToResolve(store, hosts, mode), etc);

  const info = labInfo({ hosts, port, mode, lab0, caCertPath, ca, listen: listenHost, certificateNames: defaultNames, dataDir: memory ? undefined : dataDir, store });
  const recordEndpoints = o.recordEndpoints ?? !memory;
  if (recordEndpoints) writeEndpoints(dataDir, info);

  const modeSwitchWarnings = await checkModeSwitch(kube, o.kubeconfigFiles ?? []);
  return {
    ...info,
    ctx,
    kube,
    faults: ctx.faults,
    modeSwitchWarnings,
    vaultUrl: (name: string) => hosts.vaultUri(name),
    hostsLinesNeeded: () => (manageHosts ? [] : etc.linesFor(vaultNames)),
    stop: shutdown({ controllers, kubelet, kube, app, etcHosts: manageHosts ? etc : undefined, ctx, store, endpointsFile: recordEndpoints ? join(dataDir, "endpoints.json") : undefined }),
  };
}

import type { LabCa } from "./tls.js";
import type { LabClock } from "./clock.js";
import type { Random } from "./random.js";
import type { EtcHosts } from "./etcHosts.js";
import type { LabLog } from "./labLog.js";
import type { Faults } from "./faults.js";
import type { Hosts, HostMode } from "./hosts.js";
import type { Store } from "../store/index.js";
import type { AuditEventRecord, SignInRecord } from "../diagnose/records.js";

/**
 * What every face shares, handed to it by the lab that wires them: config, hosts, clock, randomness, store, CA,
 * logs, faults and the sink of diagnostic records. Faces import it from here, never from src/lab.
 */

export interface LabConfig {
  tenantId: string;
  subscriptionId: string;
  mode: HostMode;
  /** The port the listener is bound to. */
  port: number;
  /**
   * The address other replicas on the same database reach this process at (with `port`): the `--listen` address
   * when it is a specific one, else 127.0.0.1.
   */
  nodeAddress: string;
  /** How long a new federated identity credential is not yet usable (Entra's propagation), ms. */
  ficPropagationMs: number;
  /** How long a new role assignment is not yet effective (RBAC propagation), ms. */
  rbacPropagationMs: number;
  /** Default Azure location for lab-made resources. */
  location: string;
}

export interface LabLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

/**
 * Where faces hand sign-in records and audit events; implemented by diagnose's DiagnosticRecords (declared here so
 * that platform depends only on the record shapes, a leaf module, not on diagnose's recorder).
 */
export interface DiagnosticSink {
  addSignIn(r: SignInRecord): void;
  addAuditEvent(vault: string, r: AuditEventRecord): void;
  /** Resolves when every record handed over so far is committed. */
  flush(): Promise<void>;
}

/** Everything a face needs from the lab. */
export interface LabContext {
  config: LabConfig;
  hosts: Hosts;
  clock: LabClock;
  random: Random;
  store: Store;
  ca: LabCa;
  etcHosts?: EtcHosts;
  log: LabLogger;
  /** The lab's request log (failures, tokens issued, faults): `wilab up --log-level/--log-format`. */
  labLog: LabLog;
  /** Injected faults every face consults. */
  faults: Faults;
  /** Where faces hand sign-in records and audit events (committed in groups; readers `flush()` first). */
  records: DiagnosticSink;
}

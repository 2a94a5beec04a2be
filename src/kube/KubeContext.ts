import type { ChildProcess } from "node:child_process";
import type { Readable } from "node:stream";
import type { LabContext } from "../platform/index.js";
import type { ClusterRecord } from "./Cluster.js";
import type { KubeStorage } from "./KubeStorage.js";
import type { ServiceAccountIssuer } from "./issuer/ServiceAccountIssuer.js";
import type { FederatedTrustAnswer, PresentedClaims } from "../diagnose/index.js";

export type { FederatedTrustAnswer };

export interface PodLogOptions {
  container?: string;
  follow?: boolean;
  previous?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
}

/** Where `pods/log` reads from: the kubelet's captured container output. */
export interface PodLogSource {
  /** A stream of the container's log; `undefined` when the container has not started (kube-apiserver answers 400). */
  logs(clusterId: string, namespace: string, pod: string, o: PodLogOptions): Promise<Readable | undefined>;
}

/** A command to start in a running container (`pods/exec`). */
export interface PodExecOptions {
  container: string;
  command: string[];
  tty: boolean;
  /** The terminal's size when the client sent it before the command starts. */
  size?: { width: number; height: number };
}

/** A command started by exec: its process, and how to resize its terminal (false while there is none yet). */
export interface ExecProcess {
  proc: ChildProcess;
  resize(width: number, height: number): Promise<boolean>;
}

/** Where `pods/exec` and `pods/attach` reach a container's processes: the kubelet. */
export interface PodProcessSource {
  /** The kubelet's error text when the container does not run here (`container not found ("c")`), else undefined. */
  containerError(clusterId: string, namespace: string, pod: string, container: string): string | undefined;
  /** Whether the pod runs on the node (its uid then), for port forwarding. */
  podUid(clusterId: string, namespace: string, pod: string): string | undefined;
  /** The started command, or the kubelet's error text when the container does not run (`container not found ("c")`). */
  exec(clusterId: string, namespace: string, pod: string, o: PodExecOptions): ExecProcess | string;
  /** The container's own process, or the kubelet's error text. */
  attach(clusterId: string, namespace: string, pod: string, container: string): ChildProcess | string;
}

/** Everything the Kubernetes side of the lab shares: the lab, the object store, issuers and the kubelet's logs. */
export interface KubeContext {
  ctx: LabContext;
  storage: KubeStorage;
  issuer: ServiceAccountIssuer;
  /** The cluster a URL's cluster id names, if it exists. */
  cluster(clusterId: string): Promise<ClusterRecord | undefined>;
  /** The issuer URL of a cluster in the lab's current host mode (ends in `/`). */
  issuerUrl(c: ClusterRecord): string;
  /** The Kubernetes API server URL of a cluster (`https://localhost:<port>/k8s/<clusterId>`). */
  apiServerUrl(c: ClusterRecord): string;
  /** Set once the kubelet runs. */
  podLogs?: PodLogSource;
  /** Set once the kubelet runs. */
  podProcesses?: PodProcessSource;
  /**
   * Replicas on one database: where the kubelet of a cluster runs when that is another replica (`host:port`), for
   * the requests the API server hands to a kubelet. Unset with one process; undefined when it runs here.
   */
  kubeletElsewhere?: (clusterId: string) => Promise<string | undefined>;
  /**
   * Which federated credential of the tenant trusts these claims (the lab wires Entra's directory here; the kube
   * side never reads it directly). Absent: wilab's `WorkloadIdentityNoFederatedCredential` warning is not given.
   */
  federatedTrust?: (claims: PresentedClaims, clientId?: string) => Promise<FederatedTrustAnswer>;
  /** Called after a cluster has been deleted (components drop what they hold for it). */
  readonly clusterDeleted: Set<(clusterId: string) => void>;
}

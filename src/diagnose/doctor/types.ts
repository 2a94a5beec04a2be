/**
 * The doctor's shapes: a snapshot of the objects one trust chain involves (plain JSON, read from the store by
 * snapshot.ts), and the result of each pure check over it. The CLI, the `/_wilab/doctor` API, a portal and the
 * tests share them.
 */
import type { KubeObject } from "../../kube/index.js";
import type { FederatedIdentityCredentialRecord } from "../../entra/index.js";
import type { RoleAssignmentRecord } from "../../rbac/index.js";
import type { VaultRecord } from "../../keyvault/index.js";
import type { UserAssignedIdentityRecord } from "../../arm/managedidentity/index.js";
import type { WebhookConfig } from "../../webhook/index.js";
import type { AuditEventRecord, SignInRecord } from "../records.js";

export type CheckStatus = "pass" | "fail" | "warn" | "skip";

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  /** What was found, naming the values that differ. */
  detail: string;
  expected?: string;
  actual?: string;
  /** The exact az or kubectl command that fixes it. */
  fix?: string;
}

export interface DoctorReport {
  /** What was diagnosed: `pod default/quick-start in cluster arc1`. */
  target: string;
  /** True when no check failed (the CLI exits 0). */
  ok: boolean;
  summary: { pass: number; fail: number; warn: number; skip: number };
  checks: CheckResult[];
}

/** A cluster as the doctor sees it. */
export interface ClusterView {
  name: string;
  resourceGroup: string;
  clusterId: string;
  /** The issuer the cluster publishes now (its discovery document's `issuer`, ends in `/`). */
  issuer: string;
  oidcIssuerEnabled: boolean;
  workloadIdentityEnabled: boolean;
}

/** The claims of a service-account token issued for the pod the way the kubelet asks for it (never the token itself). */
export interface TokenView {
  iss: string;
  sub: string;
  aud: string[];
  iat: number;
  exp: number;
  kid: string;
  /** The kids the cluster's JWKS publishes. */
  publishedKids: string[];
  /** The signature verified against the published keys with the published issuer. */
  verified: boolean;
}

/** An identity with its federated credentials. */
export interface IdentityView extends UserAssignedIdentityRecord {
  credentials: FederatedIdentityCredentialRecord[];
}

/** The propagation delays in force (configured, or a propagation fault's). */
export interface PropagationView {
  ficMs: number;
  rbacMs: number;
}

/** Where the vault the pod uses came from. */
export interface VaultRef {
  name: string;
  source: "KEYVAULT_URL" | "audit log" | "query";
  /** The secret the pod reads (SECRET_NAME), when known: a role at the secret's scope counts too. */
  secretName?: string;
}

export interface PodSnapshot {
  now: number;
  tenantId: string;
  subscriptionId: string;
  cluster: ClusterView;
  /** The config the cluster's webhook runs with (what mutatePod is called with). */
  webhookConfig: WebhookConfig;
  /** The MutatingWebhookConfiguration of azure-workload-identity is installed on the cluster. */
  webhookRegistered: boolean;
  pod: KubeObject;
  /** The pod's controllers, nearest first (ReplicaSet then Deployment, or Job), as far as they could be read. */
  owners: KubeObject[];
  serviceAccountName: string;
  serviceAccount?: KubeObject;
  token?: TokenView;
  /** Every user-assigned identity of the subscription, with its credentials. */
  identities: IdentityView[];
  /** Newest first. */
  signIns: SignInRecord[];
  vaultRef?: VaultRef;
  vault?: VaultRecord;
  /** True when the vault is soft-deleted (recoverable). */
  vaultDeleted?: boolean;
  roleAssignments: RoleAssignmentRecord[];
  /** Display names of principals that appear in role assignments, by object id (lower case). */
  principalNames: Record<string, string>;
  propagation: PropagationView;
  /** An injected issuer-unreachable fault that covers the cluster's issuer. */
  issuerFault?: { id: string };
}

export interface IdentitySnapshot {
  now: number;
  tenantId: string;
  identity?: IdentityView;
  query: { name: string; resourceGroup: string };
  clusters: ClusterView[];
  /** Service accounts (in any lab cluster) whose client-id annotation names this identity's clientId or principalId. */
  serviceAccounts: { cluster: string; namespace: string; name: string; clientId: string }[];
  signIns: SignInRecord[];
  roleAssignments: RoleAssignmentRecord[];
  propagation: PropagationView;
}

export interface VaultSnapshot {
  now: number;
  name: string;
  vault?: VaultRecord;
  vaultDeleted?: boolean;
  roleAssignments: RoleAssignmentRecord[];
  identities: IdentityView[];
  principalNames: Record<string, string>;
  /** Newest first. */
  auditEvents: AuditEventRecord[];
  propagation: PropagationView;
}

/** A pure check: snapshot in, result out (with the results of the checks before it, in chain order). */
export type Check<S> = (s: S, earlier: readonly CheckResult[]) => CheckResult;

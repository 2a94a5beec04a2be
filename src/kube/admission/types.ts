/** The admission chain's request, its per-request state and the plugin interface (k8s.io/apiserver/pkg/admission). */
import type { KubeContext } from "../KubeContext.js";
import type { KubeObject } from "../KubeStorage.js";
import type { Operation } from "./matching.js";

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface AdmissionRequest {
  clusterId: string;
  operation: Operation;
  group: string;
  version: string;
  kind: string;
  resource: string;
  subresource: string;
  namespaced: boolean;
  namespace: string;
  /** "" when the object is created with generateName. */
  name: string;
  object: KubeObject;
  oldObject?: KubeObject;
  user: UserInfo;
  dryRun: boolean;
  options: Record<string, unknown>;
  /** Re-decodes and re-defaults an object after a webhook's patch (the API server's decoder). */
  normalize(o: KubeObject): void;
}

export interface AdmissionResult {
  object: KubeObject;
  warnings: string[];
}

/** One pass of the chain over one request: the object as admitted so far, the warnings, the reinvocation ask. */
export interface Attempt {
  obj: KubeObject;
  warnings: string[];
  /** Set by a plugin that wants the chain run once more (a webhook changed the object and an IfNeeded webhook ran). */
  reinvocationWanted: boolean;
}

/** A `group/resource/subresource` an admission plugin handles. */
export interface HandledResource {
  group: string;
  resource: string;
  subresource: string;
}

/** What a plugin handles: its operations and resources (`"*"` for all). */
export interface Handles {
  operations: Operation[] | "*";
  resources: HandledResource[] | "*";
}

/**
 * A mutating admission plugin. The chain calls `admit` on the plugins that handle the request, in order;
 * when one asked for reinvocation it calls `reinvoke` once more, in-tree plugins first.
 */
export interface AdmissionPlugin<State = unknown> {
  readonly name: string;
  readonly handles: Handles;
  /** In-tree (compiled in) rather than a webhook: after a reinvocation, their changes are re-normalized before the webhooks run. */
  readonly inTree: boolean;
  /** The plugin's per-request state (the webhook plugin's configurations and last outputs); undefined when it has none. */
  start?(kube: KubeContext, r: AdmissionRequest, a: Attempt): Promise<State>;
  admit(kube: KubeContext, r: AdmissionRequest, a: Attempt, state: State): Promise<void>;
  reinvoke(kube: KubeContext, r: AdmissionRequest, a: Attempt, state: State): Promise<void>;
}

/** Whether a plugin handles a request (by its operation and group/resource/subresource). */
export function handles(h: Handles, r: AdmissionRequest): boolean {
  const op = h.operations === "*" || h.operations.includes(r.operation);
  const res = h.resources === "*" || h.resources.some((x) => x.group === r.group && x.resource === r.resource && x.subresource === r.subresource);
  return op && res;
}

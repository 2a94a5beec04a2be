/**
 * Per-kind registry strategies, as kube-apiserver's pkg/registry/<group>/<kind>/strategy.go: defaulting,
 * PrepareForCreate / PrepareForUpdate (status reset, generation), validation and update validation, the
 * Table printer and DELETE behaviour. Every served kind has one ({@link kindStrategy}); the registry, the
 * Table output and deletion propagation ask it instead of testing the kind.
 *
 * `strategyFor` is the narrower, older lookup of the workload strategies (apps/v1 and batch/v1, whose
 * controllers the lab runs), in the {@link Strategy} shape their unit tests drive directly.
 */
import type { KubeObject } from "../../KubeStorage.js";
import type { StatusCause } from "../../KubeStatusError.js";
import { deploymentStrategy } from "./deployment.js";
import { replicaSetStrategy } from "./replicaset.js";
import { jobStrategy, JOB_ORPHAN_WARNING } from "./job.js";
import { defineKind, type KindStrategy } from "./kind.js";
import { podStrategy } from "./pod.js";
import { namespaceStrategy } from "./namespace.js";
import { clusterRoleBindingStrategy, clusterRoleStrategy, configMapStrategy, eventStrategy, secretStrategy, selfSubjectReviewStrategy, serviceAccountStrategy, serviceStrategy, tokenReviewStrategy } from "./core.js";
import { mutatingWebhookConfigurationStrategy } from "./webhookConfiguration.js";
import { WORKLOADS } from "../table.js";

export type { KindStrategy, DeleteStrategy, Propagation } from "./kind.js";

export interface Strategy {
  /** SetDefaults_<Kind>: applied whenever an object of the kind is decoded. */
  defaults(o: KubeObject): void;
  /** PrepareForCreate: clears status, sets generation 1 (name and uid are already set). */
  prepareForCreate(o: KubeObject): void;
  /** PrepareForUpdate of the main resource: keeps the old status, bumps generation when the spec changed. */
  prepareForUpdate(next: KubeObject, old: KubeObject): void;
  /** PrepareForUpdate of the `status` subresource, when the kind lets more than status through (the result is stored). */
  prepareForStatusUpdate?(next: KubeObject, old: KubeObject): KubeObject;
  validate(o: KubeObject): StatusCause[];
  validateUpdate(next: KubeObject, old: KubeObject): StatusCause[];
}

const STRATEGIES: Record<string, Strategy> = {
  Deployment: deploymentStrategy,
  ReplicaSet: replicaSetStrategy,
  Job: jobStrategy,
};

/** The workload strategy of a kind, if it is an apps/v1 or batch/v1 workload. */
export function strategyFor(kind: string): Strategy | undefined {
  return STRATEGIES[kind];
}

/** A workload's kind strategy: its {@link Strategy}, its printer, uid before PrepareForCreate. */
function workload(kind: string, s: Strategy, extra: Partial<Parameters<typeof defineKind>[1]> = {}): KindStrategy {
  return defineKind(kind, {
    defaults: (o) => s.defaults(o),
    uidBeforePrepare: true,
    prepareForCreate: (o) => s.prepareForCreate(o),
    prepareForUpdate: (next, old) => s.prepareForUpdate(next, old),
    ...(s.prepareForStatusUpdate ? { prepareForStatusUpdate: (next: KubeObject, old: KubeObject) => s.prepareForStatusUpdate!(next, old) } : {}),
    validate: (o) => s.validate(o),
    validateUpdate: (next, old) => s.validateUpdate(next, old),
    printer: WORKLOADS[kind]!,
    ...extra,
  });
}

const KINDS: Record<string, KindStrategy> = Object.fromEntries(
  [
    podStrategy,
    namespaceStrategy,
    configMapStrategy,
    secretStrategy,
    serviceAccountStrategy,
    eventStrategy,
    mutatingWebhookConfigurationStrategy,
    serviceStrategy,
    clusterRoleStrategy,
    clusterRoleBindingStrategy,
    tokenReviewStrategy,
    selfSubjectReviewStrategy,
    workload("Deployment", deploymentStrategy),
    workload("ReplicaSet", replicaSetStrategy),
    workload("Job", jobStrategy, { delete: { defaultPropagation: { policy: "Orphan", warning: JOB_ORPHAN_WARNING } } }),
  ].map((s) => [s.kind, s]),
);

/** The generic registry's behaviour, for a kind the lab does not serve. */
const GENERIC = defineKind("", {});

/** The strategy of a kind (every served kind has one). */
export function kindStrategy(kind: string): KindStrategy {
  return KINDS[kind] ?? GENERIC;
}

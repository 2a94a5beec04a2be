/**
 * Per-kind registry strategies, as kube-apiserver's pkg/registry/<group>/<kind>/strategy.go: defaulting,
 * PrepareForCreate / PrepareForUpdate (status reset, generation), validation and update validation.
 * The registry looks a kind's strategy up here; kinds without one keep the registry's generic behaviour.
 */
import type { KubeObject } from "../../KubeStorage.js";
import type { StatusCause } from "../../KubeStatusError.js";
import { deploymentStrategy } from "./deployment.js";
import { replicaSetStrategy } from "./replicaset.js";
import { jobStrategy } from "./job.js";

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

/** The strategy of a kind, if it has one. */
export function strategyFor(kind: string): Strategy | undefined {
  return STRATEGIES[kind];
}

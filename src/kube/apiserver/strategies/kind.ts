/**
 * The strategy object of one kind (kube-apiserver's pkg/registry/<group>/<kind>/strategy.go plus its
 * printer): defaulting, PrepareForCreate/PrepareForUpdate, validation, the Table printer and how a
 * DELETE behaves. `defineKind` fills in the generic registry's behaviour for what a kind leaves out.
 */
import type { KubeObject, KubeTx } from "../../KubeStorage.js";
import type { StatusCause } from "../../KubeStatusError.js";
import { DEFAULT_PRINTER, type Printer } from "../table.js";

export type Propagation = "Orphan" | "Foreground" | "Background";

export interface DeleteStrategy {
  /** The answer to a DELETE is the deleted object (pods), not a `Status`. */
  returnsObject: boolean;
  /** Graceful deletion (RESTGracefulDeleteStrategy, pods): the grace period, 0 to delete at once. */
  gracePeriod?(current: KubeObject, options: Record<string, unknown>): number;
  /** Whether DeleteOptions' propagation (orphan / foreground finalizers) applies to the kind. */
  propagates: boolean;
  /** The kind's propagationPolicy when the DELETE names none, and the warning it gives (Jobs orphan their pods). */
  defaultPropagation?: { policy: Propagation; warning: string };
  /** What goes with the object, in the same transaction (a namespace's content). */
  purge?(tx: KubeTx, clusterId: string, name: string): Promise<void>;
}

export interface KindStrategy {
  readonly kind: string;
  /** SetDefaults_<Kind>: applied whenever an object of the kind is decoded (idempotent). */
  defaults(o: KubeObject): void;
  /** Before the mutating admission chain (a pod's empty status). */
  prepareForAdmission(o: KubeObject): void;
  /** The object needs its uid before PrepareForCreate (a Job's generated selector names it). */
  readonly uidBeforePrepare: boolean;
  /** PrepareForCreate: status and generation as kube-apiserver sets them. */
  prepareForCreate(o: KubeObject): void;
  /** PrepareForUpdate of the main resource: what the client may not change (status, spec of a namespace), generation. */
  prepareForUpdate(next: KubeObject, old: KubeObject): void;
  /** PrepareForUpdate of the `status` subresource when the kind lets more than status through (the result is stored). */
  prepareForStatusUpdate?(next: KubeObject, old: KubeObject): KubeObject;
  /** The kind's own validation (metadata is validated for every kind). */
  validate(o: KubeObject): StatusCause[];
  validateUpdate(next: KubeObject, old: KubeObject): StatusCause[];
  /** The Table columns and cells (`kubectl get`). */
  readonly printer: Printer;
  readonly delete: DeleteStrategy;
}

const noop = (): void => {};
const none = (): StatusCause[] => [];

/** A kind's strategy: what it defines, the generic registry's behaviour for the rest. */
export function defineKind(kind: string, s: Partial<Omit<KindStrategy, "kind" | "delete">> & { delete?: Partial<DeleteStrategy> }): KindStrategy {
  return {
    kind,
    defaults: noop,
    prepareForAdmission: noop,
    uidBeforePrepare: false,
    prepareForCreate: noop,
    prepareForUpdate: noop,
    validate: none,
    validateUpdate: none,
    printer: DEFAULT_PRINTER,
    ...s,
    delete: { returnsObject: false, propagates: true, ...s.delete },
  };
}

/**
 * What controllers use to read and write a cluster, as kube-controller-manager's clients do: every write goes
 * through the API server's registry (decoding, defaulting, admission — so the ServiceAccount plugin and the
 * mutating webhooks see the pods a controller creates — validation and storage) under the controller's own
 * service account identity. Reads go straight to the store (the informer cache of a real controller).
 */
import type { KubeContext } from "../KubeContext.js";
import type { ClusterRecord } from "../Cluster.js";
import type { KubeObject } from "../KubeStorage.js";
import { KubeStatusError } from "../KubeStatusError.js";
import { recordEvent, involvedObject, type EventType } from "../events.js";
import { RESOURCES, Registry, findKind, type OpContext, type ResourceDef } from "../apiserver/index.js";

type Obj = Record<string, unknown>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export function ownerReferences(o: KubeObject): OwnerReference[] {
  const refs = o.metadata.ownerReferences;
  return Array.isArray(refs) ? (refs as OwnerReference[]) : [];
}

/** metav1.GetControllerOf. */
export function controllerOf(o: KubeObject): OwnerReference | undefined {
  return ownerReferences(o).find((r) => r.controller === true);
}

/** metav1.NewControllerRef. */
export function controllerRef(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}

export class ControllerClient {
  private readonly registry: Registry;

  constructor(
    readonly kube: KubeContext,
    /** The controller's name: `replicaset-controller` (service account in kube-system, event source). */
    readonly component: string,
  ) {
    this.registry = new Registry(kube);
  }

  now(): number {
    return this.kube.ctx.clock.now();
  }

  private async op(clusterId: string): Promise<OpContext> {
    const cluster: ClusterRecord | undefined = await this.kube.cluster(clusterId);
    if (!cluster) throw new Error(`cluster ${clusterId} is gone`);
    return {
      cluster,
      user: {
        username: `system:serviceaccount:kube-system:${this.component}`,
        groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
      },
      dryRun: false,
      fieldValidation: "Strict",
      fieldManager: "kube-controller-manager",
      warnings: [],
    };
  }

  def(resource: string): ResourceDef {
    const d = findResourceByName(resource);
    if (!d) throw new Error(`unknown resource ${resource}`);
    return d;
  }

  get(clusterId: string, resource: string, ns: string, name: string): Promise<KubeObject | undefined> {
    const d = this.def(resource);
    return this.kube.storage.read(async (tx) => {
      const o = await tx.get(clusterId, resource, d.namespaced ? ns : undefined, name);
      return o ? withKind(d, o) : undefined;
    });
  }

  list(clusterId: string, resource: string, ns?: string): Promise<KubeObject[]> {
    const d = this.def(resource);
    return this.kube.storage.read(async (tx) => (await tx.list(clusterId, resource, ns)).map((o) => withKind(d, o)));
  }

  async create(clusterId: string, resource: string, ns: string, obj: KubeObject): Promise<KubeObject> {
    return this.registry.create(this.def(resource), ns, obj, await this.op(clusterId));
  }

  /** PUT of the main resource (expects obj.metadata.resourceVersion to be current). */
  async update(clusterId: string, resource: string, obj: KubeObject): Promise<KubeObject> {
    return this.registry.update(this.def(resource), obj.metadata.namespace, obj.metadata.name, "", obj, await this.op(clusterId));
  }

  async updateStatus(clusterId: string, resource: string, obj: KubeObject): Promise<KubeObject> {
    return this.registry.update(this.def(resource), obj.metadata.namespace, obj.metadata.name, "status", obj, await this.op(clusterId));
  }

  /** DELETE with a propagation policy, preconditioned on the uid; a missing object is not an error. */
  async delete(clusterId: string, o: KubeObject, propagationPolicy?: "Background" | "Foreground" | "Orphan"): Promise<void> {
    const d = findKind(o.kind);
    if (!d) throw new Error(`unknown kind ${o.kind}`);
    const options: Obj = { preconditions: { uid: o.metadata.uid }, ...(propagationPolicy ? { propagationPolicy } : {}) };
    try {
      await this.registry.delete(d, o.metadata.namespace, o.metadata.name, options, await this.op(clusterId));
    } catch (e) {
      if (e instanceof KubeStatusError && (e.reason === "NotFound" || e.reason === "Conflict")) return;
      throw e;
    }
  }

  /** Records an Event on an object, with this controller as its source. */
  async event(clusterId: string, on: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const now = this.now();
    const suffix = this.kube.ctx.random.hex(8);
    await this.kube.storage.write((tx) => recordEvent(tx, clusterId, { involved: involvedObject(on), type, reason, message, source: { component: this.component } }, now, suffix));
  }
}

function findResourceByName(resource: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.resource === resource && !r.virtual);
}

function withKind(d: ResourceDef, o: KubeObject): KubeObject {
  return { ...o, apiVersion: d.group ? `${d.group}/${d.version}` : d.version, kind: d.kind };
}

/** The API server's error text, as a controller puts it in a FailedCreate event. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The Events one pod's life writes: the scheduler's `Scheduled`, the kubelet's container and volume events, and
 * wilab's own `WorkloadIdentity…` warnings. Written in order, each in its own transaction, never failing the pod's
 * work; Warnings also go to the lab log (once per distinct event, not per repetition).
 */
import type { KubeContext } from "../KubeContext.js";
import type { KubeObject, KubeTx } from "../KubeStorage.js";
import { emitEvent, type EventType, type InvolvedObject } from "../events.js";
import {
  WILAB_COMPONENT,
  federatedWarning,
  labelAndAnnotationWarnings,
  clientIdChangedWarning,
  labelProblem,
  mutationWarning,
  podClientId,
  podTokenAudience,
  type TemplateOwner,
  type WorkloadIdentityWarning,
} from "../workloadIdentityWarnings.js";
import { CLIENT_ID_ANNOTATION, WEBHOOK_NAME } from "../../webhook/index.js";
import { kubeletTexts, type KubeletTexts } from "./eventTexts.js";
import { NODE_NAME, serviceAccountOf, type Pod } from "./types.js";

export type ContainerKind = "init" | "sidecar" | "regular";

interface OwnerRef {
  kind?: string;
  name?: string;
  controller?: boolean;
}

function controllerOf(o: KubeObject | undefined): OwnerRef | undefined {
  const refs = o?.metadata.ownerReferences;
  return Array.isArray(refs) ? (refs as OwnerRef[]).find((r) => r.controller === true && r.kind && r.name) : undefined;
}

/** The object whose pod template made the pod: a ReplicaSet's Deployment, a Job's CronJob, else the direct controller. */
async function templateOwner(tx: KubeTx, clusterId: string, pod: KubeObject): Promise<TemplateOwner | undefined> {
  const ref = controllerOf(pod);
  if (!ref) return undefined;
  const parentResource: Record<string, string> = { ReplicaSet: "replicasets", Job: "jobs" };
  const resource = parentResource[ref.kind!];
  if (resource) {
    const parent = controllerOf(await tx.get(clusterId, resource, pod.metadata.namespace, ref.name!).catch(() => undefined));
    if (parent) return { kind: parent.kind!, name: parent.name! };
  }
  return { kind: ref.kind!, name: ref.name! };
}

export class PodEvents {
  private chain: Promise<unknown> = Promise.resolve();
  private texts: KubeletTexts = kubeletTexts("");
  private clusterName = "";

  constructor(
    private readonly kube: KubeContext,
    private readonly clusterId: string,
    private readonly pod: () => Pod,
  ) {}

  /** Reads the cluster's Kubernetes version (the kubelet's texts depend on it). */
  async init(): Promise<void> {
    const c = await this.kube.cluster(this.clusterId).catch(() => undefined);
    if (!c) return;
    this.texts = kubeletTexts(c.kubernetesVersion);
    this.clusterName = c.name;
  }

  get text(): KubeletTexts {
    return this.texts;
  }

  private involved(fieldPath?: string): InvolvedObject {
    const m = this.pod().metadata;
    return { kind: "Pod", apiVersion: "v1", name: m.name, namespace: m.namespace ?? "default", uid: m.uid, resourceVersion: m.resourceVersion, ...(fieldPath ? { fieldPath } : {}) };
  }

  private record(type: EventType, reason: string, message: string, o: { fieldPath?: string; component?: string; eventsApi?: { action: string; reportingInstance: string } } = {}): Promise<unknown> {
    const component = o.component ?? "kubelet";
    const source = component === "kubelet" ? { component, host: NODE_NAME } : { component };
    const e = { involved: this.involved(o.fieldPath), type, reason, message, source, ...(o.eventsApi ? { eventsApi: o.eventsApi } : {}) };
    this.chain = this.chain.then(async () => {
      const ev = await emitEvent(this.kube, this.clusterId, e);
      if (type === "Warning" && ev && (ev.count ?? 1) === 1 && !ev.series) {
        this.kube.ctx.labLog.log({
          level: "warn",
          face: "kubelet",
          op: "pods/start",
          code: reason,
          message,
          fields: { cluster: this.clusterName || this.clusterId, pod: `${e.involved.namespace}/${e.involved.name}`, ...(o.fieldPath ? { container: o.fieldPath } : {}) },
        });
      }
    });
    return this.chain;
  }

  /** Waits until every event asked for so far is written (or dropped). */
  flush(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  /** kube-scheduler's binding event (written through events.k8s.io/v1, as the scheduler does). */
  scheduled(node: string): Promise<unknown> {
    const m = this.pod().metadata;
    return this.record("Normal", "Scheduled", `Successfully assigned ${m.namespace ?? "default"}/${m.name} to ${node}`, {
      component: "default-scheduler",
      eventsApi: { action: "Binding", reportingInstance: `default-scheduler-${node}` },
    });
  }

  /** A kubelet event on the pod itself (`FailedMount`, …). */
  podEvent(type: EventType, reason: string, message: string): Promise<unknown> {
    return this.record(type, reason, message);
  }

  /** A kubelet event on one container (`spec.containers{name}` / `spec.initContainers{name}`). */
  container(name: string, kind: ContainerKind, type: EventType, reason: string, message: string): Promise<unknown> {
    return this.record(type, reason, message, { fieldPath: `${kind === "regular" ? "spec.containers" : "spec.initContainers"}{${name}}` });
  }

  /** wilab's warnings for the pod's workload identity set-up (none when it is fine, or not meant to use it). */
  async workloadIdentity(): Promise<void> {
    try {
      for (const w of await this.workloadIdentityWarnings()) void this.record("Warning", w.reason, w.message, { component: WILAB_COMPONENT });
    } catch (err) {
      this.kube.ctx.log.warn(`kubelet: workload identity check of pod ${this.pod().metadata.name}: ${(err as Error).message}`);
    }
  }

  /** wilab's warning when the service account's client id changed under the running pod. */
  async serviceAccountChanged(sa: KubeObject): Promise<void> {
    try {
      const pod = this.pod();
      const owner = await this.kube.storage.read((tx) => templateOwner(tx, this.clusterId, pod));
      const w = clientIdChangedWarning(pod, sa, owner);
      if (w) await this.record("Warning", w.reason, w.message, { component: WILAB_COMPONENT });
    } catch (err) {
      this.kube.ctx.log.warn(`kubelet: service account change for pod ${this.pod().metadata.name}: ${(err as Error).message}`);
    }
  }

  private async workloadIdentityWarnings(): Promise<WorkloadIdentityWarning[]> {
    const pod = this.pod();
    const ns = pod.metadata.namespace ?? "default";
    const saName = serviceAccountOf(pod);
    const { sas, owner, mwcs } = await this.kube.storage.read(async (tx) => ({
      sas: await tx.list(this.clusterId, "serviceaccounts", ns),
      owner: await templateOwner(tx, this.clusterId, pod),
      mwcs: await tx.list(this.clusterId, "mutatingwebhookconfigurations"),
    }));
    const sa = sas.find((s) => s.metadata.name === saName);
    const annotatedSas = sas.filter((s) => (s.metadata.annotations ?? {})[CLIENT_ID_ANNOTATION]?.trim()).map((s) => s.metadata.name);
    const out = labelAndAnnotationWarnings({ pod, sa, annotatedSas, owner });
    if (out.length || labelProblem(pod) || !sa) return out;
    const webhook = mwcs.some((m) => Array.isArray(m.webhooks) && (m.webhooks as { name?: string }[]).some((w) => w.name === WEBHOOK_NAME));
    const notMutated = mutationWarning(pod, webhook);
    if (notMutated) return [notMutated];
    if (!this.kube.federatedTrust) return out;
    const clientId = podClientId(pod, sa);
    const cluster = await this.kube.cluster(this.clusterId);
    if (!clientId || !cluster?.oidcIssuerEnabled) return out;
    const issuer = this.kube.issuerUrl(cluster);
    const subject = `system:serviceaccount:${ns}:${saName}`;
    const audience = podTokenAudience(pod);
    const answer = await this.kube.federatedTrust({ issuer, subject, audiences: [audience] }, clientId);
    const w = federatedWarning({ clientId, issuer, subject, audience, answer });
    return w ? [...out, w] : out;
  }
}

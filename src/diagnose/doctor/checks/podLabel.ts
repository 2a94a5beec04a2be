/**
 * Check 1: the `azure.workload.identity/use: "true"` label on the pod, which the webhook's objectSelector matches
 * (exactly: key and value). For a pod a controller made, the label must be on the controller's pod template; the
 * common slip is putting it on the Deployment's own metadata.
 */
import type { KubeObject } from "../../../kube/index.js";
import { USE_WORKLOAD_IDENTITY_LABEL } from "../../../webhook/index.js";
import type { CheckResult, PodSnapshot } from "../types.js";
import { labelled, ns, q, result } from "./common.js";

const ID = "pod-label";
const TITLE = `the ${USE_WORKLOAD_IDENTITY_LABEL} label on the pod`;

const norm = (k: string) => k.toLowerCase().replace(/[^a-z0-9]/g, "");

/** A key that is almost the label's (case, punctuation), with its value. */
export function nearMissKey(map: Record<string, string> | undefined, exact: string): [string, string] | undefined {
  return Object.entries(map ?? {}).find(([k]) => k !== exact && norm(k) === norm(exact));
}

function templateLabels(o: KubeObject): Record<string, string> | undefined {
  const spec = o.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined;
  return spec?.template?.metadata?.labels;
}

const PATCH = JSON.stringify({ spec: { template: { metadata: { labels: { [USE_WORKLOAD_IDENTITY_LABEL]: "true" } } } } });

/** The command that puts the label where it counts for this pod. */
function labelFix(s: PodSnapshot): string {
  const top = s.owners[s.owners.length - 1];
  const n = ns(s);
  if (top?.kind === "Deployment" || top?.kind === "ReplicaSet") return `kubectl patch ${top.kind.toLowerCase()} ${top.metadata.name} -n ${n} --type merge -p ${q(PATCH)}`;
  if (top?.kind === "Job") {
    return `kubectl delete job ${top.metadata.name} -n ${n}, add '${USE_WORKLOAD_IDENTITY_LABEL}: "true"' under spec.template.metadata.labels in its manifest (a Job's template cannot be changed), then kubectl apply -f <the job's manifest>`;
  }
  // The webhook runs only when a pod is created: label the manifest and make the pod again.
  return `kubectl label --local -f <the pod's manifest> ${USE_WORKLOAD_IDENTITY_LABEL}=true -o yaml | kubectl replace --force -f -`;
}

export function checkPodLabel(s: PodSnapshot): CheckResult {
  const pod = s.pod;
  const name = `pod ${ns(s)}/${pod.metadata.name}`;
  if (labelled(pod)) return result(ID, TITLE, "pass", `${name} has ${USE_WORKLOAD_IDENTITY_LABEL}=true: the webhook mutates it`);
  const fix = labelFix(s);
  const value = pod.metadata.labels?.[USE_WORKLOAD_IDENTITY_LABEL];
  if (value !== undefined) {
    return result(ID, TITLE, "fail", `${name} has ${USE_WORKLOAD_IDENTITY_LABEL}=${JSON.stringify(value)}; the webhook's objectSelector matches only the exact value "true"`, {
      expected: `${USE_WORKLOAD_IDENTITY_LABEL}=true`,
      actual: `${USE_WORKLOAD_IDENTITY_LABEL}=${value}`,
      fix,
    });
  }
  const near = nearMissKey(pod.metadata.labels, USE_WORKLOAD_IDENTITY_LABEL);
  if (near) {
    return result(ID, TITLE, "fail", `${name} has the label '${near[0]}' (a near miss): the webhook matches only '${USE_WORKLOAD_IDENTITY_LABEL}'`, {
      expected: `${USE_WORKLOAD_IDENTITY_LABEL}=true`,
      actual: `${near[0]}=${near[1]}`,
      fix,
    });
  }
  const asAnnotation = pod.metadata.annotations?.[USE_WORKLOAD_IDENTITY_LABEL];
  if (asAnnotation !== undefined) {
    return result(ID, TITLE, "fail", `${name} has ${USE_WORKLOAD_IDENTITY_LABEL} as an annotation; the webhook selects pods by label`, {
      expected: `label ${USE_WORKLOAD_IDENTITY_LABEL}=true`,
      actual: `annotation ${USE_WORKLOAD_IDENTITY_LABEL}=${asAnnotation}`,
      fix,
    });
  }
  // The label on a controller's own metadata, not on its pod template.
  for (const o of s.owners) {
    if (labelled(o) && templateLabels(o)?.[USE_WORKLOAD_IDENTITY_LABEL] !== "true") {
      return result(ID, TITLE, "fail", `the ${o.kind} ${o.metadata.name} has ${USE_WORKLOAD_IDENTITY_LABEL}=true on its own metadata, not on its pod template: ${name} was made from the template without it`, {
        expected: `spec.template.metadata.labels.${USE_WORKLOAD_IDENTITY_LABEL}=true on ${o.kind} ${o.metadata.name}`,
        actual: `metadata.labels.${USE_WORKLOAD_IDENTITY_LABEL}=true on ${o.kind} ${o.metadata.name}; the template has none`,
        fix,
      });
    }
  }
  const via = s.owners.length ? ` (nor does the pod template of ${s.owners.map((o) => `${o.kind} ${o.metadata.name}`).join(", ")})` : "";
  return result(ID, TITLE, "fail", `${name} has no ${USE_WORKLOAD_IDENTITY_LABEL} label${via}: the webhook did not mutate it, so the SDK finds no AZURE_* settings`, {
    expected: `${USE_WORKLOAD_IDENTITY_LABEL}=true`,
    actual: "no such label",
    fix,
  });
}

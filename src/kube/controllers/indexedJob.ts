/**
 * Indexed Jobs (completionMode: Indexed, pkg/controller/job/indexed_job_utils.go): each pod carries its
 * completion index (annotation and label `batch.kubernetes.io/job-completion-index`, env JOB_COMPLETION_INDEX,
 * hostname `<job>-<index>`); the job completes when every index in [0, completions) has succeeded, and
 * `status.completedIndexes` lists them as ranges ("0-2,4"). Pure.
 */
import type { KubeObject } from "../KubeStorage.js";
import { podFromTemplate, phaseOf } from "./pods.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

export const COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";

export function isIndexed(job: KubeObject): boolean {
  return isObj(job.spec) && job.spec.completionMode === "Indexed";
}

/** A pod's completion index, or undefined. */
export function completionIndex(p: KubeObject): number | undefined {
  const v = p.metadata.annotations?.[COMPLETION_INDEX];
  return v !== undefined && /^[0-9]+$/.test(v) ? Number(v) : undefined;
}

/** "0-2,4" from {0,1,2,4}. */
export function formatIndexes(s: Set<number>): string {
  const xs = [...s].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    parts.push(i === j ? String(xs[i]) : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

export function parseIndexes(s: unknown): Set<number> {
  const out = new Set<number>();
  if (typeof s !== "string") return out;
  for (const part of s.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) out.add(i);
  }
  return out;
}

/** Indexes that succeeded: the ones already recorded plus those of succeeded pods, within [0, completions). */
export function succeededIndexes(job: KubeObject, pods: KubeObject[], completions: number): Set<number> {
  const out = parseIndexes(isObj(job.status) ? job.status.completedIndexes : undefined);
  for (const p of pods) {
    const i = completionIndex(p);
    if (i !== undefined && phaseOf(p) === "Succeeded") out.add(i);
  }
  for (const i of out) if (i >= completions) out.delete(i);
  return out;
}

/** The lowest indexes neither succeeded nor running, at most `n`. */
export function pendingIndexes(completions: number, done: Set<number>, active: KubeObject[], n: number): number[] {
  const running = new Set(active.map(completionIndex));
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < n; i++) if (!done.has(i) && !running.has(i)) out.push(i);
  return out;
}

/** The pod of one index. */
export function indexedPod(job: KubeObject, template: Obj, i: number): KubeObject {
  const pod = podFromTemplate(job, template);
  const m = pod.metadata;
  m.generateName = `${job.metadata.name}-${i}-`;
  m.annotations = { ...(m.annotations ?? {}), [COMPLETION_INDEX]: String(i) };
  m.labels = { ...(m.labels ?? {}), [COMPLETION_INDEX]: String(i) };
  const spec = pod.spec as Obj;
  if (!spec.hostname) spec.hostname = `${job.metadata.name}-${i}`;
  for (const c of [...list(spec.initContainers), ...list(spec.containers)]) {
    const env = list(c.env);
    if (env.some((e) => e.name === "JOB_COMPLETION_INDEX")) continue;
    c.env = [...env, { name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } }];
  }
  return pod;
}

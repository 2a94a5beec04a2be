/**
 * Check 3: what the webhook put into the pod (env, projected token volume with its audience and expiry, mounts)
 * against what it would put there now: src/webhook/mutate.ts is pure, so the doctor calls it on the pod with the
 * webhook's additions taken out and compares. A difference means the pod was made before a change (annotation,
 * tenant, audience), or the webhook never ran.
 */
import type { KubeObject } from "../../../kube/index.js";
import { mutatePod, type Container, type Pod, type ServiceAccount } from "../../../webhook/index.js";
import type { CheckResult, PodSnapshot } from "../types.js";
import { containersOf, failed, labelled, ns, projectedToken, recreatePod, result } from "./common.js";

const ID = "webhook-mutation";
const TITLE = "the webhook's mutation (env, projected token volume, audience, expiry)";
export const WEBHOOK_ENV = ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST"] as const;

/** The pod as it was before the webhook: its env, the token volume and its mounts taken out. */
export function unmutated(pod: KubeObject): Pod {
  const p = structuredClone(pod) as Pod;
  const vol = projectedToken(pod)?.volume;
  const strip = (c: Container): Container => ({
    ...c,
    env: (c.env ?? []).filter((e) => !(WEBHOOK_ENV as readonly string[]).includes(e.name)),
    volumeMounts: (c.volumeMounts ?? []).filter((m) => m.name !== vol),
  });
  const spec = p.spec ?? {};
  if (spec.containers) spec.containers = spec.containers.map(strip);
  if (spec.initContainers) spec.initContainers = spec.initContainers.map(strip);
  if (spec.volumes) spec.volumes = spec.volumes.filter((v) => v.name !== vol);
  return p;
}

function envValue(c: Container | undefined, name: string): string | undefined {
  return c?.env?.find((e) => e.name === name)?.value;
}

/** Every way the pod differs from the webhook's output, one phrase each. */
export function mutationDifferences(actual: KubeObject, expected: Pod): { what: string; expected: string; actual: string }[] {
  const out: { what: string; expected: string; actual: string }[] = [];
  const want = new Map(containersOf(expected as KubeObject).map((c) => [c.name, c]));
  const wantVol = projectedToken(expected as KubeObject);
  for (const c of containersOf(actual)) {
    const w = want.get(c.name);
    for (const name of WEBHOOK_ENV) {
      const e = envValue(w, name);
      const a = envValue(c, name);
      if (e !== a) out.push({ what: `container ${c.name}: ${name}`, expected: e ?? "(not injected)", actual: a ?? "(not set)" });
    }
    const wm = w?.volumeMounts?.find((m) => m.name === wantVol?.volume);
    const am = c.volumeMounts?.find((m) => m.name === wm?.name);
    if (wm && (!am || am.mountPath !== wm.mountPath)) out.push({ what: `container ${c.name}: mount of ${wm.name}`, expected: wm.mountPath, actual: am?.mountPath ?? "(not mounted)" });
  }
  const gotVol = projectedToken(actual);
  if (wantVol && !gotVol) out.push({ what: "projected volume", expected: `${wantVol.volume} (audience ${wantVol.audience}, expirationSeconds ${wantVol.expirationSeconds})`, actual: "(none)" });
  if (wantVol && gotVol) {
    if (wantVol.audience !== gotVol.audience) out.push({ what: "token audience", expected: wantVol.audience ?? "", actual: gotVol.audience ?? "(none)" });
    if (wantVol.expirationSeconds !== gotVol.expirationSeconds) out.push({ what: "token expirationSeconds", expected: String(wantVol.expirationSeconds), actual: String(gotVol.expirationSeconds) });
    if (wantVol.path !== gotVol.path) out.push({ what: "token path", expected: wantVol.path, actual: gotVol.path });
  }
  return out;
}

export function checkWebhookMutation(s: PodSnapshot, earlier: readonly CheckResult[]): CheckResult {
  const c = s.cluster;
  if (!c.workloadIdentityEnabled || !s.webhookRegistered) {
    return result(ID, TITLE, "fail", `cluster ${c.name} ${c.workloadIdentityEnabled ? "has no azure-workload-identity MutatingWebhookConfiguration" : "does not have workload identity enabled"}: no webhook mutates its pods`, {
      expected: "workloadIdentityEnabled with the webhook registered",
      actual: `workloadIdentityEnabled=${c.workloadIdentityEnabled}, webhook registered=${s.webhookRegistered}`,
      fix: `az aksarc update --name ${c.name} --resource-group ${c.resourceGroup} --enable-oidc-issuer --enable-workload-identity`,
    });
  }
  if (!labelled(s.pod)) return result(ID, TITLE, "skip", "the webhook mutates only labelled pods (see pod-label)");
  if (!s.serviceAccount) return result(ID, TITLE, "skip", "the webhook needs the service account (see service-account)");
  const m = mutatePod(unmutated(s.pod), s.serviceAccount as ServiceAccount, s.webhookConfig, ns(s));
  if (!m.allowed) {
    return result(ID, TITLE, "fail", `the webhook refuses to admit this pod now: ${m.message}`, { expected: "the pod admitted", actual: m.message });
  }
  const diffs = mutationDifferences(s.pod, m.mutated);
  const missing = WEBHOOK_ENV.filter((name) => containersOf(s.pod).some((c) => envValue(c, name) === undefined));
  if (diffs.length === 0 && missing.length) {
    return result(ID, TITLE, "fail", `the pod has no ${missing.join(", ")}: the webhook injects a variable only when it has a value (AZURE_CLIENT_ID comes from the service account's annotation, see service-account)`, {
      expected: missing.map((n) => `${n}=<value>`).join("; "),
      actual: missing.map((n) => `${n} not set`).join("; "),
      fix: `after fixing the service account: ${recreatePod(s)}`,
    });
  }
  if (diffs.length === 0) {
    const t = projectedToken(s.pod)!;
    return result(ID, TITLE, "pass", `env ${WEBHOOK_ENV.join(", ")} and projected volume ${t.volume} (audience ${t.audience}, expirationSeconds ${t.expirationSeconds}) are what the webhook injects`);
  }
  const after = failed(earlier, "service-account") ? "after fixing the service account: " : "";
  return result(ID, TITLE, "fail", `the pod differs from what the webhook injects now (the pod was made before a change, and the webhook runs only when a pod is created): ${diffs.map((d) => `${d.what} is '${d.actual}', the webhook gives '${d.expected}'`).join("; ")}`, {
    expected: diffs.map((d) => `${d.what}=${d.expected}`).join("; "),
    actual: diffs.map((d) => `${d.what}=${d.actual}`).join("; "),
    fix: `${after}${recreatePod(s)}`,
  });
}

/** The v1 kinds without lifecycle of their own: ConfigMap, Secret, ServiceAccount, Event; and the create-only reviews. */
import { defaultSecret } from "../defaults.js";
import { validateConfigData, validateConfigDataUpdate } from "../validation.js";
import { PRINTERS } from "../table.js";
import { defineKind } from "./kind.js";

export const configMapStrategy = defineKind("ConfigMap", {
  validate: validateConfigData,
  validateUpdate: (next, old) => validateConfigDataUpdate(next, old, false),
  printer: PRINTERS.ConfigMap!,
});

export const secretStrategy = defineKind("Secret", {
  defaults: defaultSecret,
  validate: validateConfigData,
  validateUpdate: (next, old) => validateConfigDataUpdate(next, old, true),
  printer: PRINTERS.Secret!,
});

export const serviceAccountStrategy = defineKind("ServiceAccount", { printer: PRINTERS.ServiceAccount! });
export const eventStrategy = defineKind("Event", { printer: PRINTERS.Event! });
export const tokenReviewStrategy = defineKind("TokenReview", {});
export const selfSubjectReviewStrategy = defineKind("SelfSubjectReview", {});

/** ClusterRole: the generic printer (name and creation time), as kube-apiserver's. */
export const clusterRoleStrategy = defineKind("ClusterRole", {});
export const clusterRoleBindingStrategy = defineKind("ClusterRoleBinding", { printer: PRINTERS.ClusterRoleBinding! });

/**
 * Service: SetDefaults_Service (type ClusterIP, sessionAffinity None, single-stack IPv4, TCP ports whose
 * targetPort defaults to the port), and a cluster IP allocated on create from 10.96.0.0/12 (stable per name).
 */
export const serviceStrategy = defineKind("Service", {
  defaults: (o) => {
    const spec = ((o as { spec?: Record<string, unknown> }).spec ??= {});
    spec.type ??= "ClusterIP";
    if (spec.type === "ExternalName") return;
    spec.sessionAffinity ??= "None";
    spec.internalTrafficPolicy ??= "Cluster";
    spec.ipFamilies ??= ["IPv4"];
    spec.ipFamilyPolicy ??= "SingleStack";
    for (const p of Array.isArray(spec.ports) ? (spec.ports as Record<string, unknown>[]) : []) {
      p.protocol ??= "TCP";
      p.targetPort ??= p.port;
    }
  },
  prepareForCreate: (o) => {
    const spec = (o as { spec?: Record<string, unknown> }).spec ?? {};
    if (spec.type === "ExternalName" || spec.clusterIP) return;
    let h = 0;
    for (const c of `${o.metadata.namespace ?? ""}/${o.metadata.name}`) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    const ip = `10.${96 + ((h >>> 16) & 15)}.${(h >>> 8) & 255}.${Math.max(2, h & 255)}`;
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
  },
  printer: PRINTERS.Service!,
});

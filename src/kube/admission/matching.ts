/**
 * Which webhooks an admission request reaches (k8s.io/apiserver/pkg/admission/plugin/webhook/predicates):
 * `rules` (operations, apiGroups, apiVersions, resources incl. subresources, scope), `objectSelector`
 * (the object's or old object's labels) and `namespaceSelector` (the namespace's labels). Pure.
 */
import { matchesLabelSelector, type LabelSelectorObject } from "../apiserver/labelSelector.js";

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

export interface RuleWithOperations {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

export interface MatchAttributes {
  operation: Operation;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  /** The request's namespace ("" for cluster-scoped objects). */
  namespace: string;
  objectLabels?: Record<string, string> | null;
  oldObjectLabels?: Record<string, string> | null;
  /** Labels of the namespace the object lives in (for Namespace objects: their own labels). */
  namespaceLabels?: Record<string, string> | null;
  /** The object is itself a Namespace or another cluster-scoped kind. */
  clusterScoped: boolean;
  isNamespace: boolean;
}

export interface WebhookMatchSpec {
  rules?: RuleWithOperations[] | null;
  objectSelector?: LabelSelectorObject | null;
  namespaceSelector?: LabelSelectorObject | null;
}

const has = (list: string[] | undefined, v: string) => !!list && (list.includes("*") || list.includes(v));

export function ruleMatches(rule: RuleWithOperations, a: MatchAttributes): boolean {
  if (!has(rule.operations, a.operation)) return false;
  if (!has(rule.apiGroups, a.group)) return false;
  if (!has(rule.apiVersions, a.version)) return false;
  const resOk = (rule.resources ?? []).some((r) => {
    const slash = r.indexOf("/");
    const res = slash >= 0 ? r.slice(0, slash) : r;
    const sub = slash >= 0 ? r.slice(slash + 1) : "";
    return (res === "*" || res === a.resource) && (sub === "*" || sub === a.subresource);
  });
  if (!resOk) return false;
  switch (rule.scope ?? "*") {
    case "Cluster":
      return a.namespace === "" || a.isNamespace;
    case "Namespaced":
      return a.namespace !== "" && !a.isNamespace;
    default:
      return true;
  }
}

export function objectSelectorMatches(sel: LabelSelectorObject | null | undefined, a: MatchAttributes): boolean {
  if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) return true;
  const m = (labels: Record<string, string> | null | undefined) => labels !== undefined && matchesLabelSelector(sel, labels ?? {});
  return m(a.objectLabels) || m(a.oldObjectLabels);
}

export function namespaceSelectorMatches(sel: LabelSelectorObject | null | undefined, a: MatchAttributes): boolean {
  if (a.clusterScoped && !a.isNamespace) return true;
  if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) return true;
  return matchesLabelSelector(sel, a.namespaceLabels ?? {});
}

/** A webhook is called when one of its rules matches and both selectors match. */
export function webhookMatches(w: WebhookMatchSpec, a: MatchAttributes): boolean {
  return (w.rules ?? []).some((r) => ruleMatches(r, a)) && namespaceSelectorMatches(w.namespaceSelector, a) && objectSelectorMatches(w.objectSelector, a);
}

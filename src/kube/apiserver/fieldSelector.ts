/** Field selectors (`?fieldSelector=metadata.name=x,status.phase!=Running`), k8s.io/apimachinery/pkg/fields. */

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

export class FieldSelectorError extends Error {}

/** Splits on unescaped commas and parses each `field=value`, `field==value` or `field!=value`. */
export function parseFieldSelector(s: string): FieldRequirement[] {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\" && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === ",") {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  parts.push(cur);
  const out: FieldRequirement[] = [];
  for (const p of parts) {
    if (p.trim() === "") continue;
    const m = /^(.*?)(!=|==|=)(.*)$/s.exec(p);
    if (!m) throw new FieldSelectorError(`invalid selector: '${s}'; can't understand '${p}'`);
    const field = m[1]!.trim();
    const value = m[3]!.replace(/\\(.)/g, "$1");
    out.push({ field, op: m[2] === "!=" ? "!=" : "=", value });
  }
  return out;
}

/** The field selectors each served resource accepts, with how to read the value (kube's *ToSelectableFields). */
const FIELDS: Record<string, Record<string, (o: Record<string, unknown>) => string>> = {
  pods: {
    "spec.nodeName": (o) => str(o, "spec", "nodeName"),
    "spec.restartPolicy": (o) => str(o, "spec", "restartPolicy"),
    "spec.schedulerName": (o) => str(o, "spec", "schedulerName"),
    "spec.serviceAccountName": (o) => str(o, "spec", "serviceAccountName"),
    "spec.hostNetwork": (o) => String(!!get(o, "spec", "hostNetwork")),
    "status.phase": (o) => str(o, "status", "phase"),
    "status.podIP": (o) => str(o, "status", "podIP"),
    "status.nominatedNodeName": (o) => str(o, "status", "nominatedNodeName"),
  },
  secrets: { type: (o) => String(o.type ?? "") },
  namespaces: { "status.phase": (o) => str(o, "status", "phase") },
  events: {
    "involvedObject.kind": (o) => str(o, "involvedObject", "kind"),
    "involvedObject.namespace": (o) => str(o, "involvedObject", "namespace"),
    "involvedObject.name": (o) => str(o, "involvedObject", "name"),
    "involvedObject.uid": (o) => str(o, "involvedObject", "uid"),
    "involvedObject.apiVersion": (o) => str(o, "involvedObject", "apiVersion"),
    "involvedObject.resourceVersion": (o) => str(o, "involvedObject", "resourceVersion"),
    "involvedObject.fieldPath": (o) => str(o, "involvedObject", "fieldPath"),
    reason: (o) => String(o.reason ?? ""),
    reportingComponent: (o) => String(o.reportingComponent ?? ""),
    source: (o) => str(o, "source", "component"),
    type: (o) => String(o.type ?? ""),
  },
};

function get(o: Record<string, unknown>, a: string, b: string): unknown {
  const x = o[a];
  return x && typeof x === "object" ? (x as Record<string, unknown>)[b] : undefined;
}
function str(o: Record<string, unknown>, a: string, b: string): string {
  const v = get(o, a, b);
  return v === undefined || v === null ? "" : String(v);
}

/** Checks every field is supported for the resource; kube answers 400 `field label not supported: <f>`. */
export function checkFieldSelector(resource: string, reqs: FieldRequirement[]): void {
  for (const r of reqs) {
    if (r.field === "metadata.name" || r.field === "metadata.namespace") continue;
    if (!FIELDS[resource]?.[r.field]) throw new FieldSelectorError(`field label not supported: ${r.field}`);
  }
}

export function matchFields(resource: string, obj: Record<string, unknown>, reqs: FieldRequirement[]): boolean {
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  return reqs.every((r) => {
    let v: string;
    if (r.field === "metadata.name") v = String(meta.name ?? "");
    else if (r.field === "metadata.namespace") v = String(meta.namespace ?? "");
    else v = FIELDS[resource]?.[r.field]?.(obj) ?? "";
    return r.op === "=" ? v === r.value : v !== r.value;
  });
}

/**
 * Label selectors as kube-apiserver reads them (k8s.io/apimachinery/pkg/labels): the string form of
 * `?labelSelector=` (`=`, `==`, `!=`, `in`, `notin`, exists, `!`exists) and the `metav1.LabelSelector`
 * object form (`matchLabels` + `matchExpressions`) used by webhooks' objectSelector/namespaceSelector.
 */

export type Operator = "=" | "!=" | "in" | "notin" | "exists" | "!exists";

export interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
}

export class SelectorParseError extends Error {}

type Token = { t: "id"; v: string } | { t: "op"; v: "=" | "==" | "!=" | "!" | "(" | ")" | "," };

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c === "=" && s[i + 1] === "=") {
      out.push({ t: "op", v: "==" });
      i += 2;
    } else if (c === "!" && s[i + 1] === "=") {
      out.push({ t: "op", v: "!=" });
      i += 2;
    } else if (c === "=" || c === "!" || c === "(" || c === ")" || c === ",") {
      out.push({ t: "op", v: c });
      i++;
    } else {
      let j = i;
      while (j < s.length && !" \t\n\r=!(),".includes(s[j]!)) j++;
      out.push({ t: "id", v: s.slice(i, j) });
      i = j;
    }
  }
  return out;
}

const KEY_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string): void {
  const name = key.includes("/") ? key.slice(key.indexOf("/") + 1) : key;
  if (!KEY_RE.test(key) || name.length > 63) {
    throw new SelectorParseError(`unable to parse requirement: values[0][${key}]: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`);
  }
}

function checkValue(key: string, v: string): void {
  if (v.length > 63 || !VALUE_RE.test(v)) {
    throw new SelectorParseError(`unable to parse requirement: values[0][${key}]: Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`);
  }
}

/** Parses the string form (`app=web,tier in (a,b),!legacy`); throws SelectorParseError (kube answers 400). */
export function parseLabelSelector(s: string): Requirement[] {
  const toks = tokenize(s);
  const reqs: Requirement[] = [];
  let i = 0;
  const peek = () => toks[i];
  const fail = (what: string): never => {
    throw new SelectorParseError(`unable to parse requirement: found '${what}', expected: identifier`);
  };
  while (i < toks.length) {
    let t = toks[i++]!;
    if (t.t === "op" && t.v === "!") {
      const k = toks[i++];
      if (!k || k.t !== "id") fail(k ? k.v : "EOF");
      checkKey(k!.v);
      reqs.push({ key: k!.v, op: "!exists", values: [] });
    } else if (t.t === "id") {
      const key = t.v;
      checkKey(key);
      const n = peek();
      if (!n || (n.t === "op" && n.v === ",")) {
        reqs.push({ key, op: "exists", values: [] });
      } else if (n.t === "op" && (n.v === "=" || n.v === "==" || n.v === "!=")) {
        i++;
        const v = peek();
        let value = "";
        if (v && v.t === "id") {
          value = v.v;
          i++;
        }
        checkValue(key, value);
        reqs.push({ key, op: n.v === "!=" ? "!=" : "=", values: [value] });
      } else if (n.t === "id" && (n.v === "in" || n.v === "notin")) {
        i++;
        t = toks[i++]!;
        if (!t || t.t !== "op" || t.v !== "(") throw new SelectorParseError(`unable to parse requirement: found '${t ? t.v : "EOF"}', expected: '('`);
        const values: string[] = [];
        for (;;) {
          const v = toks[i++];
          if (!v) throw new SelectorParseError("unable to parse requirement: found 'EOF', expected: ')'");
          if (v.t === "op" && v.v === ")") break;
          if (v.t === "op" && v.v === ",") continue;
          if (v.t !== "id") throw new SelectorParseError(`unable to parse requirement: found '${v.v}', expected: ',', ')' or identifier`);
          checkValue(key, v.v);
          values.push(v.v);
        }
        if (values.length === 0) values.push("");
        reqs.push({ key, op: n.v, values });
      } else {
        throw new SelectorParseError(`unable to parse requirement: found '${n.v}', expected: in, notin, =, ==, !=, gt, lt`);
      }
    } else {
      fail(t.v);
    }
    const sep = toks[i];
    if (sep) {
      if (sep.t === "op" && sep.v === ",") i++;
      else throw new SelectorParseError(`found '${sep.v}', expected: ',' or 'end of string'`);
    }
  }
  return reqs;
}

export function matchRequirement(labels: Record<string, string> | undefined | null, r: Requirement): boolean {
  const has = !!labels && Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels![r.key]! : undefined;
  switch (r.op) {
    case "=":
    case "in":
      return has && r.values.includes(v!);
    case "!=":
    case "notin":
      return !has || !r.values.includes(v!);
    case "exists":
      return has;
    case "!exists":
      return !has;
  }
}

export function matchRequirements(labels: Record<string, string> | undefined | null, reqs: Requirement[]): boolean {
  return reqs.every((r) => matchRequirement(labels, r));
}

/** metav1.LabelSelectorAsSelector: an empty selector matches everything. Throws on a bad operator. */
export function requirementsOf(sel: LabelSelectorObject | null | undefined): Requirement[] {
  if (!sel) return [];
  const out: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) out.push({ key, op: "=", values: [value] });
  for (const e of sel.matchExpressions ?? []) {
    const values = e.values ?? [];
    switch (e.operator) {
      case "In":
        out.push({ key: e.key, op: "in", values });
        break;
      case "NotIn":
        out.push({ key: e.key, op: "notin", values });
        break;
      case "Exists":
        out.push({ key: e.key, op: "exists", values: [] });
        break;
      case "DoesNotExist":
        out.push({ key: e.key, op: "!exists", values: [] });
        break;
      default:
        throw new SelectorParseError(`"${e.operator}" is not a valid label selector operator`);
    }
  }
  return out;
}

/** Does an object-form selector match these labels? (null/empty selector: everything.) */
export function matchesLabelSelector(sel: LabelSelectorObject | null | undefined, labels: Record<string, string> | undefined | null): boolean {
  return matchRequirements(labels, requirementsOf(sel));
}

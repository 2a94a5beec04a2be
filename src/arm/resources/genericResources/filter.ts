/**
 * ARM's `$filter` for resource lists, the subset az and the SDKs send: clauses joined by `and`, each
 * `resourceType eq '…'`, `resourceGroup eq '…'` (az resource list -g), `name eq '…'`, `location eq '…'`, `tagName eq '…'` (with an optional
 * `tagValue eq '…'`), or `substringof('…', name)`. Comparisons ignore case, as ARM's do. Pure.
 */
export interface GenericResource {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags?: Record<string, string>;
  kind?: string;
  identity?: unknown;
  sku?: unknown;
}

export type ResourcePredicate = (r: GenericResource) => boolean;

const CLAUSE = /^(resourceType|resourceGroup|name|location|tagName|tagValue)\s+eq\s+'((?:[^']|'')*)'$/i;
const SUBSTRING = /^substringof\(\s*'((?:[^']|'')*)'\s*,\s*name\s*\)$/i;

/** The predicate of a `$filter`, or undefined when it is not in the supported grammar. */
export function parseResourceFilter(filter: string | undefined): ResourcePredicate | undefined {
  if (filter === undefined || filter.trim() === "") return () => true;
  const parts = filter.trim().split(/\s+and\s+/i);
  const tests: ResourcePredicate[] = [];
  let tagName: string | undefined;
  let tagValue: string | undefined;
  for (const p of parts) {
    const sub = SUBSTRING.exec(p.trim());
    if (sub) {
      const v = sub[1]!.replace(/''/g, "'").toLowerCase();
      tests.push((r) => r.name.toLowerCase().includes(v));
      continue;
    }
    const m = CLAUSE.exec(p.trim());
    if (!m) return undefined;
    const field = m[1]!.toLowerCase();
    const v = m[2]!.replace(/''/g, "'");
    if (field === "tagname") tagName = v;
    else if (field === "tagvalue") tagValue = v;
    else if (field === "resourcetype") tests.push((r) => r.type.toLowerCase() === v.toLowerCase());
    else if (field === "name") tests.push((r) => r.name.toLowerCase() === v.toLowerCase());
    else if (field === "resourcegroup") tests.push((r) => (r.id.split("/")[4] ?? "").toLowerCase() === v.toLowerCase());
    else tests.push((r) => (r.location ?? "").toLowerCase() === v.toLowerCase());
  }
  if (tagValue !== undefined && tagName === undefined) return undefined;
  if (tagName !== undefined) {
    const k = tagName.toLowerCase();
    tests.push((r) => Object.entries(r.tags ?? {}).some(([n, val]) => n.toLowerCase() === k && (tagValue === undefined || val === tagValue)));
  }
  return (r) => tests.every((t) => t(r));
}

import { GraphErrors } from "../GraphError.js";
import type { GraphCall } from "../types.js";

/** `@odata.context` for a collection or an entity set. */
export function contextUrl(call: GraphCall, what: string): string {
  return `${call.origin}/${call.version}/$metadata#${what}`;
}

/** `$top`: 1..max, else Graph's page-size error. */
export function topOf(call: GraphCall, max: number, fallback: number): number {
  const raw = call.query.$top;
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > max) throw GraphErrors.invalidPageSize(raw, max);
  return n;
}

/** `$select=a,b`: only those properties (and `@odata.type`); absent → everything. */
export function selectOf(call: GraphCall): (o: Record<string, unknown>) => Record<string, unknown> {
  const raw = call.query.$select;
  if (!raw) return (o) => o;
  const want = new Set(raw.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean));
  return (o) => Object.fromEntries(Object.entries(o).filter(([k]) => k.startsWith("@odata.") || want.has(k.toLowerCase())));
}

/**
 * One page of an ordered collection and the `@odata.nextLink` to the next: `$skiptoken` is opaque to clients
 * (base64url of the last key shown); the next page starts after that key, so it is stable while records are added.
 */
export function page<T>(call: GraphCall, items: T[], keyOf: (r: T) => string, top: number, descending: boolean): { rows: T[]; nextLink?: string } {
  const raw = call.query.$skiptoken;
  let rows = items;
  if (raw !== undefined) {
    let after: unknown;
    try {
      after = (JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as { k?: unknown }).k;
    } catch {
      after = undefined;
    }
    if (typeof after !== "string") throw GraphErrors.invalidSkipToken();
    rows = items.filter((r) => (descending ? keyOf(r) < after : keyOf(r) > after));
  }
  if (rows.length <= top) return { rows };
  const shown = rows.slice(0, top);
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(call.query)) if (k !== "$skiptoken") q.set(k, v);
  q.set("$top", String(top));
  q.set("$skiptoken", Buffer.from(JSON.stringify({ k: keyOf(shown[shown.length - 1]!) })).toString("base64url"));
  return { rows: shown, nextLink: `${call.origin}/${call.version}/${call.path}?${q.toString().replace(/%24/g, "$")}` };
}

/** A collection response: `@odata.context`, `value` and, when there is more, `@odata.nextLink`. */
export function collection(call: GraphCall, what: string, value: unknown[], nextLink?: string): Record<string, unknown> {
  return { "@odata.context": contextUrl(call, what), ...(nextLink ? { "@odata.nextLink": nextLink } : {}), value };
}

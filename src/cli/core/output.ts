import type { Json, JsonObject } from "./types.js";
import { cjsExports } from "../../platform/interop.js";
import { isJsonObject } from "./types.js";

export type OutputFormat = "json" | "jsonc" | "tsv" | "table" | "yaml" | "yamlc" | "none";
export const OUTPUT_FORMATS: OutputFormat[] = ["json", "jsonc", "tsv", "table", "yaml", "yamlc", "none"];

/** Copies a value with every object's keys sorted, as Python's json/yaml dumps with sort_keys print them. */
export function sortKeysDeep(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (isJsonObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort(pyCompare)) out[k] = sortKeysDeep(v[k]!);
    return out;
  }
  return v;
}

/** Python's default string ordering (code points), not localeCompare. */
function pyCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Python `str()` of a JSON scalar, as knack writes it into tsv and table cells. */
export function pyStr(v: Json): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return pyNumber(v);
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

function pyNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const s = String(n);
  // Python writes 1e-07 where JavaScript writes 1e-7.
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

/** json: `json.dumps(indent=2, sort_keys=True, ensure_ascii=False)`. */
export function formatJson(v: Json): string {
  return `${JSON.stringify(sortKeysDeep(v), null, 2)}\n`;
}

/** knack's _TsvOutput: one row per list item; dict values in key order; nested list → its length; nested dict → empty. */
export function formatTsv(v: Json): string {
  const rows = Array.isArray(v) ? v : [v];
  let out = "";
  for (const row of rows) out += `${tsvRow(row)}\n`;
  return out;
}

function tsvCell(v: Json): string {
  if (Array.isArray(v)) return String(v.length);
  if (isJsonObject(v)) return "";
  return pyStr(v);
}

function tsvRow(v: Json): string {
  if (Array.isArray(v)) return v.map(tsvCell).join("\t");
  if (isJsonObject(v)) return Object.values(v).map(tsvCell).join("\t");
  // knack lowercases a boolean that is a row by itself (`az group exists -o tsv` prints `true`).
  if (typeof v === "boolean") return v ? "true" : "false";
  return tsvCell(v);
}

const TABLE_SKIP_KEYS = new Set(["id", "type", "etag"]);

/** knack's _TableOutput through tabulate's "simple" format. */
export function formatTable(v: Json, opts: { sortKeys: boolean } = { sortKeys: true }): string {
  const items = Array.isArray(v) ? v : [v];
  const rows: Map<string, Json>[] = items.map((item) => tableItem(item, opts.sortKeys));
  if (rows.length === 0) return "\n";
  const headers: string[] = [];
  for (const r of rows) for (const k of r.keys()) if (!headers.includes(k)) headers.push(k);
  if (headers.length === 0) {
    throw new TableUnavailable();
  }
  const cells = rows.map((r) => headers.map((h) => (r.has(h) ? tableCell(r.get(h)!) : "")));
  const numeric = headers.map((_, i) => rows.every((r) => {
    const x = r.get(headers[i]!);
    return x === undefined || x === null || typeof x === "number";
  }) && rows.some((r) => typeof r.get(headers[i]!) === "number"));
  // tabulate pads every header by two (MIN_PADDING) before sizing its column.
  const widths = headers.map((h, i) => Math.max(h.length + 2, ...cells.map((c) => c[i]!.length)));
  const pad = (s: string, i: number) => (numeric[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  const line = (cs: string[]) => cs.map(pad).join("  ").trimEnd();
  const out = [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)];
  return `${out.join("\n")}\n`;
}

export class TableUnavailable extends Error {
  constructor() {
    super("Table output unavailable. Use the --query option to specify an appropriate query. Use --debug for more info.");
  }
}

function tableItem(item: Json, sortKeys: boolean): Map<string, Json> {
  const m = new Map<string, Json>();
  if (isJsonObject(item)) {
    const keys = sortKeys ? Object.keys(item).sort(pyCompare) : Object.keys(item);
    for (const k of keys) {
      if (TABLE_SKIP_KEYS.has(k)) continue;
      const x = item[k]!;
      if (x !== null && typeof x !== "object") m.set(k ? k[0]!.toUpperCase() + k.slice(1) : k, x);
    }
  } else if (Array.isArray(item)) {
    item.forEach((x, i) => m.set(`Column${i + 1}`, x));
  } else {
    m.set("Result", item);
  }
  return m;
}

function tableCell(v: Json): string {
  if (v === null) return "";
  if (typeof v === "object") return pyRepr(v);
  return pyStr(v);
}

/** Python repr of a list/dict (tabulate prints nested containers that way). */
function pyRepr(v: Json): string {
  if (v === null) return "None";
  if (typeof v === "string") return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (typeof v !== "object") return pyStr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(", ")}}`;
}

/** Renders a command's result in the chosen format (null prints nothing, as in knack). */
export async function render(v: Json | undefined, format: OutputFormat, opts: { queryActive: boolean; tableTransform?: (v: Json) => Json }): Promise<string> {
  if (v === undefined || v === null || format === "none") return "";
  switch (format) {
    case "json":
    case "jsonc":
      return formatJson(v);
    case "tsv":
      return formatTsv(v);
    case "table": {
      const t = opts.tableTransform && !opts.queryActive ? opts.tableTransform(v) : v;
      return formatTable(t, { sortKeys: !opts.queryActive && !opts.tableTransform });
    }
    case "yaml":
    case "yamlc": {
      const { stringify } = cjsExports(await import("yaml"), "stringify");
      return stringify(sortKeysDeep(v), { indentSeq: false, lineWidth: 0, nullStr: "null" });
    }
  }
}

// Shared pieces of docs/benchmarks.md: a run's machine line and a table of rows.
export const num = (v, unit) => {
  if (typeof v !== "number" || Number.isNaN(v)) return "—";
  if (unit === "ms" || unit === "MB") return v.toFixed(v >= 100 ? 0 : 1);
  return v >= 100 ? Math.round(v).toLocaleString("en") : v.toFixed(2);
};
export const ratio = (v) => (typeof v === "number" && !Number.isNaN(v) ? v.toFixed(2) : "—");
export const verdict = (p) => (p === undefined || p === null ? "—" : p ? "pass" : "**fail**");

/** The machine lines of a section's runs (`v.runs`: [{ run, ids }]); rows named when more than one run measured them. */
export function runLines(v, label) {
  if (!v.runs || v.runs.length < 2) return machineLines(v.run, label);
  return v.runs.flatMap(({ run, ids }, i) => [...(i ? [""] : []), ...machineLines(run, `${label} (rows ${ids.join(", ")})`)]);
}

/** The machine line of a run (and its load warning). */
export function machineLines(run, label = "Machine") {
  const m = run.machine;
  const lines = [`**${label}:** ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, Linux ${m.kernel}, Node ${m.node} (OpenSSL ${m.openssl}), wrk ${m.wrk}, ${m.date}${run.smoke ? " (**--smoke** run: indicative only)" : ""}. Load average at start ${m.loadAtStart.join(" ")}, at end ${(m.loadAtEnd ?? []).join(" ")}; the run took ${Math.round(m.totalSeconds)} s.`];
  if ((m.loadAtStart[0] ?? 0) > 1 || (m.loadAtEnd?.[0] ?? 0) > 3) {
    lines.push("");
    lines.push(`> **Noisy machine:** the load average (${m.loadAtStart[0]} at start; this run's own servers and wrk account for about 2 while they run) shows other work shared these ${m.cores} cores. The ratios are taken side by side and suffer less than the absolute figures, but re-run on a quiet machine for figures to quote.`);
  }
  return lines;
}

const TABLE_HEAD = ["| # | scenario | wilab | ceiling | ceiling is | ratio | p50 / p99 (ms) | target | result |", "|---|---|---|---|---|---|---|---|---|"];
const ms2 = (v) => (typeof v === "number" ? v.toFixed(2) : "—");

/** The table of `rows`, as lines. */
export function table(rows) {
  const lines = [...TABLE_HEAD];
  for (const row of rows) {
    const lat = typeof row.p99Ms === "number" ? `${ms2(row.p50Ms)} / ${ms2(row.p99Ms)}` : "—";
    const err = row.errors ? ` (${row.errors} errors)` : "";
    lines.push(`| ${row.id} | ${row.scenario}${row.error ? ` — error: ${row.error.replace(/\|/g, "/").slice(0, 200)}` : ""}${row.note ? ` — ${row.note}` : ""} | ${num(row.wilab, row.unit)} ${row.unit}${err} | ${num(row.ceiling, row.unit)} | ${row.ceilingLabel ?? ""} | ${ratio(row.ratio)} | ${lat} | ${row.target} | ${verdict(row.pass)} |`);
  }
  return lines;
}


/**
 * `wilab doctor pod|identity|vault`: walks the trust chain from one end with the lab's doctor (GET /_wilab/doctor)
 * and prints each check: pass, fail, warn or skip, the values that differ and the command that fixes it.
 * Exits 1 when a check fails.
 */
import type { Args, CommandContext, CommandDef, GroupDef } from "../core/command.js";
import { str } from "../core/command.js";
import { isJsonObject, type Json } from "../core/types.js";

export const groups: GroupDef[] = [{ name: "doctor", summary: "See why the workload identity trust chain breaks: check a pod, an identity or a vault, link by link." }];

const MARK: Record<string, string> = { pass: "✔ PASS", fail: "✖ FAIL", warn: "! WARN", skip: "- SKIP" };

/** The report as readable lines: one per check, then what differs and the fix for the checks that did not pass. */
export function formatReport(r: Json): string {
  if (!isJsonObject(r) || !Array.isArray(r.checks)) return `${JSON.stringify(r)}\n`;
  const checks = r.checks.filter(isJsonObject);
  const w = Math.max(...checks.map((c) => String(c.id).length));
  const lines = [`Doctor: ${String(r.target)}`, ""];
  for (const c of checks) {
    lines.push(`${MARK[String(c.status)] ?? String(c.status)}  ${String(c.id).padEnd(w)}  ${String(c.detail)}`);
    if (c.status === "pass" || c.status === "skip") continue;
    const pad = " ".repeat(10 + w);
    if (typeof c.expected === "string") lines.push(`${pad}expected: ${c.expected}`);
    if (typeof c.actual === "string") lines.push(`${pad}actual:   ${c.actual}`);
    if (typeof c.fix === "string") lines.push(`${pad}fix:      ${c.fix}`);
  }
  const s = isJsonObject(r.summary) ? r.summary : {};
  lines.push("", `${r.ok === true ? "OK" : "FAILED"}: ${Number(s.fail ?? 0)} failed, ${Number(s.warn ?? 0)} warning(s), ${Number(s.pass ?? 0)} passed, ${Number(s.skip ?? 0)} skipped`);
  return `${lines.join("\n")}\n`;
}

async function runDoctor(ctx: CommandContext, a: Args, query: Record<string, string | undefined>): Promise<Json | undefined> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  const report = (await ctx.session().labApi("GET", `/_wilab/doctor?${params.toString()}`)) ?? null;
  ctx.setExitCode(isJsonObject(report) && report.ok === true ? 0 : 1);
  if (str(a, "_output") === "table" && str(a, "_query") === undefined) {
    process.stdout.write(formatReport(report));
    return undefined;
  }
  return report;
}

const OUTPUT_NOTE = "Use -o table for one readable line per check.";

export const commands: CommandDef[] = [
  {
    name: "doctor pod",
    summary: `Walk the chain for one pod: label, service account, webhook mutation, token, identity, federated credential, sign-in, role assignments, vault, propagation. ${OUTPUT_NOTE}`,
    args: [
      { dest: "name", options: [], positional: true, required: true, help: "The pod's name." },
      { dest: "namespace", options: ["--namespace", "-n"], default: "default", help: "The pod's namespace." },
      { dest: "cluster", options: ["--cluster"], help: "The cluster's name (default: the lab's only cluster)." },
      { dest: "resource_group", options: ["--resource-group", "-g"], help: "The cluster's resource group." },
      { dest: "vault", options: ["--vault"], help: "The vault the pod reads (default: from its KEYVAULT_URL env, else the Key Vault audit log)." },
    ],
    examples: [
      { summary: "Check the quick-start pod, one line per check.", command: "wilab doctor pod quick-start -o table" },
      { summary: "Check a pod of a named cluster, as JSON.", command: "wilab doctor pod my-app -n apps --cluster arc1 -g rg-arc" },
    ],
    run: (ctx, a) => runDoctor(ctx, a, { pod: str(a, "name"), namespace: str(a, "namespace"), cluster: str(a, "cluster"), resourceGroup: str(a, "resource_group"), vault: str(a, "vault") }),
  },
  {
    name: "doctor identity",
    summary: `Walk the chain from a managed identity: its credentials against the clusters' issuers and service accounts, its sign-ins, its role assignments. ${OUTPUT_NOTE}`,
    args: [
      { dest: "name", options: [], positional: true, required: true, help: "The identity's name." },
      { dest: "resource_group", options: ["--resource-group", "-g"], required: true, help: "The identity's resource group." },
    ],
    examples: [{ summary: "Check the quick-start identity.", command: "wilab doctor identity quick-start -g rg-quick-start -o table" }],
    run: (ctx, a) => runDoctor(ctx, a, { identity: str(a, "name"), resourceGroup: str(a, "resource_group") }),
  },
  {
    name: "doctor vault",
    summary: `Walk the chain from a vault: its permission model, who may read secrets, the requests it denied. ${OUTPUT_NOTE}`,
    args: [{ dest: "name", options: [], positional: true, required: true, help: "The vault's name." }],
    examples: [{ summary: "Check a vault.", command: "wilab doctor vault kv-quick-start -o table" }],
    run: (ctx, a) => runDoctor(ctx, a, { vault: str(a, "name") }),
  },
];

import type { ArgDef, CommandDef, GroupDef } from "./command.js";
import { globalArgsOf } from "./parser.js";

function optionLabel(a: ArgDef): string {
  if (a.positional) return a.dest.toUpperCase();
  const long = a.options.filter((o) => o.startsWith("--"));
  const short = a.options.filter((o) => !o.startsWith("--"));
  return [...long, ...short].join(" ");
}

function argLines(args: ArgDef[]): string[] {
  const labels = args.map((a) => `${optionLabel(a)}${a.required ? " [Required]" : ""}`);
  const width = Math.min(40, Math.max(...labels.map((l) => l.length)));
  return args.map((a, i) => {
    const extra = a.choices && a.dest !== "_output" ? ` Allowed values: ${a.choices.join(", ")}.` : a.dest === "_output" ? ` Allowed values: ${a.choices!.join(", ")}. Default: json.` : "";
    const def = a.default !== undefined && a.dest !== "_output" ? ` Default: ${String(a.default)}.` : "";
    return `    ${labels[i]!.padEnd(width)} : ${a.help}${extra}${def}`;
  });
}

/** `az <command> --help`: summary, arguments by group, global arguments, examples. */
export function commandHelp(prog: string, cmd: CommandDef): string {
  const out: string[] = ["", "Command", `    ${prog} ${cmd.name} : ${cmd.summary}`, ""];
  const groups = new Map<string, ArgDef[]>();
  const idArgs = cmd.ids ? cmd.args.filter((a) => a.idPart && a.group !== "Global") : [];
  for (const a of cmd.args) {
    if (a.group === "Global") continue;
    const g = cmd.ids && a.idPart ? "Resource Id Arguments" : a.group ? `${a.group} Arguments` : "Arguments";
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(a);
  }
  if (cmd.ids && idArgs.length) {
    groups.get("Resource Id Arguments")!.push({ dest: "ids", options: ["--ids"], help: "One or more resource IDs (space-delimited). It should be a complete resource ID containing all information of 'Resource Id' arguments. You should provide either --ids or other 'Resource Id' arguments." });
  }
  const order = ["Arguments", ...[...groups.keys()].filter((g) => g !== "Arguments")];
  for (const g of order) {
    const list = groups.get(g);
    if (!list?.length) continue;
    out.push(g, ...argLines(list), "");
  }
  const globals = [...globalArgsOf(cmd), ...cmd.args.filter((a) => a.group === "Global")];
  out.push("Global Arguments", ...argLines(globals), "");
  if (cmd.examples?.length) {
    out.push("Examples");
    for (const e of cmd.examples) out.push(`    ${e.summary}`, `        ${e.command.replace(/^az /, `${prog} `)}`, "");
  }
  return `${out.join("\n")}\n`;
}

/** `az <group> --help`: subgroups and commands. */
export function groupHelp(prog: string, group: GroupDef | undefined, subgroups: GroupDef[], commands: CommandDef[]): string {
  const out: string[] = [""];
  if (group) out.push("Group", `    ${prog} ${group.name} : ${group.summary}`, "");
  const prefix = group ? `${group.name} ` : "";
  const rows = (items: { name: string; summary: string }[]) => {
    const names = items.map((i) => i.name.slice(prefix.length));
    const w = Math.max(...names.map((n) => n.length));
    return items.map((it, i) => `    ${names[i]!.padEnd(w)} : ${it.summary}`);
  };
  if (subgroups.length) out.push("Subgroups:", ...rows(subgroups), "");
  if (commands.length) out.push("Commands:", ...rows(commands), "");
  return `${out.join("\n")}\n`;
}

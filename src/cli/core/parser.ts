import type { ArgDef, Args, CommandDef } from "./command.js";
import { UsageError } from "./errors.js";
import { OUTPUT_FORMATS } from "./output.js";

/** The global arguments every command takes. */
export const GLOBAL_ARGS: ArgDef[] = [
  { dest: "_help", options: ["--help", "-h"], help: "Show this help message and exit.", kind: "flag", group: "Global" },
  { dest: "_debug", options: ["--debug"], help: "Increase logging verbosity to show all debug logs.", kind: "flag", group: "Global" },
  { dest: "_onlyShowErrors", options: ["--only-show-errors"], help: "Only show errors, suppressing warnings.", kind: "flag", group: "Global" },
  { dest: "_output", options: ["--output", "-o"], help: "Output format.", choices: OUTPUT_FORMATS, default: "json", group: "Global" },
  { dest: "_query", options: ["--query"], help: "JMESPath query string. See http://jmespath.org/ for more information and examples.", group: "Global" },
  { dest: "_verbose", options: ["--verbose"], help: "Increase logging verbosity. Use --debug for full debug logs.", kind: "flag", group: "Global" },
];

const TRUE_WORDS = new Set(["true", "yes", "on", "1", "t", "y"]);
const FALSE_WORDS = new Set(["false", "no", "off", "0", "f", "n"]);

function looksLikeOption(t: string): boolean {
  return t.length > 1 && t.startsWith("-") && !/^-\d/.test(t) && t !== "--";
}

/** argparse's name for an argument in messages: its option strings joined with `/`. */
export function argName(a: ArgDef): string {
  return a.positional ? a.dest : a.options.join("/");
}

/** Parses a command's arguments the way az's argparse does, with its error messages. */
export function parseArgs(cmd: CommandDef, tokens: string[]): { args: Args; ids?: string[] } {
  const defs: ArgDef[] = [...cmd.args, ...GLOBAL_ARGS];
  const idsDef: ArgDef | undefined = cmd.ids ? { dest: "_ids", options: ["--ids"], help: "", kind: "list" } : undefined;
  if (idsDef) defs.push(idsDef);
  const byOption = new Map<string, ArgDef>();
  for (const d of defs) for (const o of d.options) byOption.set(o, d);
  const positionals = cmd.args.filter((a) => a.positional);
  const args: Args = {};
  const seen = new Set<string>();
  const extras: string[] = [];
  let pos = 0;

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === "--" && cmd.rest) {
      args[cmd.rest] = tokens.slice(i + 1);
      seen.add(cmd.rest);
      break;
    }
    if (!looksLikeOption(t)) {
      const p = positionals[pos];
      if (p) {
        args[p.dest] = t;
        seen.add(p.dest);
        pos++;
      } else extras.push(t);
      continue;
    }
    let opt = t;
    let inline: string | undefined;
    const eq = t.indexOf("=");
    if (t.startsWith("--") && eq > 0) {
      opt = t.slice(0, eq);
      inline = t.slice(eq + 1);
    } else if (!t.startsWith("--") && t.length > 2 && byOption.has(t.slice(0, 2))) {
      // `-nNAME`, as argparse allows for single-dash options.
      opt = t.slice(0, 2);
      inline = t.slice(2);
    }
    let d = byOption.get(opt);
    if (!d && opt.startsWith("--") && opt.length > 2) {
      // argparse's allow_abbrev: an unambiguous prefix of a long option names it (the article writes `--n`).
      const hits = [...byOption.entries()].filter(([o]) => o.startsWith("--") && o.startsWith(opt));
      const distinct = [...new Set(hits.map(([, def]) => def))];
      if (distinct.length > 1) throw new UsageError(`ambiguous option: ${opt} could match ${hits.map(([o]) => o).join(", ")}`);
      d = distinct[0];
    }
    if (!d) {
      extras.push(t);
      continue;
    }
    const kind = d.kind ?? "string";
    const name = argName(d);
    if (kind === "flag") {
      if (inline !== undefined) throw new UsageError(`argument ${name}: ignored explicit argument '${inline}'`);
      args[d.dest] = true;
    } else if (kind === "bool") {
      let v: string | undefined = inline;
      if (v === undefined && i + 1 < tokens.length && !looksLikeOption(tokens[i + 1]!)) v = tokens[++i];
      if (v === undefined) args[d.dest] = true;
      else if (TRUE_WORDS.has(v.toLowerCase())) args[d.dest] = true;
      else if (FALSE_WORDS.has(v.toLowerCase())) args[d.dest] = false;
      else throw new UsageError(`argument ${name}: invalid choice: '${v}' (choose from 'false', 'true')`);
    } else if (kind === "list") {
      const vals: string[] = inline !== undefined ? [inline] : [];
      while (inline === undefined && i + 1 < tokens.length && !looksLikeOption(tokens[i + 1]!)) vals.push(tokens[++i]!);
      if (vals.length === 0) throw new UsageError(`argument ${name}: expected at least one argument`);
      args[d.dest] = vals;
    } else {
      let v = inline;
      if (v === undefined) {
        const next = tokens[i + 1];
        if (next === undefined || looksLikeOption(next)) throw new UsageError(`argument ${name}: expected one argument`);
        v = next;
        i++;
      }
      if (d.choices) {
        const lower = d.dest === "_output" ? v.toLowerCase() : v;
        if (!d.choices.includes(lower)) {
          throw new UsageError(`argument ${name}: invalid choice: '${v}' (choose from ${d.choices.map((c) => `'${c}'`).join(", ")})`);
        }
        v = lower;
      }
      args[d.dest] = v;
    }
    seen.add(d.dest);
  }

  if (args._help) return { args };
  const ids = idsDef ? (args._ids as string[] | undefined) : undefined;
  const missing = cmd.args.filter((a) => a.required && !seen.has(a.dest) && !(ids && a.idPart));
  if (missing.length) throw new UsageError(`the following arguments are required: ${missing.map(argName).join(", ")}`);
  if (extras.length) throw new UsageError(`unrecognized arguments: ${extras.join(" ")}`);
  for (const d of defs) if (args[d.dest] === undefined && d.default !== undefined) args[d.dest] = d.default;
  return { args, ids };
}

/** The parts of a resource id that `--ids` fills. */
export function parseResourceId(id: string): { subscription?: string; resource_group?: string; name?: string; child_name_1?: string } {
  const parts = id.split("/").filter(Boolean);
  const out: { subscription?: string; resource_group?: string; name?: string; child_name_1?: string } = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!.toLowerCase();
    if (p === "subscriptions" && out.subscription === undefined) out.subscription = parts[i + 1];
    else if (p === "resourcegroups" && out.resource_group === undefined) out.resource_group = parts[i + 1];
    else if (p === "providers" && out.name === undefined) {
      // providers/{namespace}/{type}/{name}[/{childType}/{childName}]
      out.name = parts[i + 3];
      out.child_name_1 = parts[i + 5];
      break;
    }
  }
  return out;
}

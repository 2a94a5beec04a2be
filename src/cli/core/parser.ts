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

/** The global arguments a command takes: all of az's, or only `--help` for wilab's own lab-process commands. */
export function globalArgsOf(cmd: CommandDef): ArgDef[] {
  return cmd.ownArgsOnly ? GLOBAL_ARGS.filter((a) => a.dest === "_help") : GLOBAL_ARGS;
}

/** What one parse reads and fills: the command's option table, and the values, positionals and leftovers so far. */
interface ParseState {
  cmd: CommandDef;
  defs: ArgDef[];
  idsDef?: ArgDef;
  byOption: Map<string, ArgDef>;
  positionals: ArgDef[];
  args: Args;
  seen: Set<string>;
  extras: string[];
  pos: number;
}

function parseState(cmd: CommandDef): ParseState {
  const defs: ArgDef[] = [...cmd.args, ...globalArgsOf(cmd)];
  const idsDef: ArgDef | undefined = cmd.ids ? { dest: "_ids", options: ["--ids"], help: "", kind: "list" } : undefined;
  if (idsDef) defs.push(idsDef);
  const byOption = new Map<string, ArgDef>();
  for (const d of defs) for (const o of d.options) byOption.set(o, d);
  return { cmd, defs, idsDef, byOption, positionals: cmd.args.filter((a) => a.positional), args: {}, seen: new Set(), extras: [], pos: 0 };
}

/** The option a token names (`--name`, `--name=v`, `-nV`, or argparse's allow_abbrev prefix such as the article's `--n`), and any inline value. */
function resolveOption(st: ParseState, t: string): { d?: ArgDef; inline?: string } {
  let opt = t;
  let inline: string | undefined;
  const eq = t.indexOf("=");
  if (t.startsWith("--") && eq > 0) {
    opt = t.slice(0, eq);
    inline = t.slice(eq + 1);
  } else if (!t.startsWith("--") && t.length > 2 && st.byOption.has(t.slice(0, 2))) {
    // `-nNAME`, as argparse allows for single-dash options.
    opt = t.slice(0, 2);
    inline = t.slice(2);
  }
  const d = st.byOption.get(opt);
  if (d || !opt.startsWith("--") || opt.length <= 2) return { d, inline };
  // argparse's allow_abbrev: an unambiguous prefix of a long option names it.
  const hits = [...st.byOption.entries()].filter(([o]) => o.startsWith("--") && o.startsWith(opt));
  const distinct = [...new Set(hits.map(([, def]) => def))];
  if (distinct.length > 1) throw new UsageError(`ambiguous option: ${opt} could match ${hits.map(([o]) => o).join(", ")}`);
  return { d: distinct[0], inline };
}

/** A `bool` argument's value: bare means true, else one of argparse's true/false words. */
function boolValue(name: string, v: string | undefined): boolean {
  if (v === undefined || TRUE_WORDS.has(v.toLowerCase())) return true;
  if (FALSE_WORDS.has(v.toLowerCase())) return false;
  throw new UsageError(`argument ${name}: invalid choice: '${v}' (choose from 'false', 'true')`);
}

/** A `string` argument's value checked against its choices (`--output` case-insensitively). */
function choiceValue(d: ArgDef, name: string, v: string): string {
  if (!d.choices) return v;
  const lower = d.dest === "_output" ? v.toLowerCase() : v;
  if (!d.choices.includes(lower)) throw new UsageError(`argument ${name}: invalid choice: '${v}' (choose from ${d.choices.map((c) => `'${c}'`).join(", ")})`);
  return lower;
}

/** Reads option `d`'s value by its kind, from `inline` or the tokens after `i`; returns the index of the last token used. */
function readOption(st: ParseState, d: ArgDef, inline: string | undefined, tokens: string[], i: number): number {
  const kind = d.kind ?? "string";
  const name = argName(d);
  const nextValue = (): string | undefined => (i + 1 < tokens.length && !looksLikeOption(tokens[i + 1]!) ? tokens[++i] : undefined);
  if (kind === "flag") {
    if (inline !== undefined) throw new UsageError(`argument ${name}: ignored explicit argument '${inline}'`);
    st.args[d.dest] = true;
  } else if (kind === "bool") {
    st.args[d.dest] = boolValue(name, inline ?? nextValue());
  } else if (kind === "list") {
    const vals: string[] = inline !== undefined ? [inline] : [];
    for (let v = inline === undefined ? nextValue() : undefined; v !== undefined; v = nextValue()) vals.push(v);
    if (vals.length === 0) throw new UsageError(`argument ${name}: expected at least one argument`);
    st.args[d.dest] = vals;
  } else {
    const v = inline ?? nextValue();
    if (v === undefined) throw new UsageError(`argument ${name}: expected one argument`);
    const value = choiceValue(d, name, v);
    st.args[d.dest] = kind === "append" ? [...((st.args[d.dest] as string[] | undefined) ?? []), value] : value;
  }
  st.seen.add(d.dest);
  return i;
}

/** A token that is not an option: the next positional argument, else left over. */
function readPositional(st: ParseState, t: string): void {
  const p = st.positionals[st.pos];
  if (!p) {
    st.extras.push(t);
    return;
  }
  st.args[p.dest] = t;
  st.seen.add(p.dest);
  st.pos++;
}

/** After the last token: required arguments, leftovers, then defaults, with argparse's messages. */
function finish(st: ParseState): { args: Args; ids?: string[] } {
  const { cmd, args } = st;
  if (args._help) return { args };
  const ids = st.idsDef ? (args._ids as string[] | undefined) : undefined;
  const missing = cmd.args.filter((a) => a.required && !st.seen.has(a.dest) && !(ids && a.idPart));
  if (missing.length) throw new UsageError(`the following arguments are required: ${missing.map(argName).join(", ")}`);
  if (st.extras.length) throw new UsageError(`unrecognized arguments: ${st.extras.join(" ")}`);
  for (const d of st.defs) if (args[d.dest] === undefined && d.default !== undefined) args[d.dest] = d.default;
  return { args, ids };
}

/** Parses a command's arguments the way az's argparse does, with its error messages. */
export function parseArgs(cmd: CommandDef, tokens: string[]): { args: Args; ids?: string[] } {
  const st = parseState(cmd);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === "--" && cmd.rest) {
      st.args[cmd.rest] = tokens.slice(i + 1);
      st.seen.add(cmd.rest);
      break;
    }
    if (!looksLikeOption(t)) {
      readPositional(st, t);
      continue;
    }
    const { d, inline } = resolveOption(st, t);
    if (d) i = readOption(st, d, inline, tokens, i);
    else st.extras.push(t);
  }
  return finish(st);
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

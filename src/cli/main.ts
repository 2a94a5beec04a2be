import { basename } from "node:path";
import { cjsExports } from "../platform/interop.js";
import type { Args, CommandContext, CommandDef, Example, GroupDef } from "./core/command.js";
import { CliError, UsageError } from "./core/errors.js";
import { globalArgsOf, parseArgs, parseResourceId } from "./core/parser.js";
import { didYouMean, recommendExamples } from "./core/similar.js";
import type { Json } from "./core/types.js";
import { isJsonObject } from "./core/types.js";
import type { Session } from "./core/session.js";
import { TOP, type CommandModule } from "./commands/index.js";

const QUERY_REFERENCE = "To learn more about --query, please visit: 'https://docs.microsoft.com/cli/azure/query-azure-cli'";

/** The CLI entry: returns the process exit code. Under the name `az` (the shim) it behaves the same. */
export async function main(argv: string[]): Promise<number> {
  const prog = /^az(\.cmd|\.exe|\.ps1)?$/i.test(basename(argv[1] ?? "")) ? "az" : "wilab";
  const io = new Io();
  const held: Held = {};
  try {
    return await dispatch(prog, argv.slice(2), io, held);
  } catch (err) {
    return io.fail(err);
  } finally {
    held.session?.close();
  }
}

/** The connection to the lab, once a command has made it (closed when the command ends). */
interface Held {
  session?: Session;
}

class Io {
  debug = false;
  verbose = false;
  quiet = false;

  out(s: string): void {
    if (s) process.stdout.write(s);
  }
  err(s: string): void {
    process.stderr.write(s);
  }
  warn(m: string): void {
    if (!this.quiet) this.err(`WARNING: ${m}\n`);
  }
  info(m: string): void {
    if (this.verbose || this.debug) this.err(`INFO: ${m}\n`);
  }
  debugLine(m: string): void {
    if (this.debug) this.err(`DEBUG: ${m}\n`);
  }
  fail(err: unknown): number {
    if (err instanceof CliError) {
      this.err(`ERROR: ${err.message}\n`);
      for (const r of err.recommendations) this.err(`${r}\n`);
      return err.exitCode;
    }
    const e = err as NodeJS.ErrnoException;
    if (e && typeof e.code === "string" && /^(ECONNREFUSED|ENOTFOUND|ECONNRESET|EAI_AGAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID)$/.test(e.code)) {
      this.err(`ERROR: Connection error: ${e.message}\nIs the lab running? Start it with 'wilab up'.\n`);
      return 1;
    }
    this.err(`ERROR: The command failed with an unexpected error. Here is the traceback:\nERROR: ${e?.stack ?? String(err)}\n`);
    return 1;
  }
}

/** One command line: top-level help, a group's help, or a command parsed, run and its result printed. */
async function dispatch(prog: string, tokens: string[], io: Io, held: Held): Promise<number> {
  const first = tokens[0];
  if (first === undefined || first === "-h" || first === "--help") {
    io.out(topHelp(prog));
    return 0;
  }
  if (first === "--version" || first === "-v") tokens = ["version", ...tokens.slice(1)];
  const mod = await loadTop(prog, tokens[0]!);
  const words = leadingWords(tokens);
  const found = findCommand(mod, words);
  if (!found) {
    io.out(await groupHelpFor(prog, mod, words));
    return 0;
  }
  const { cmd, used } = found;
  const { args, ids } = parseWithExamples(prog, cmd, tokens.slice(used));
  io.debug = args._debug === true;
  io.verbose = args._verbose === true;
  io.quiet = args._onlyShowErrors === true;
  if (args._help) {
    io.out((await import("./core/help.js")).commandHelp(prog, cmd));
    return 0;
  }
  return runCommand(prog, cmd, args, ids, io, held);
}

/** The first word picks the module to load; an unknown one gets az's message and the closest top-level commands. */
async function loadTop(prog: string, word: string): Promise<CommandModule> {
  const top = TOP[word];
  if (!top) throw new UsageError(`'${word}' is misspelled or not recognized by the system.`, [...didYouMean(word, Object.keys(TOP)), "", `See '${prog} --help'.`]);
  return top.load();
}

/** The words before the first option: a command's or a group's name, then any positional arguments. */
function leadingWords(tokens: string[]): string[] {
  const words: string[] = [];
  for (const t of tokens) {
    if (t.startsWith("-")) break;
    words.push(t);
  }
  return words;
}

/** The longest run of leading words that names a command, and how many words that is. */
function findCommand(mod: CommandModule, words: string[]): { cmd: CommandDef; used: number } | undefined {
  for (let k = words.length; k > 0; k--) {
    const name = words.slice(0, k).join(" ");
    const cmd = mod.commands.find((c) => c.name === name);
    if (cmd) return { cmd, used: k };
  }
  return undefined;
}

/** The help of the group the words name; a word that is not a choice at its level gets az's message and the closest choice there. */
async function groupHelpFor(prog: string, mod: CommandModule, words: string[]): Promise<string> {
  let group: GroupDef | undefined;
  for (let k = words.length; k > 0 && !group; k--) group = mod.groups.find((g) => g.name === words.slice(0, k).join(" "));
  const gname = group?.name ?? "";
  const depth = gname ? gname.split(" ").length : 0;
  const below = (n: string) => n.split(" ").length === depth + 1 && (!gname || n.startsWith(`${gname} `));
  if (!group || words.length > depth) {
    const bad = words[depth] ?? words.join(" ");
    const level = [...mod.groups.map((g) => g.name), ...mod.commands.map((c) => c.name)].filter(below).map((n) => n.split(" ")[depth]!);
    throw new UsageError(`'${bad}' is misspelled or not recognized by the system.`, [...didYouMean(bad, level), "", `See '${prog} ${gname ? `${gname} ` : ""}--help'.`]);
  }
  const subgroups = mod.groups.filter((g) => g.name.startsWith(`${gname} `) && g.name.split(" ").length === depth + 1);
  const commands = mod.commands.filter((c) => c.name.startsWith(`${gname} `) && c.name.split(" ").length === depth + 1);
  return (await import("./core/help.js")).groupHelp(prog, group, subgroups, commands);
}

function exampleLines(prog: string, examples: Example[]): string[] {
  const lines = ["", "Examples from command's help:"];
  for (const e of examples) lines.push(e.command.replace(/^az /, `${prog} `), e.summary, "");
  return lines;
}

/** parseArgs, with az's examples after a missing or an unrecognized argument (those using more of the given options first). */
function parseWithExamples(prog: string, cmd: CommandDef, tokens: string[]): { args: Args; ids?: string[] } {
  try {
    return parseArgs(cmd, tokens);
  } catch (err) {
    if (!(err instanceof UsageError) || !cmd.examples?.length) throw err;
    if (err.message.startsWith("the following arguments are required")) throw new UsageError(err.message, exampleLines(prog, cmd.examples));
    if (err.message.startsWith("unrecognized arguments")) throw new UsageError(err.message, exampleLines(prog, recommendExamples(cmd, tokens, globalArgsOf(cmd))));
    throw err;
  }
}

/** `--query`, compiled before the command runs so that a bad expression fails first. */
async function compileQuery(args: Args): Promise<((v: Json) => Json) | undefined> {
  const query = typeof args._query === "string" ? args._query : undefined;
  if (query === undefined) return undefined;
  const jp = cjsExports(await import("@jmespath-community/jmespath"), "search");
  try {
    const ast = jp.compile(query);
    return (v: Json) => jp.TreeInterpreter.search(ast, v as Parameters<typeof jp.TreeInterpreter.search>[1]) as Json;
  } catch {
    throw new UsageError(`argument --query: invalid jmespath_type value: '${query}'`, [QUERY_REFERENCE]);
  }
}

/** Runs a parsed command (once per `--ids` id) and prints its result; returns the exit code it asked for. */
async function runCommand(prog: string, cmd: CommandDef, args: Args, ids: string[] | undefined, io: Io, held: Held): Promise<number> {
  const started = Date.now();
  const compiled = await compileQuery(args);
  if (cmd.confirm && args.yes !== true) await confirm();
  let exitCode = 0;
  const ctx = await commandContext(prog, cmd, io, held, (code) => (exitCode = code));
  let result: Json | undefined;
  if (ids && ids.length) {
    const results: Json[] = [];
    for (const id of ids) {
      const r = await cmd.run(ctx, argsForId(cmd, args, id));
      if (r !== undefined) results.push(r);
    }
    result = ids.length === 1 ? results[0] : results;
  } else {
    result = await cmd.run(ctx, args);
  }
  await printResult(io, cmd, result, args, compiled);
  io.info(`Command ran in ${((Date.now() - started) / 1000).toFixed(3)} seconds`);
  return exitCode;
}

/** The arguments with the parts of one `--ids` resource id filled in. */
function argsForId(cmd: CommandDef, args: Args, id: string): Args {
  const parts = parseResourceId(id);
  const a: Args = { ...args };
  for (const d of cmd.args) if (d.idPart && parts[d.idPart] !== undefined) a[d.dest] = parts[d.idPart];
  return a;
}

async function commandContext(prog: string, cmd: CommandDef, io: Io, held: Held, setExitCode: (code: number) => void): Promise<CommandContext> {
  // Loaded here, not at the top: `version`, `up` and `--help` never read the lab's endpoints or the profile.
  const SessionCtor = cmd.offline ? undefined : (await import("./core/session.js")).Session;
  return {
    prog,
    setExitCode,
    warn: (m) => io.warn(m),
    info: (m) => io.info(m),
    session: () => {
      if (!held.session) {
        held.session = new SessionCtor!((m) => io.debugLine(m));
        held.session.commandName = cmd.name;
      }
      return held.session;
    },
  };
}

/** The result as az prints it: resource groups added, keys sorted, `--query` applied, in the `--output` format. */
async function printResult(io: Io, cmd: CommandDef, result: Json | undefined, args: Args, compiled: ((v: Json) => Json) | undefined): Promise<void> {
  if (result === undefined || result === null) return;
  const format = (typeof args._output === "string" ? args._output : "json") as import("./core/output.js").OutputFormat;
  const out = await import("./core/output.js");
  addResourceGroup(result);
  let shown: Json = out.sortKeysDeep(result);
  if (compiled) shown = compiled(shown);
  try {
    io.out(await out.render(shown, format, { queryActive: compiled !== undefined, tableTransform: cmd.tableTransform }));
  } catch (err) {
    if (err instanceof out.TableUnavailable) throw new CliError(err.message);
    throw err;
  }
}

/** azure-cli core's resource-group transform: every dict whose `id` names a resource in a group gets `resourceGroup`. */
export function addResourceGroup(v: Json): void {
  if (Array.isArray(v)) {
    for (const x of v) addResourceGroup(x);
  } else if (isJsonObject(v)) {
    if (!("resourceGroup" in v) && typeof v.id === "string" && v.id) {
      const parts = v.id.split("/");
      if (parts.length > 8 && parts[3]!.toLowerCase() === "resourcegroups") v.resourceGroup = parts[4]!;
    }
    for (const [k, x] of Object.entries(v)) if (k !== "sourceVault") addResourceGroup(x);
  }
}

async function confirm(): Promise<void> {
  if (!process.stdin.isTTY) throw new CliError("Unable to prompt for confirmation as no tty available. Use --yes.");
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const a = (await rl.question("Are you sure you want to perform this operation? (y/n): ")).trim().toLowerCase();
    if (a !== "y" && a !== "yes") throw new CliError("Operation cancelled.");
  } finally {
    rl.close();
  }
}

function topHelp(prog: string): string {
  const rows = Object.entries(TOP);
  const w = Math.max(...rows.map(([k]) => k.length));
  return [
    "",
    `${prog} — the workload identity lab's az-compatible CLI (Entra, ARM, RBAC and Key Vault, offline).`,
    "",
    "Commands:",
    ...rows.map(([k, e]) => `    ${k.padEnd(w)} : ${e.summary}`),
    "",
    `Run '${prog} <command> --help' for a command's arguments and examples.`,
    "",
  ].join("\n");
}

import { basename } from "node:path";
import { cjsExports } from "../platform/interop.js";
import type { Args, CommandContext, CommandDef, GroupDef } from "./core/command.js";
import { CliError, UsageError } from "./core/errors.js";
import { GLOBAL_ARGS, parseArgs, parseResourceId } from "./core/parser.js";
import { didYouMean, recommendExamples } from "./core/similar.js";
import type { Json } from "./core/types.js";
import { isJsonObject } from "./core/types.js";
import type { Session } from "./core/session.js";
import { LAB_PROCESS_COMMANDS, TOP } from "./commands/index.js";

const QUERY_REFERENCE = "To learn more about --query, please visit: 'https://docs.microsoft.com/cli/azure/query-azure-cli'";

/** The CLI entry: returns the process exit code. Under the name `az` (the shim) it behaves the same. */
export async function main(argv: string[]): Promise<number> {
  const prog = /^az(\.cmd|\.exe|\.ps1)?$/i.test(basename(argv[1] ?? "")) ? "az" : "wilab";
  const tokens = argv.slice(2);
  const first = tokens[0];
  if (first !== undefined && first in LAB_PROCESS_COMMANDS) return runLabProcessCommand(argv);
  const io = new Io();
  let session: Session | undefined;
  try {
    return await dispatch(prog, tokens, io, () => session, (s) => (session = s));
  } catch (err) {
    return io.fail(err);
  } finally {
    session?.close();
  }
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

async function dispatch(prog: string, tokens: string[], io: Io, current: () => Session | undefined, setSession: (s: Session) => void): Promise<number> {
  const first = tokens[0];
  if (first === undefined || first === "-h" || first === "--help") {
    io.out(topHelp(prog));
    return 0;
  }
  if (first === "--version" || first === "-v") tokens = ["version", ...tokens.slice(1)];
  const top = TOP[tokens[0]!];
  if (!top) {
    const choices = [...Object.keys(TOP), ...Object.keys(LAB_PROCESS_COMMANDS)];
    throw new UsageError(`'${tokens[0]}' is misspelled or not recognized by the system.`, [...didYouMean(tokens[0]!, choices), "", `See '${prog} --help'.`]);
  }
  const mod = await top.load();

  // The longest run of leading words that names a command or a group.
  const words: string[] = [];
  for (const t of tokens) {
    if (t.startsWith("-")) break;
    words.push(t);
  }
  let cmd: CommandDef | undefined;
  let used = 0;
  for (let k = words.length; k > 0 && !cmd; k--) {
    const name = words.slice(0, k).join(" ");
    cmd = mod.commands.find((c) => c.name === name);
    if (cmd) used = k;
  }
  if (!cmd) {
    let group: GroupDef | undefined;
    let k = words.length;
    for (; k > 0 && !group; k--) group = mod.groups.find((g) => g.name === words.slice(0, k).join(" "));
    const gname = group?.name ?? "";
    const depth = gname ? gname.split(" ").length : 0;
    if (!group || words.length > depth) {
      // az names the one word that is not a choice at its level, and suggests the closest choice there.
      const bad = words[depth] ?? words.join(" ");
      const level = [...mod.groups.map((g) => g.name), ...mod.commands.map((c) => c.name)]
        .filter((n) => n.split(" ").length === depth + 1 && (!gname || n.startsWith(`${gname} `)))
        .map((n) => n.split(" ")[depth]!);
      throw new UsageError(`'${bad}' is misspelled or not recognized by the system.`, [...didYouMean(bad, level), "", `See '${prog} ${gname ? `${gname} ` : ""}--help'.`]);
    }
    const subgroups = mod.groups.filter((g) => g.name.startsWith(`${gname} `) && g.name.split(" ").length === depth + 1);
    const commands = mod.commands.filter((c) => c.name.startsWith(`${gname} `) && c.name.split(" ").length === depth + 1);
    io.out((await import("./core/help.js")).groupHelp(prog, group, subgroups, commands));
    return 0;
  }

  let parsed: { args: Args; ids?: string[] };
  try {
    parsed = parseArgs(cmd, tokens.slice(used));
  } catch (err) {
    if (err instanceof UsageError && err.message.startsWith("the following arguments are required") && cmd.examples?.length) {
      const lines = ["", "Examples from command's help:"];
      for (const e of cmd.examples) lines.push(e.command.replace(/^az /, `${prog} `), e.summary, "");
      throw new UsageError(err.message, lines);
    }
    if (err instanceof UsageError && err.message.startsWith("unrecognized arguments") && cmd.examples?.length) {
      // az recommends the command's help examples, those using more of the given options first.
      const lines = ["", "Examples from command's help:"];
      for (const e of recommendExamples(cmd, tokens.slice(used), GLOBAL_ARGS)) lines.push(e.command.replace(/^az /, `${prog} `), e.summary, "");
      throw new UsageError(err.message, lines);
    }
    throw err;
  }
  const { args, ids } = parsed;
  io.debug = args._debug === true;
  io.verbose = args._verbose === true;
  io.quiet = args._onlyShowErrors === true;
  if (args._help) {
    io.out((await import("./core/help.js")).commandHelp(prog, cmd));
    return 0;
  }
  const started = Date.now();
  const query = typeof args._query === "string" ? args._query : undefined;
  let compiled: ((v: Json) => Json) | undefined;
  if (query !== undefined) {
    const jp = cjsExports(await import("@jmespath-community/jmespath"), "search");
    try {
      const ast = jp.compile(query);
      compiled = (v: Json) => jp.TreeInterpreter.search(ast, v as Parameters<typeof jp.TreeInterpreter.search>[1]) as Json;
    } catch {
      throw new UsageError(`argument --query: invalid jmespath_type value: '${query}'`, [QUERY_REFERENCE]);
    }
  }
  if (cmd.confirm && args.yes !== true) await confirm();

  let exitCode = 0;
  const ctx: CommandContext = {
    prog,
    setExitCode: (code) => (exitCode = code),
    warn: (m) => io.warn(m),
    info: (m) => io.info(m),
    session: () => {
      let s = current();
      if (!s) {
        // Loaded here, not at the top: `version` and `--help` never read the lab or the profile.
        s = new SessionCtor!((m) => io.debugLine(m));
        s.commandName = `${cmd.name}`;
        setSession(s);
      }
      return s;
    },
  };
  const needsSession = !cmd.name.match(/^(version|shell)$/);
  const SessionCtor = needsSession ? (await import("./core/session.js")).Session : undefined;

  let result: Json | undefined;
  if (ids && ids.length) {
    const results: Json[] = [];
    for (const id of ids) {
      const parts = parseResourceId(id);
      const a: Args = { ...args };
      for (const d of cmd.args) if (d.idPart && parts[d.idPart] !== undefined) a[d.dest] = parts[d.idPart];
      const r = await cmd.run(ctx, a);
      if (r !== undefined) results.push(r);
    }
    result = ids.length === 1 ? results[0] : results;
  } else {
    result = await cmd.run(ctx, args);
  }

  const format = (typeof args._output === "string" ? args._output : "json") as import("./core/output.js").OutputFormat;
  if (result !== undefined && result !== null) {
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
  io.info(`Command ran in ${((Date.now() - started) / 1000).toFixed(3)} seconds`);
  return exitCode;
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
  const rows = [...Object.entries(TOP), ...Object.entries(LAB_PROCESS_COMMANDS).map(([k, s]) => [k, { summary: s }] as const)];
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

/** `wilab up` and `wilab env` run through commander and start or read a lab in this process. */
async function runLabProcessCommand(argv: string[]): Promise<number> {
  const { Command } = cjsExports(await import("commander"), "Command");
  const { registerLabCommands } = await import("./lab/index.js");
  const program = new Command();
  program.name("wilab").description("wilab — the workload identity lab").exitOverride();
  registerLabCommands(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message: string };
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
    if (e.code?.startsWith("commander.")) return e.exitCode ?? 2;
    process.stderr.write(`ERROR: ${e.message}\n`);
    return 1;
  }
}

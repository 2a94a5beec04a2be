import type { Session } from "./session.js";
import type { Json } from "./types.js";
import { UsageError } from "./errors.js";

/** `list`: one or more values after the option (argparse nargs="+"); `append`: one value per occurrence, repeatable. */
export type ArgKind = "string" | "flag" | "bool" | "list" | "append";

export interface ArgDef {
  /** The key the handler reads. */
  dest: string;
  /** Option strings in az's order (the first long one names the argument in errors): `["--name", "-n"]`. */
  options: string[];
  help: string;
  required?: boolean;
  /** string (one value, the default), flag (store_true), bool (optional true/false value), list (one or more values). */
  kind?: ArgKind;
  default?: string | boolean;
  choices?: string[];
  /** A positional argument (no option string). */
  positional?: boolean;
  /** Which part of a resource id (`--ids`) fills it. */
  idPart?: "subscription" | "resource_group" | "name" | "child_name_1";
  group?: string;
}

export interface Example {
  summary: string;
  command: string;
}

export type ArgValue = string | boolean | string[] | undefined;
export type Args = Record<string, ArgValue>;

export interface CommandContext {
  /** The connection to the lab (made on first use, so that `version` or `--help` never touches it). */
  session(): Session;
  warn(msg: string): void;
  info(msg: string): void;
  /** argv[0] as the user typed it: `az` or `wilab`. */
  prog: string;
  /** The process exit code once the output is printed (default 0): `wilab doctor` exits 1 when a check fails. */
  setExitCode(code: number): void;
}

export interface CommandDef {
  /** Space-separated path below the program: `identity federated-credential show`. */
  name: string;
  summary: string;
  args: ArgDef[];
  examples?: Example[];
  /** Supports `--ids` (fills the idPart arguments from each resource id). */
  ids?: boolean;
  /** Asks "Are you sure you want to perform this operation? (y/n):" unless --yes. */
  confirm?: boolean;
  tableTransform?: (v: Json) => Json;
  /** Everything after a bare `--` goes, verbatim, into this list argument (`wilab image map IMG -- node app.js --flag`). */
  rest?: string;
  /** Never reads the lab's endpoints or the profile, so the session module is not even loaded (`version`, `shell`, `up`, `env`). */
  offline?: boolean;
  /** Takes its own arguments and `--help`, none of az's other global ones (wilab's lab-process commands `up` and `env`). */
  ownArgsOnly?: boolean;
  run(ctx: CommandContext, args: Args): Promise<Json | undefined>;
}

export interface GroupDef {
  name: string;
  summary: string;
}

/** The arguments every ARM command takes: `--subscription/-s`. */
export const SUBSCRIPTION_ARG: ArgDef = {
  dest: "subscription",
  options: ["--subscription", "-s"],
  help: "Name or ID of subscription. You can configure the default subscription using `az account set -s NAME_OR_ID`.",
  group: "Global",
  idPart: "subscription",
};

export function str(a: Args, k: string): string | undefined {
  const v = a[k];
  return typeof v === "string" ? v : undefined;
}

export function mustStr(a: Args, k: string): string {
  const v = str(a, k);
  if (v === undefined) throw new UsageError(`the following arguments are required: ${k}`);
  return v;
}

export function bool(a: Args, k: string): boolean | undefined {
  const v = a[k];
  return typeof v === "boolean" ? v : undefined;
}

export function list(a: Args, k: string): string[] | undefined {
  const v = a[k];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : undefined;
}

/** `key=value` pairs as az's `--tags` takes them. */
export function tagsArg(a: Args, k = "tags"): Record<string, string> | undefined {
  const v = list(a, k);
  if (!v) return undefined;
  const out: Record<string, string> = {};
  for (const t of v) {
    if (t === "" || t === '""') continue;
    const i = t.indexOf("=");
    if (i < 0) out[t] = "";
    else out[t.slice(0, i)] = t.slice(i + 1);
  }
  return out;
}

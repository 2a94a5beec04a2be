import { Command } from "commander";
import { registerLabCommands } from "./lab/index.js";

/** The CLI entry: returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
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

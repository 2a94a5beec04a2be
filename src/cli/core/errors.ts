import type { Json } from "./types.js";

/**
 * An error the CLI prints the way az does: `ERROR: <message>` on stderr, then any recommendation lines,
 * and exits with az's code (2 for usage errors, 3 for a resource that was not found, else 1).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
    readonly recommendations: string[] = [],
  ) {
    super(message);
  }
}

/** argparse-level problems (missing or unknown arguments, bad values): exit code 2. */
export class UsageError extends CliError {
  constructor(message: string, recommendations: string[] = []) {
    super(message, 2, recommendations);
  }
}

/** A service answered with an error envelope (`{"error":{"code","message",...}}`), printed as azure-core does. */
export class ServiceError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly serviceMessage: string,
    readonly innererror?: Json,
    readonly target?: string,
    readonly hint?: string,
  ) {
    super(formatServiceError(code, serviceMessage, innererror, target), status === 404 ? 3 : 1, hint ? [`wilab hint: ${hint}`] : []);
  }
}

/** azure-core's HttpResponseError text: `(Code) Message` then `Code:`, `Message:`, `Target:`, `Inner error:` lines. */
export function formatServiceError(code: string, message: string, innererror?: Json, target?: string): string {
  let s = `(${code}) ${message}\nCode: ${code}\nMessage: ${message}`;
  if (target) s += `\nTarget: ${target}`;
  if (innererror !== undefined && innererror !== null && !(typeof innererror === "object" && Object.keys(innererror).length === 0)) {
    s += `\nInner error: ${pyJsonDumpsIndent4(innererror)}`;
  }
  return s;
}

/** Python's `json.dumps(x, indent=4)`. */
export function pyJsonDumpsIndent4(v: Json): string {
  return JSON.stringify(v, null, 4).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** What az prints when a command needs a signed-in account. */
export function notLoggedIn(): CliError {
  return new CliError("Please run 'az login' to setup account.");
}

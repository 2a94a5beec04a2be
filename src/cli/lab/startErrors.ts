/**
 * `wilab up`'s start-up failures a user can fix, as one line that names the flag to use (no stack trace).
 * Returns undefined for anything else.
 */
export function explainStartError(err: unknown, o: { port: number; transparent: boolean }): string | undefined {
  const e = err as { code?: unknown; message?: unknown; port?: unknown } | undefined;
  const code = typeof e?.code === "string" ? e.code : undefined;
  const port = typeof e?.port === "number" ? e.port : o.port;
  if (code === "WILAB_DATA_DIR_LOCKED" && typeof e?.message === "string") return e.message;
  if (code === "EADDRINUSE") {
    if (o.transparent) return `port ${port} is in use (by another process); transparent mode needs port 443 — stop what listens there (e.g. another 'wilab up --transparent'), or run without --transparent`;
    return `port ${port} is in use (by another process); choose another with --port <n>`;
  }
  if (code === "EACCES" && port < 1024) {
    return o.transparent
      ? `port ${port} needs root: run 'sudo wilab up --transparent' (transparent mode answers the real host names on 443)`
      : `port ${port} needs root: run it with sudo, or choose a port above 1023 with --port <n>`;
  }
  return undefined;
}

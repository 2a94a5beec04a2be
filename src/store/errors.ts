/** A store URL as the lab shows it: `postgres://user@host:port/db`, never its password. */
export function redactStoreUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url.replace(/:[^:@/]*@/, "@");
  }
}

function causeOf(err: unknown): string {
  return err instanceof Error ? err.message || (err as { code?: string }).code || err.name : String(err);
}

/** The store's server could not be reached, or the connection broke mid-request (the pool reconnects next time). */
export class StoreUnavailableError extends Error {
  readonly code = "WILAB_STORE_UNAVAILABLE";
  constructor(store: string, cause: unknown) {
    super(`the lab's store ${store} is unreachable: ${causeOf(cause)}`, { cause });
    this.name = "StoreUnavailableError";
  }
}

/** A write transaction kept losing serialization conflicts to other processes on the same database. */
export class StoreConflictError extends Error {
  readonly code = "WILAB_STORE_CONFLICT";
  constructor(store: string, attempts: number, cause: unknown) {
    super(`the lab's store ${store} could not serialise a transaction after ${attempts} attempts: ${causeOf(cause)}`, { cause });
    this.name = "StoreConflictError";
  }
}

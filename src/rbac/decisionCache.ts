/**
 * Cached RBAC grants, per store, by (principal, scope, action). A data-plane request that a role assignment
 * allowed leaves its grant here; the next identical request reuses it instead of reading the principal's
 * assignments and matching every role's actions again.
 *
 * Correctness rests on three rules:
 * - Every create or delete of a role assignment (RoleAssignments.put/delete) bumps the store's generation,
 *   which drops every grant cached before it: a cached allow never outlives a deleted assignment.
 * - Only allows are cached. A denial (nothing granted, or a grant still propagating) is evaluated afresh every
 *   time, so a pending assignment becomes effective as soon as the lab clock passes its delay.
 * - A grant records the propagation delay and the lab-clock time it was decided under: a different delay (a
 *   propagation fault set or cleared) or a clock set back before that time is a miss.
 *
 * Grants are cached only from read transactions (the caller says so): transactions are serialised, so a read
 * sees committed assignments only, whereas a write transaction could roll back the assignment it granted with.
 * The cache is keyed by the store's transaction object, so two labs in one process never share grants.
 */
export interface CachedGrant<T> {
  generation: number;
  delayMs: number;
  decidedAt: number;
  value: T;
}

/** At most this many grants per store; a full cache starts again empty. */
export const MAX_CACHED_GRANTS = 10_000;

class GrantCache {
  generation = 0;
  readonly grants = new Map<string, CachedGrant<unknown>>();
}

const caches = new WeakMap<object, GrantCache>();

function cacheOf(tx: object): GrantCache {
  let c = caches.get(tx);
  if (!c) caches.set(tx, (c = new GrantCache()));
  return c;
}

function keyOf(principalId: string, scope: string, action: string): string {
  return `${principalId.toLowerCase()}\n${scope.toLowerCase()}\n${action.toLowerCase()}`;
}

export const RbacGrants = {
  /** Drops every cached grant of this store (a role assignment was created or deleted). */
  invalidate(tx: object): void {
    const c = cacheOf(tx);
    c.generation++;
    c.grants.clear();
  },
  /** The store's generation: how many times its role assignments changed since the lab started. */
  generation(tx: object): number {
    return cacheOf(tx).generation;
  },
  /** The grant cached for this request, if it is still valid at `now` under `delayMs`. */
  get<T>(tx: object, principalId: string, scope: string, action: string, now: number, delayMs: number): T | undefined {
    const c = cacheOf(tx);
    const g = c.grants.get(keyOf(principalId, scope, action));
    if (!g || g.generation !== c.generation || g.delayMs !== delayMs || now < g.decidedAt) return undefined;
    return g.value as T;
  },
  /** Remembers a grant decided at `now` under `delayMs` (call only from a read transaction). */
  set<T>(tx: object, principalId: string, scope: string, action: string, now: number, delayMs: number, value: T): void {
    const c = cacheOf(tx);
    if (c.grants.size >= MAX_CACHED_GRANTS) c.grants.clear();
    c.grants.set(keyOf(principalId, scope, action), { generation: c.generation, delayMs, decidedAt: now, value });
  },
};

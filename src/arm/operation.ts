import type { Tx } from "../store/index.js";
import type { ArmArrival, ArmMethod, ArmOperation, ArmRequest, ArmResponse, ArmRoute } from "./ArmRoute.js";

/** The RBAC permission an operation needs: derived from its method unless stated (`none` when the handler filters by the caller). */
export type ArmPermission = "read" | "write" | "delete" | "none";

/**
 * One ARM operation, in its own file (like Azurite's handlers and the Key Vault face's ops): the route builder
 * turns a provider's list of these into the face's route table and derives each RBAC action from the type.
 */
export interface ArmOperationSpec<D> {
  method: Exclude<ArmMethod, "HEAD">;
  /** Segments; literals match case-insensitively, `{x}` is one segment, a leading `{scope*}` matches any prefix. */
  path: string;
  /** `Namespace/type[/child]`: errors name it, and the RBAC action is derived from it. */
  type: string;
  apiVersions: string[];
  /** When set, the operation requires the resource group named by this parameter to exist. */
  resourceGroupParam?: string;
  /** For a POST: the action's verb, giving `<type>/<verb>/action`. */
  verb?: string;
  /** The permission when not the method's own (a POST that only reads: `read`). */
  permission?: ArmPermission;
  /** The type the action is derived from, when RBAC spells it differently from the errors (resource groups). */
  actionType?: string;
  /** Whether the handler writes; defaults to every method but GET. */
  write?: boolean;
  /** The scope the action is checked on (defaults to the request path). */
  scope?: (req: ArmRequest) => string;
  /** Runs as the request arrives, before its body is read; its result reaches the handler as `req.arrival`. */
  onArrival?: (d: D, req: ArmArrival) => Promise<unknown>;
  handler: (d: D, req: ArmRequest, tx: Tx) => Promise<ArmResponse>;
}

const PERMISSION_OF: Record<Exclude<ArmMethod, "HEAD" | "POST">, ArmPermission> = { GET: "read", PUT: "write", PATCH: "write", DELETE: "delete" };

/** The RBAC action an operation is checked against: `<type>/read|write|delete`, or `<type>/<verb>/action` for a POST. */
export function actionOf(op: Pick<ArmOperationSpec<unknown>, "method" | "type" | "verb" | "permission" | "actionType">): string | null {
  const type = op.actionType ?? op.type;
  if (op.permission === "none") return null;
  if (op.permission) return `${type}/${op.permission}`;
  if (op.method === "POST") {
    if (!op.verb) throw new TypeError(`arm: POST ${type} needs a verb or a permission`);
    return `${type}/${op.verb}/action`;
  }
  return `${type}/${PERMISSION_OF[op.method]}`;
}

/** Identity helper that keeps an operation's dependency type. */
export function defineOperation<D>(spec: ArmOperationSpec<D>): ArmOperationSpec<D> {
  return spec;
}

function compileOperation<D>(spec: ArmOperationSpec<D>, deps: D): ArmOperation {
  return {
    action: actionOf(spec),
    ...(spec.scope ? { scope: spec.scope } : {}),
    ...(spec.onArrival ? { onArrival: (req: ArmArrival) => spec.onArrival!(deps, req) } : {}),
    write: spec.write ?? spec.method !== "GET",
    handler: (req, tx) => spec.handler(deps, req, tx),
  };
}

/** A provider's operations as routes, one per path, in the order the paths first appear (the match order). */
export function buildRoutes<D>(ops: readonly ArmOperationSpec<D>[], deps: D): ArmRoute[] {
  const byPath = new Map<string, ArmRoute>();
  for (const spec of ops) {
    let route = byPath.get(spec.path);
    if (!route) {
      route = { pattern: spec.path, type: spec.type, apiVersions: spec.apiVersions, ...(spec.resourceGroupParam ? { resourceGroupParam: spec.resourceGroupParam } : {}), operations: {} };
      byPath.set(spec.path, route);
    } else if (route.type !== spec.type || route.apiVersions.join() !== spec.apiVersions.join() || route.resourceGroupParam !== spec.resourceGroupParam) {
      throw new TypeError(`arm: operations on ${spec.path} disagree on type, api-versions or resource group`);
    }
    if (route.operations[spec.method]) throw new TypeError(`arm: two ${spec.method} operations on ${spec.path}`);
    route.operations[spec.method] = compileOperation(spec, deps);
  }
  return [...byPath.values()];
}

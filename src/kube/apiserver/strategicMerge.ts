/**
 * Strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch) for the kinds the lab serves:
 * lists with a patchMergeKey merge item by item, `$patch: delete|replace|merge`, `$setElementOrder/<list>`,
 * `$deleteFromPrimitiveList/<list>`, `$retainKeys`, and `null` deletes a field. Lists without a merge
 * strategy are replaced. Pure: the schema says which lists merge on which key.
 */
import { childSchema, type Schema } from "./schema.js";

export class StrategicMergeError extends Error {}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

const SET_ORDER = "$setElementOrder/";
const DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";

/** Applies a strategic merge patch to a copy of `original`. */
export function strategicMerge(original: unknown, patch: unknown, schema: Schema | undefined): unknown {
  if (!isObj(patch)) throw new StrategicMergeError("the body of a strategic merge patch must be a JSON object");
  const out = mergeMap(isObj(original) ? clone(original) : {}, patch, schema);
  return out === DELETED ? {} : out;
}

const DELETED = Symbol("deleted");

function mergeMap(orig: Obj, patch: Obj, schema: Schema | undefined): Obj | typeof DELETED {
  const directive = patch.$patch;
  if (directive !== undefined) {
    if (directive === "replace") {
      const p = clone(patch);
      delete p.$patch;
      return stripDirectives(p);
    }
    if (directive === "delete") return DELETED;
    if (directive !== "merge") throw new StrategicMergeError(`Unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
  }
  const result: Obj = orig;
  const orders: [string, unknown[]][] = [];
  for (const [k, pv] of Object.entries(patch)) {
    if (k === "$patch" || k === "$retainKeys") continue;
    if (k.startsWith(SET_ORDER)) {
      if (!Array.isArray(pv)) throw new StrategicMergeError(`invalid type for ${k}: expected a list`);
      orders.push([k.slice(SET_ORDER.length), pv]);
      continue;
    }
    if (k.startsWith(DELETE_PRIMITIVE)) {
      const f = k.slice(DELETE_PRIMITIVE.length);
      if (!Array.isArray(pv)) throw new StrategicMergeError(`invalid type for ${k}: expected a list`);
      const cur = result[f];
      if (Array.isArray(cur)) result[f] = cur.filter((x) => !pv.some((d) => equal(d, x)));
      continue;
    }
    if (k.startsWith("$")) throw new StrategicMergeError(`unknown patch directive: ${k}`);
    const fs = childSchema(schema, k);
    if (pv === null) {
      delete result[k];
      continue;
    }
    const ov = result[k];
    if (isObj(pv)) {
      const merged = mergeMap(isObj(ov) ? ov : {}, pv, fs);
      if (merged === DELETED) delete result[k];
      else result[k] = merged;
    } else if (Array.isArray(pv) && fs?.t === "array" && fs.strategy === "merge") {
      result[k] = mergeList(Array.isArray(ov) ? ov : [], pv, fs);
    } else {
      result[k] = stripDirectives(clone(pv));
    }
  }
  for (const [f, order] of orders) {
    const fs = childSchema(schema, f);
    const cur = result[f];
    if (Array.isArray(cur)) result[f] = reorder(cur, order, fs?.t === "array" ? fs.mergeKey : undefined);
  }
  const retain = patch.$retainKeys;
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw new StrategicMergeError("$retainKeys must be a list");
    for (const k of Object.keys(result)) if (!retain.includes(k)) delete result[k];
  }
  return result;
}

function mergeList(orig: unknown[], patch: unknown[], schema: Extract<Schema, { t: "array" }>): unknown[] {
  const replace = patch.findIndex((x) => isObj(x) && x.$patch === "replace" && Object.keys(x).length === 1);
  if (replace >= 0) return patch.filter((_, i) => i !== replace).map((x) => stripDirectives(clone(x)));
  const key = schema.mergeKey;
  if (!key) {
    // a set of primitives (finalizers): union, original order first
    const out = [...orig];
    for (const p of patch) if (!out.some((o) => equal(o, p))) out.push(clone(p));
    return out;
  }
  const out = [...orig];
  for (const p of patch) {
    if (!isObj(p)) throw new StrategicMergeError(`found non-map element in a list with merge key ${key}: ${JSON.stringify(p)}`);
    if (!(key in p)) throw new StrategicMergeError(`map: ${JSON.stringify(p)} does not contain declared merge key: ${key}`);
    const i = out.findIndex((o) => isObj(o) && equal(o[key], p[key]));
    if (p.$patch === "delete") {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) {
      const merged = mergeMap(clone(out[i] as Obj), p, schema.item);
      if (merged === DELETED) out.splice(i, 1);
      else out[i] = merged;
    } else {
      const fresh = mergeMap({}, p, schema.item);
      if (fresh !== DELETED) out.push(fresh);
    }
  }
  return out;
}

/** `$setElementOrder`: the listed items take the listed order in their slots; other items keep their place. */
function reorder(list: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const keyOf = (x: unknown) => (key && isObj(x) ? x[key] : x);
  const orderKeys = order.map((o) => (key && isObj(o) ? o[key] : o));
  const idx = (x: unknown) => orderKeys.findIndex((k) => equal(k, keyOf(x)));
  const ordered = list.filter((x) => idx(x) >= 0).sort((a, b) => idx(a) - idx(b));
  let next = 0;
  return list.map((x) => (idx(x) >= 0 ? ordered[next++] : x));
}

function stripDirectives<T>(v: T): T {
  if (Array.isArray(v)) return v.filter((x) => !(isObj(x) && x.$patch === "delete")).map((x) => stripDirectives(x)) as T;
  if (isObj(v)) {
    const o: Obj = {};
    for (const [k, x] of Object.entries(v)) if (!k.startsWith("$")) o[k] = stripDirectives(x);
    return o as T;
  }
  return v;
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** RFC 7386 JSON merge patch. */
export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: Obj = isObj(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = jsonMergePatch(out[k], v);
  }
  return out;
}

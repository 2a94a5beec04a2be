import { conjuncts, FilterSyntaxError, parseFilter, type ComparisonOp, type FilterExpr, type Literal } from "./odataFilter.js";
import { GraphErrors, type GraphError } from "./GraphError.js";

/** One filterable property of a resource: how to read it, its type and the operators Graph supports on it. */
export interface FilterProperty<T> {
  get(r: T): string | number | undefined;
  type: "string" | "number" | "datetime";
  ops: ComparisonOp[];
  /** Functions Graph supports on it (`startswith`). */
  functions?: string[];
}

/**
 * What one collection accepts in `$filter`. Directory collections (users, servicePrincipals) answer
 * unsupported clauses with `Request_UnsupportedQuery` naming the property; the sign-in logs (a reporting
 * service) with a plain `Invalid filter clause`.
 */
export interface FilterSchema<T> {
  /** The resource name in Graph's error text: `ServicePrincipal`, `User`. */
  resource: string;
  service: "directory" | "report";
  /** Keyed by the lower-case path (`status/errorcode`). */
  properties: Record<string, FilterProperty<T>>;
  /** String collections usable in `any(c: c eq '…')`, keyed lower-case. */
  collections?: Record<string, (r: T) => string[]>;
  /** Whether `or` and `not` are accepted. */
  allowOr: boolean;
}

/** The names Graph's directory uses for operators in its "Unsupported property filter clause operator" text. */
const OPERATOR_NAMES: Record<ComparisonOp, string> = {
  eq: "EqualsMatch",
  ne: "NotEqualsMatch",
  gt: "GreaterThan",
  ge: "GreaterThanOrEqualsMatch",
  lt: "LessThan",
  le: "LessThanOrEqualsMatch",
};

type Predicate<T> = (r: T) => boolean;

function invalid<T>(schema: FilterSchema<T>, hint: string): GraphError {
  return (schema.service === "report" ? GraphErrors.reportFilterInvalid() : GraphErrors.directoryFilterInvalid()).withHint(hint);
}

function unsupportedProperty<T>(schema: FilterSchema<T>, path: string[]): GraphError {
  const name = path.join("/");
  if (schema.service === "report") return invalid(schema, `the sign-in log cannot be filtered on '${name}'; filter on ${Object.keys(schema.properties).join(", ")}`);
  return GraphErrors.unsupportedFilterProperty(name, schema.resource).withHint(`the lab filters ${schema.resource} on ${[...Object.keys(schema.properties), ...Object.keys(schema.collections ?? {}).map((c) => `${c}/any(...)`)].join(", ")}`);
}

/** A literal as the property's type, or undefined when it has the wrong type (`'2024-01-01'` for a date). */
function valueOf(type: FilterProperty<unknown>["type"], v: Literal): string | number | undefined {
  if (type === "string") return v.type === "string" ? v.value.toLowerCase() : undefined;
  if (type === "number") return v.type === "number" ? v.value : undefined;
  if (v.type !== "datetime") return undefined;
  const t = Date.parse(v.value);
  return Number.isNaN(t) ? undefined : t;
}

function compare(op: ComparisonOp, a: string | number, b: string | number): boolean {
  switch (op) {
    case "eq":
      return a === b;
    case "ne":
      return a !== b;
    case "gt":
      return a > b;
    case "ge":
      return a >= b;
    case "lt":
      return a < b;
    default:
      return a <= b;
  }
}

function comparison<T>(schema: FilterSchema<T>, e: Extract<FilterExpr, { kind: "compare" }>): Predicate<T> {
  const prop = schema.properties[e.path.join("/").toLowerCase()];
  if (!prop) throw unsupportedProperty(schema, e.path);
  if (!prop.ops.includes(e.op)) {
    if (schema.service === "report") throw invalid(schema, `'${e.op}' is not supported on '${e.path.join("/")}'`);
    throw GraphErrors.unsupportedFilterOperator(OPERATOR_NAMES[e.op]);
  }
  const want = valueOf(prop.type, e.value);
  if (want === undefined) throw invalid(schema, `'${e.path.join("/")}' is a ${prop.type}; ${prop.type === "datetime" ? "write the date unquoted: 2024-01-01T00:00:00Z" : prop.type === "string" ? "quote the value: 'value'" : "write a number"}`);
  return (r) => {
    const raw = prop.get(r);
    if (raw === undefined) return e.op === "ne";
    const have = prop.type === "string" ? String(raw).toLowerCase() : prop.type === "datetime" ? Date.parse(String(raw)) : Number(raw);
    return compare(e.op, have, want);
  };
}

function lambda<T>(schema: FilterSchema<T>, e: Extract<FilterExpr, { kind: "lambda" }>): Predicate<T> {
  const items = schema.collections?.[e.path.join("/").toLowerCase()];
  if (!items) throw unsupportedProperty(schema, e.path);
  const b = e.body;
  if (e.quantifier !== "any" || b.kind !== "compare" || b.op !== "eq" || b.path.length !== 1 || b.path[0] !== e.variable || b.value.type !== "string") {
    throw (schema.service === "report" ? invalid(schema, "lambda filters are not supported here") : GraphErrors.unsupportedQuery()).withHint(
      `the lab supports ${e.path.join("/")}/any(c:c eq 'value')`,
    );
  }
  const want = b.value.value.toLowerCase();
  return (r) => items(r).some((x) => x.toLowerCase() === want);
}

function compile<T>(schema: FilterSchema<T>, e: FilterExpr): Predicate<T> {
  switch (e.kind) {
    case "and": {
      const l = compile(schema, e.left);
      const r = compile(schema, e.right);
      return (x) => l(x) && r(x);
    }
    case "or": {
      if (!schema.allowOr) throw invalid(schema, "combine clauses with 'and'");
      const l = compile(schema, e.left);
      const r = compile(schema, e.right);
      return (x) => l(x) || r(x);
    }
    case "not":
      if (schema.service === "report") throw invalid(schema, "'not' is not supported here");
      throw GraphErrors.unsupportedQuery().withHint("'not' needs advanced queries (ConsistencyLevel: eventual), which the lab does not implement");
    case "compare":
      return comparison(schema, e);
    case "lambda":
      return lambda(schema, e);
    case "call": {
      const prop = schema.properties[e.path.join("/").toLowerCase()];
      if (!prop) throw unsupportedProperty(schema, e.path);
      if (!prop.functions?.includes(e.name) || e.value.type !== "string") throw unsupportedProperty(schema, e.path);
      const prefix = e.value.value.toLowerCase();
      return (r) => String(prop.get(r) ?? "").toLowerCase().startsWith(prefix);
    }
  }
}

/** Parses and compiles a `$filter` for a collection; throws the collection's own Graph error. Absent → accepts all. */
export function compileFilter<T>(schema: FilterSchema<T>, filter: string | undefined): { test: Predicate<T>; expr?: FilterExpr } {
  if (filter === undefined) return { test: () => true };
  let expr: FilterExpr;
  try {
    expr = parseFilter(filter);
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw invalid(schema, `${err.message} in '${filter.length > 200 ? `${filter.slice(0, 200)}…` : filter}'`);
    throw err;
  }
  return { test: compile(schema, expr), expr };
}

/** The value of a top-level `path eq 'x'` clause, if there is exactly one (lets the store narrow its read). */
export function equalityOf(expr: FilterExpr | undefined, path: string): string | undefined {
  if (!expr) return undefined;
  const hits = conjuncts(expr).filter((c): c is Extract<FilterExpr, { kind: "compare" }> => c.kind === "compare" && c.op === "eq" && c.path.join("/").toLowerCase() === path);
  const v = hits.length === 1 ? hits[0]!.value : undefined;
  return v?.type === "string" ? v.value : undefined;
}

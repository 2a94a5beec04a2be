import { test } from "node:test";
import assert from "node:assert/strict";
import { compileFilter, FilterSyntaxError, GraphError, MAX_DEPTH, MAX_FILTER_LENGTH, parseFilter, type FilterExpr, type FilterSchema } from "../../src/graph/index.js";

const s = (value: string) => ({ type: "string" as const, value });

const PARSES: [string, FilterExpr][] = [
  ["appId eq 'abc'", { kind: "compare", op: "eq", path: ["appId"], value: s("abc") }],
  ["appId EQ 'a''b'", { kind: "compare", op: "eq", path: ["appId"], value: s("a'b") }],
  ["status/errorCode eq 700213", { kind: "compare", op: "eq", path: ["status", "errorCode"], value: { type: "number", value: 700213 } }],
  ["createdDateTime ge 2024-01-02T03:04:05Z", { kind: "compare", op: "ge", path: ["createdDateTime"], value: { type: "datetime", value: "2024-01-02T03:04:05Z" } }],
  ["createdDateTime le 2024-01-02", { kind: "compare", op: "le", path: ["createdDateTime"], value: { type: "datetime", value: "2024-01-02" } }],
  ["createdDateTime lt 2024-01-02T03:04:05.1234567+02:00", { kind: "compare", op: "lt", path: ["createdDateTime"], value: { type: "datetime", value: "2024-01-02T03:04:05.1234567+02:00" } }],
  ["id eq 0b5e5c0e-1c3f-4f8e-9b52-4c6f3c1e2a10", { kind: "compare", op: "eq", path: ["id"], value: { type: "guid", value: "0b5e5c0e-1c3f-4f8e-9b52-4c6f3c1e2a10" } }],
  ["accountEnabled eq true", { kind: "compare", op: "eq", path: ["accountEnabled"], value: { type: "boolean", value: true } }],
  ["x ne null", { kind: "compare", op: "ne", path: ["x"], value: { type: "null" } }],
  ["n gt -1.5", { kind: "compare", op: "gt", path: ["n"], value: { type: "number", value: -1.5 } }],
  [
    "a eq 'x' and b eq 'y' or c eq 'z'",
    {
      kind: "or",
      left: { kind: "and", left: { kind: "compare", op: "eq", path: ["a"], value: s("x") }, right: { kind: "compare", op: "eq", path: ["b"], value: s("y") } },
      right: { kind: "compare", op: "eq", path: ["c"], value: s("z") },
    },
  ],
  [
    "a eq 'x' and (b eq 'y' or c eq 'z')",
    {
      kind: "and",
      left: { kind: "compare", op: "eq", path: ["a"], value: s("x") },
      right: { kind: "or", left: { kind: "compare", op: "eq", path: ["b"], value: s("y") }, right: { kind: "compare", op: "eq", path: ["c"], value: s("z") } },
    },
  ],
  ["not (a eq 'x')", { kind: "not", expr: { kind: "compare", op: "eq", path: ["a"], value: s("x") } }],
  [
    "servicePrincipalNames/any(c:c eq 'api://x')",
    { kind: "lambda", quantifier: "any", path: ["servicePrincipalNames"], variable: "c", body: { kind: "compare", op: "eq", path: ["c"], value: s("api://x") } },
  ],
  [
    "keyCredentials/any(k: k/endDateTime le 2021-01-02T12:00:00Z)",
    { kind: "lambda", quantifier: "any", path: ["keyCredentials"], variable: "k", body: { kind: "compare", op: "le", path: ["k", "endDateTime"], value: { type: "datetime", value: "2021-01-02T12:00:00Z" } } },
  ],
  ["startswith(displayName, 'wi')", { kind: "call", name: "startswith", path: ["displayName"], value: s("wi") }],
  ["  appId   eq   ' spaced '  ", { kind: "compare", op: "eq", path: ["appId"], value: s(" spaced ") }],
];

test("parseFilter: the OData subset Graph takes", () => {
  for (const [src, want] of PARSES) assert.deepEqual(parseFilter(src), want, src);
});

const SYNTAX_ERRORS: [string, number][] = [
  ["", 0],
  ["appId", 5],
  ["appId eq", 8],
  ["appId eq 'open", 9],
  ["appId eq 'a' and", 16],
  ["appId foo 'a'", 6],
  ["(appId eq 'a'", 13],
  ["appId eq 'a')", 12],
  ["appId eq 'a' 'b'", 13],
  ["appId eq #", 9],
  ["eq eq", 5],
  ["servicePrincipalNames/any(c c eq 'x')", 28],
  ["startswith(displayName 'x')", 23],
  ["a/ eq 'x'", 6],
  ["createdDateTime ge 2024-01-01T", 29],
];

test("parseFilter: syntax errors name the position", () => {
  for (const [src, pos] of SYNTAX_ERRORS) {
    assert.throws(() => parseFilter(src), (e: unknown) => e instanceof FilterSyntaxError && e.position === pos, `${src} → position ${pos}`);
  }
});

interface Row {
  appId: string;
  n: number;
  at: string;
  names: string[];
}
const SCHEMA: FilterSchema<Row> = {
  resource: "Thing",
  service: "directory",
  allowOr: true,
  properties: {
    appid: { get: (r) => r.appId, type: "string", ops: ["eq"], functions: ["startswith"] },
    n: { get: (r) => r.n, type: "number", ops: ["eq"] },
    at: { get: (r) => r.at, type: "datetime", ops: ["ge", "le"] },
  },
  collections: { names: (r) => r.names },
};
const REPORT: FilterSchema<Row> = { ...SCHEMA, service: "report", allowOr: false };
const ROWS: Row[] = [
  { appId: "AAA", n: 1, at: "2024-01-01T00:00:00.000Z", names: ["x", "api://one"] },
  { appId: "bbb", n: 2, at: "2024-06-01T00:00:00.000Z", names: ["y"] },
];

test("compileFilter: predicates (string eq ignores case, dates compare as times, any() over a collection)", () => {
  const pick = (f: string, schema = SCHEMA) => ROWS.filter(compileFilter(schema, f).test).map((r) => r.appId);
  assert.deepEqual(pick("appId eq 'aaa'"), ["AAA"]);
  assert.deepEqual(pick("n eq 2"), ["bbb"]);
  assert.deepEqual(pick("at ge 2024-03-01T00:00:00Z"), ["bbb"]);
  assert.deepEqual(pick("at ge 2023-12-31T23:00:00-02:00"), ["bbb"], "the offset is honoured");
  assert.deepEqual(pick("at ge 2024-01-01 and at le 2024-01-01T00:00:00Z"), ["AAA"]);
  assert.deepEqual(pick("names/any(c:c eq 'API://ONE')"), ["AAA"]);
  assert.deepEqual(pick("appId eq 'aaa' or n eq 2"), ["AAA", "bbb"]);
  assert.deepEqual(pick("startswith(appId,'b')"), ["bbb"]);
  assert.deepEqual(pick(undefined as unknown as string), ["AAA", "bbb"]);
});

const REFUSED: [string, FilterSchema<Row>, string, string][] = [
  ["other eq 'x'", SCHEMA, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'other' of resource 'Thing'."],
  ["appId ne 'x'", SCHEMA, "Request_UnsupportedQuery", "Unsupported property filter clause operator 'NotEqualsMatch'."],
  ["at gt 2024-01-01", SCHEMA, "Request_UnsupportedQuery", "Unsupported property filter clause operator 'GreaterThan'."],
  ["not(appId eq 'x')", SCHEMA, "Request_UnsupportedQuery", "Unsupported Query."],
  ["names/all(c:c eq 'x')", SCHEMA, "Request_UnsupportedQuery", "Unsupported Query."],
  ["names/any(c:c ne 'x')", SCHEMA, "Request_UnsupportedQuery", "Unsupported Query."],
  ["appId eq", SCHEMA, "Request_BadRequest", "Invalid filter clause"],
  ["appId eq 5", SCHEMA, "Request_BadRequest", "Invalid filter clause"],
  ["at ge '2024-01-01'", REPORT, "BadRequest", "Invalid filter clause"],
  ["other eq 'x'", REPORT, "BadRequest", "Invalid filter clause"],
  ["appId eq 'a' or n eq 1", REPORT, "BadRequest", "Invalid filter clause"],
  ["not(appId eq 'x')", REPORT, "BadRequest", "Invalid filter clause"],
];

test("compileFilter: what Graph refuses, in each service's own words", () => {
  for (const [f, schema, code, message] of REFUSED) {
    assert.throws(() => compileFilter(schema, f), (e: unknown) => e instanceof GraphError && e.status === 400 && e.code === code && e.message === message, f);
  }
});

/** A small deterministic generator (mulberry32), so that a failure reproduces from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ["appId", "n", "at", "names", "eq", "ne", "ge", "and", "or", "not", "any", "all", "(", ")", "/", ":", ",", "'", "''", "'x'", "c", "2024-01-01", "2024-01-01T00:00:00Z", "-1", "1.5", "true", "null", "startswith", " ", " ", "\u0000", "é", "$", "%27", "\\", "0b5e5c0e-1c3f-4f8e-9b52-4c6f3c1e2a10"];

test("hostile input (seeded, property-style): only FilterSyntaxError or Graph's 400, never a crash", () => {
  for (let seed = 1; seed <= 3000; seed++) {
    const r = rng(seed);
    const n = Math.floor(r() * 24);
    let src = "";
    for (let i = 0; i < n; i++) src += r() < 0.85 ? PIECES[Math.floor(r() * PIECES.length)]! + (r() < 0.6 ? " " : "") : String.fromCharCode(Math.floor(r() * 0x2000));
    try {
      parseFilter(src);
    } catch (e) {
      assert.ok(e instanceof FilterSyntaxError, `seed ${seed}: ${JSON.stringify(src)} threw ${String(e)}`);
      assert.ok(e.position >= 0 && e.position <= src.length, `seed ${seed}: position ${e.position}`);
    }
    for (const schema of [SCHEMA, REPORT]) {
      try {
        const { test: keep } = compileFilter(schema, src);
        for (const row of ROWS) assert.equal(typeof keep(row), "boolean");
      } catch (e) {
        assert.ok(e instanceof GraphError && e.status === 400, `seed ${seed}: ${JSON.stringify(src)} threw ${String(e)}`);
      }
    }
  }
});

test("hostile input: deep nesting and very long filters are refused with a syntax error", () => {
  const deep = "(".repeat(MAX_DEPTH + 5) + "appId eq 'x'" + ")".repeat(MAX_DEPTH + 5);
  assert.throws(() => parseFilter(deep), FilterSyntaxError);
  const nots = "not ".repeat(10_000) + "appId eq 'x'";
  assert.throws(() => parseFilter(nots), FilterSyntaxError);
  const ok = "(".repeat(MAX_DEPTH - 1) + "appId eq 'x'" + ")".repeat(MAX_DEPTH - 1);
  assert.equal(parseFilter(ok).kind, "compare");
  const long = Array.from({ length: 1000 }, (_, i) => `appId eq '${i}'`).join(" or ");
  assert.ok(long.length > MAX_FILTER_LENGTH);
  assert.throws(() => parseFilter(long), (e: unknown) => e instanceof FilterSyntaxError && /longer than/.test(e.detail));
  const wide = Array.from({ length: 150 }, (_, i) => `appId eq '${i}'`).join(" or ");
  assert.ok(wide.length < MAX_FILTER_LENGTH);
  assert.deepEqual(ROWS.filter(compileFilter(SCHEMA, wide).test), []);
});

/** Prints an expression back to `$filter` text (every operand parenthesized). */
function print(e: FilterExpr): string {
  const lit = (v: Extract<FilterExpr, { kind: "compare" }>["value"]): string => {
    switch (v.type) {
      case "string":
        return `'${v.value.replace(/'/g, "''")}'`;
      case "null":
        return "null";
      default:
        return String(v.value);
    }
  };
  switch (e.kind) {
    case "and":
    case "or":
      return `(${print(e.left)}) ${e.kind} (${print(e.right)})`;
    case "not":
      return `not (${print(e.expr)})`;
    case "compare":
      return `${e.path.join("/")} ${e.op} ${lit(e.value)}`;
    case "lambda":
      return `${e.path.join("/")}/${e.quantifier}(${e.variable}:${print(e.body)})`;
    case "call":
      return `${e.name}(${e.path.join("/")},${lit(e.value)})`;
  }
}

const GEN_NAMES = ["appId", "status", "errorCode", "createdDateTime", "servicePrincipalNames", "x1", "n", "at", "names"];
const GEN_OPS = ["eq", "ne", "gt", "ge", "lt", "le"] as const;

/** A random expression of the grammar (depth ≤ 4), from a seeded generator. */
function generate(r: () => number): FilterExpr {
  const pickOf = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const path = () => Array.from({ length: 1 + Math.floor(r() * 2) }, () => pickOf(GEN_NAMES));
  const literal = (): Extract<FilterExpr, { kind: "compare" }>["value"] => {
    const k = Math.floor(r() * 6);
    if (k === 0) return { type: "number", value: Math.floor(r() * 2e6) - 1e6 };
    if (k === 1) return { type: "datetime", value: "2024-02-03T04:05:06Z" };
    if (k === 2) return { type: "boolean", value: r() < 0.5 };
    if (k === 3) return { type: "null" };
    if (k === 4) return { type: "guid", value: "0b5e5c0e-1c3f-4f8e-9b52-4c6f3c1e2a10" };
    return { type: "string", value: Array.from({ length: Math.floor(r() * 6) }, () => pickOf(["a", "'", " ", "é", "/", "(", ")"])).join("") };
  };
  const gen = (depth: number): FilterExpr => {
    const k = depth >= 4 ? 0 : Math.floor(r() * 6);
    if (k === 1 || k === 2) return { kind: k === 1 ? "and" : "or", left: gen(depth + 1), right: gen(depth + 1) };
    if (k === 3) return { kind: "not", expr: gen(depth + 1) };
    if (k === 4) return { kind: "lambda", quantifier: pickOf(["any", "all"] as const), path: path(), variable: "c", body: { kind: "compare", op: "eq", path: ["c"], value: literal() } };
    if (k === 5) return { kind: "call", name: "startswith", path: path(), value: { type: "string", value: "p'q" } };
    return { kind: "compare", op: pickOf(GEN_OPS), path: path(), value: literal() };
  };
  return gen(0);
}

test("round trip (seeded, property-style): a random expression printed and parsed again is the same expression", () => {
  for (let seed = 1; seed <= 500; seed++) {
    const e = generate(rng(seed));
    assert.deepEqual(parseFilter(print(e)), e, `seed ${seed}: ${print(e)}`);
  }
});

test("mutated valid filters (seeded, property-style): parsed or refused with a syntax error; compiled or refused with Graph's 400", () => {
  let parsed = 0;
  let refused = 0;
  for (let seed = 1; seed <= 2000; seed++) {
    const r = rng(seed);
    const chars = [...print(generate(r))];
    for (let m = 1 + Math.floor(r() * 3); m > 0; m--) {
      const at = Math.floor(r() * (chars.length + 1));
      const k = Math.floor(r() * 3);
      if (k === 0) chars.splice(at, 1);
      else if (k === 1) chars.splice(at, 0, "()',:/ -9aZ"[Math.floor(r() * 11)]!);
      else chars.splice(at, 0, ...chars.slice(0, Math.floor(r() * 8)));
    }
    const src = chars.join("");
    try {
      parseFilter(src);
      parsed++;
    } catch (e) {
      assert.ok(e instanceof FilterSyntaxError, `seed ${seed}: ${JSON.stringify(src)} threw ${String(e)}`);
      refused++;
    }
    for (const schema of [SCHEMA, REPORT]) {
      try {
        const { test: keep } = compileFilter(schema, src);
        for (const row of ROWS) assert.equal(typeof keep(row), "boolean");
      } catch (e) {
        assert.ok(e instanceof GraphError && e.status === 400, `seed ${seed}: ${JSON.stringify(src)} threw ${String(e)}`);
      }
    }
  }
  assert.ok(parsed > 100 && refused > 100, `both outcomes are exercised (${parsed} parsed, ${refused} refused)`);
});

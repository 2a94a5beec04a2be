/**
 * A parser for the OData `$filter` subset Microsoft Graph accepts on directory objects and sign-in logs:
 * comparisons (`eq ne gt ge lt le`) of a property path with a literal, `and`/`or`/`not`, parentheses, lambda
 * `any`/`all` over a collection (`servicePrincipalNames/any(c:c eq 'x')`) and function calls (`startswith(p,'x')`).
 * Pure and bounded: hostile input gets a FilterSyntaxError (with a position), never a crash or a long run.
 */
export type ComparisonOp = "eq" | "ne" | "gt" | "ge" | "lt" | "le";

export type Literal =
  | { type: "string"; value: string }
  | { type: "number"; value: number }
  | { type: "boolean"; value: boolean }
  | { type: "null" }
  /** An unquoted date or date-time (`2024-01-01`, `2024-01-01T00:00:00Z`), as written. */
  | { type: "datetime"; value: string }
  /** An unquoted GUID. */
  | { type: "guid"; value: string };

export type FilterExpr =
  | { kind: "and" | "or"; left: FilterExpr; right: FilterExpr }
  | { kind: "not"; expr: FilterExpr }
  | { kind: "compare"; op: ComparisonOp; path: string[]; value: Literal }
  | { kind: "lambda"; quantifier: "any" | "all"; path: string[]; variable: string; body: FilterExpr }
  | { kind: "call"; name: string; path: string[]; value: Literal };

export class FilterSyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly detail: string,
  ) {
    super(`Syntax error at position ${position}: ${detail}`);
  }
}

/** Longer filters and deeper nesting are refused (Graph's URLs are bounded too). */
export const MAX_FILTER_LENGTH = 4096;
export const MAX_DEPTH = 32;

type Token = { t: "ident" | "string" | "number" | "datetime" | "guid" | "punct"; v: string; pos: number };

const COMPARISONS = new Set<string>(["eq", "ne", "gt", "ge", "lt", "le"]);
const FUNCTIONS = new Set<string>(["startswith", "endswith", "contains"]);
const DATETIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2}))?/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w-])/i;
const NUMBER = /^-?\d+(?:\.\d+)?(?![\w.])/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;
/** Tried in order: a GUID or a date may start like a number. */
const LEXEMES: [Token["t"], RegExp][] = [
  ["guid", GUID],
  ["datetime", DATETIME],
  ["number", NUMBER],
  ["ident", IDENT],
];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const rest = src.slice(i);
    if ("()/,:".includes(ch)) {
      out.push({ t: "punct", v: ch, pos: i });
      i++;
    } else if (ch === "'") {
      let value = "";
      let j = i + 1;
      for (;;) {
        if (j >= src.length) throw new FilterSyntaxError(i, "unterminated string literal");
        if (src[j] === "'") {
          if (src[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += src[j];
        j++;
      }
      out.push({ t: "string", v: value, pos: i });
      i = j + 1;
    } else {
      const m = LEXEMES.map(([t, re]) => ({ t, m: re.exec(rest) })).find((x) => x.m !== null) as { t: Token["t"]; m: RegExpExecArray } | undefined;
      if (!m) throw new FilterSyntaxError(i, `unexpected character '${ch}'`);
      out.push({ t: m.t, v: m.m[0], pos: i });
      i += m.m[0].length;
    }
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly end: number,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
  private pos(): number {
    return this.peek()?.pos ?? this.end;
  }
  private fail(detail: string): never {
    throw new FilterSyntaxError(this.pos(), detail);
  }
  private isWord(w: string): boolean {
    const t = this.peek();
    return t?.t === "ident" && t.v.toLowerCase() === w;
  }
  private expect(v: string): void {
    const t = this.peek();
    if (t?.t !== "punct" || t.v !== v) this.fail(`expected '${v}'`);
    this.i++;
  }

  parseAll(): FilterExpr {
    if (this.tokens.length === 0) this.fail("the filter is empty");
    const e = this.or(0);
    if (this.peek()) this.fail(`unexpected '${this.peek()!.v}'`);
    return e;
  }

  private or(depth: number): FilterExpr {
    let left = this.and(depth);
    while (this.isWord("or")) {
      this.i++;
      left = { kind: "or", left, right: this.and(depth) };
    }
    return left;
  }

  private and(depth: number): FilterExpr {
    let left = this.unary(depth);
    while (this.isWord("and")) {
      this.i++;
      left = { kind: "and", left, right: this.unary(depth) };
    }
    return left;
  }

  private unary(depth: number): FilterExpr {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    if (this.isWord("not")) {
      this.i++;
      return { kind: "not", expr: this.unary(depth + 1) };
    }
    const t = this.peek();
    if (t?.t === "punct" && t.v === "(") {
      this.i++;
      const e = this.or(depth + 1);
      this.expect(")");
      return e;
    }
    if (t?.t === "ident" && FUNCTIONS.has(t.v.toLowerCase()) && this.tokens[this.i + 1]?.v === "(") return this.call();
    return this.comparisonOrLambda(depth);
  }

  private call(): FilterExpr {
    const name = this.peek()!.v.toLowerCase();
    this.i++;
    this.expect("(");
    const path = this.path();
    this.expect(",");
    const value = this.literal();
    this.expect(")");
    return { kind: "call", name, path, value };
  }

  private path(): string[] {
    const out: string[] = [];
    for (;;) {
      const t = this.peek();
      if (t?.t !== "ident") this.fail("expected a property name");
      out.push(t.v);
      this.i++;
      const slash = this.peek();
      const next = this.tokens[this.i + 1];
      if (slash?.t !== "punct" || slash.v !== "/") return out;
      // `path/any(` ends the path: the lambda is parsed by the caller.
      if (next?.t === "ident" && /^(any|all)$/i.test(next.v) && this.tokens[this.i + 2]?.v === "(") return out;
      this.i++;
    }
  }

  private comparisonOrLambda(depth: number): FilterExpr {
    const path = this.path();
    const t = this.peek();
    if (t?.t === "punct" && t.v === "/") {
      this.i++;
      const quantifier = this.peek()!.v.toLowerCase() as "any" | "all";
      this.i++;
      this.expect("(");
      const v = this.peek();
      if (v?.t !== "ident") this.fail("expected a lambda variable");
      this.i++;
      this.expect(":");
      const body = this.or(depth + 1);
      this.expect(")");
      return { kind: "lambda", quantifier, path, variable: v.v, body };
    }
    const op = this.peek();
    if (op?.t !== "ident" || !COMPARISONS.has(op.v.toLowerCase())) this.fail("expected a comparison operator (eq, ne, gt, ge, lt, le)");
    this.i++;
    return { kind: "compare", op: op.v.toLowerCase() as ComparisonOp, path, value: this.literal() };
  }

  private literal(): Literal {
    const t = this.peek();
    if (!t) this.fail("expected a value");
    this.i++;
    switch (t.t) {
      case "string":
        return { type: "string", value: t.v };
      case "number":
        return { type: "number", value: Number(t.v) };
      case "datetime":
        return { type: "datetime", value: t.v };
      case "guid":
        return { type: "guid", value: t.v };
      case "ident": {
        const w = t.v.toLowerCase();
        if (w === "true" || w === "false") return { type: "boolean", value: w === "true" };
        if (w === "null") return { type: "null" };
      }
    }
    this.i--;
    return this.fail(`'${t.v}' is not a value`);
  }
}

/** Parses a `$filter` value; throws FilterSyntaxError. */
export function parseFilter(src: string): FilterExpr {
  if (src.length > MAX_FILTER_LENGTH) throw new FilterSyntaxError(MAX_FILTER_LENGTH, `the filter is longer than ${MAX_FILTER_LENGTH} characters`);
  return new Parser(tokenize(src), src.length).parseAll();
}

/** The top-level conjuncts of an expression (`a and (b and c)` → a, b, c). */
export function conjuncts(e: FilterExpr): FilterExpr[] {
  return e.kind === "and" ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

// The seams of issue 9, checked on the source: the faces and what they share never import the lab (which wires
// them), and no two modules under src/ import each other, directly or through others.

const root = resolve(import.meta.dirname, "../../..");
const SRC = join(root, "src");
/** Components that the lab wires and that must not reach back into it. */
const NOT_LAB = ["entra", "arm", "keyvault", "kube", "webhook", "rbac", "store", "graph", "diagnose", "portal", "issuers", "platform"];

export interface ImportEdge {
  /** The importing module, relative to the repository (`src/arm/face.ts`). */
  from: string;
  /** The imported module, relative to the repository. */
  to: string;
  /** Erased at compile time (`import type`, `export type`, `import("…")` in a type position). */
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith(".ts") && !p.endsWith(".d.ts") ? [p] : [];
  });
}

/** `./x.js` from `src/a/b.ts` → `src/a/x.ts` (or `src/a/x/index.ts`); undefined for packages. */
function resolveSpecifier(fromFile: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const base = resolve(dirname(fromFile), spec);
  const candidates = [base.replace(/\.js$/, ".ts"), `${base}.ts`, join(base, "index.ts")];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  return hit ? relative(root, hit) : undefined;
}

/** Whether every name an import clause brings in is a type (`import type { A }` or `import { type A, type B }`). */
function clauseIsTypeOnly(clause: ts.ImportClause | undefined): boolean {
  if (!clause) return false; // `import "./x.js"` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const nb = clause.namedBindings;
  return !!nb && ts.isNamedImports(nb) && nb.elements.length > 0 && nb.elements.every((e) => e.isTypeOnly);
}

function exportIsTypeOnly(decl: ts.ExportDeclaration): boolean {
  if (decl.isTypeOnly) return true;
  const c = decl.exportClause;
  return !!c && ts.isNamedExports(c) && c.elements.length > 0 && c.elements.every((e) => e.isTypeOnly);
}

/** Every import of one file: static imports, re-exports, dynamic `import()` and `import("…")` types. */
export function importsOf(file: string): ImportEdge[] {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const found: { spec: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ spec: node.moduleSpecifier.text, typeOnly: clauseIsTypeOnly(node.importClause) });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ spec: node.moduleSpecifier.text, typeOnly: exportIsTypeOnly(node) });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) found.push({ spec: arg.text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ spec: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const from = relative(root, file);
  return found.flatMap(({ spec, typeOnly }) => {
    const to = resolveSpecifier(file, spec);
    return to ? [{ from, to, typeOnly }] : [];
  });
}

/** The first cycle found in a graph of modules, as the path that closes it (`a → b → a`), or undefined. */
export function findCycle(edges: ImportEdge[]): string[] | undefined {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const dfs = (m: string): string[] | undefined => {
    state.set(m, "open");
    stack.push(m);
    for (const n of next.get(m) ?? []) {
      if (state.get(n) === "open") return [...stack.slice(stack.indexOf(n)), n];
      if (!state.has(n)) {
        const c = dfs(n);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(m, "done");
    return undefined;
  };
  for (const m of [...next.keys()].sort()) {
    if (state.has(m)) continue;
    const c = dfs(m);
    if (c) return c;
  }
  return undefined;
}

/** The names one file imports from another (`import { A, type B } from "…"`), by the imported module. */
function namesImported(file: string): { to: string; names: string[] }[] {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  return sf.statements.flatMap((st) => {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) return [];
    const to = resolveSpecifier(file, st.moduleSpecifier.text);
    const nb = st.importClause?.namedBindings;
    const names = nb && ts.isNamedImports(nb) ? nb.elements.map((e) => (e.propertyName ?? e.name).text) : ["*"];
    return to ? [{ to, names }] : [];
  });
}

const edges = sourceFiles(SRC).flatMap(importsOf);

test("architecture: the scanner sees the imports of src/ (sanity)", () => {
  assert.ok(edges.length > 200, `only ${edges.length} imports found under ${SRC}`);
  assert.ok(edges.some((e) => e.from === join("src", "lab", "Lab.ts") && e.to.startsWith(join("src", "arm"))), "src/lab/Lab.ts imports src/arm");
  assert.ok(edges.some((e) => e.typeOnly), "type-only imports are seen");
});

test("architecture: faces, rbac, store, graph, diagnose and platform import nothing from src/lab", () => {
  const lab = join("src", "lab") + "/";
  const bad = edges.filter((e) => e.to.startsWith(lab) && NOT_LAB.some((c) => e.from.startsWith(join("src", c) + "/")));
  assert.deepEqual(
    bad.map((e) => `${e.from} → ${e.to}${e.typeOnly ? " (type)" : ""}`),
    [],
    "the lab wires the faces; what they share lives in src/platform (hosts, config, context) or src/entra (directory)",
  );
});

/** What ARM may use of Kubernetes: the cluster API the lab hands it, the record it returns, the extension's namespace. */
const ARM_KUBE_API = ["ClusterApi", "ClusterRecord", "WI_NAMESPACE"];

test("architecture: ARM reaches Kubernetes only through its cluster API (never its storage, issuer or records table)", () => {
  const kube = join("src", "kube") + "/";
  const bad = sourceFiles(join(SRC, "arm")).flatMap((f) =>
    namesImported(f)
      .filter((i) => i.to.startsWith(kube))
      .flatMap((i) => (i.to === join("src", "kube", "index.ts") ? i.names.filter((n) => !ARM_KUBE_API.includes(n)) : [i.to]).map((n) => `${relative(root, f)}: ${n}`)),
  );
  assert.deepEqual(bad, [], `ARM imports from src/kube/index.ts only ${ARM_KUBE_API.join(", ")}`);
});

// Type-only imports are erased by the compiler and never run, so they cannot make a module see another half
// initialised; a cycle made only through them is not checked. Every import that stays in the emitted JavaScript is.
test("architecture: no import cycles among the modules of src/ (imports that stay at run time)", () => {
  const cycle = findCycle(edges.filter((e) => !e.typeOnly));
  assert.equal(cycle, undefined, `import cycle: ${cycle?.join(" → ")}`);
});

test("architecture: the cycle finder reports a cycle's path (self-check)", () => {
  const e = (from: string, to: string): ImportEdge => ({ from, to, typeOnly: false });
  assert.deepEqual(findCycle([e("a", "b"), e("b", "c"), e("c", "a")]), ["a", "b", "c", "a"]);
  assert.equal(findCycle([e("a", "b"), e("b", "c"), e("a", "c")]), undefined);
});

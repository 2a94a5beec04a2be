/**
 * How deeply a JSON text nests, found by one pass over its characters (no recursion, so any depth is measured), and
 * where it first goes deeper than a limit — in the words of the parser each service uses:
 * - Azure's .NET services (ARM, Key Vault) read JSON with Json.NET, whose readers stop at MaxDepth 64 (the default
 *   since Json.NET 13): "The reader's MaxDepth of 64 has been exceeded. Path 'a.b[0]', line 1, position 57."
 *   [D: Json.NET's JsonReader.MaxDepth; the text as in microsoft/restler-fuzzer issue #658].
 * - kube-apiserver decodes with Go's encoding/json, whose scanner stops at 10000 levels: "exceeded max depth"
 *   [D: Go's encoding/json scanner.go, maxNestingDepth].
 */

/** Json.NET's default `MaxDepth`. */
export const DOTNET_MAX_DEPTH = 64;
/** Go encoding/json's `maxNestingDepth`. */
export const GO_MAX_DEPTH = 10_000;

export interface DepthExceeded {
  /** Json.NET's path of the value being read when the limit was passed (`properties.x[0]`). */
  path: string;
  line: number;
  /** 1-based column of the bracket that went too deep (Json.NET's LinePosition). */
  position: number;
}

interface Frame {
  array: boolean;
  key: string | undefined;
  index: number;
}

/** Json.NET's path syntax: `a.b`, `a['odd key']`, `a[3]`. */
function pathOf(stack: Frame[]): string {
  let out = "";
  for (const f of stack) {
    if (f.array) out += `[${f.index}]`;
    else if (f.key !== undefined) out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(f.key) ? `${out ? "." : ""}${f.key}` : `['${f.key.replace(/'/g, "\\'")}']`;
  }
  return out;
}

/** Reads the string starting at `i` (a quote); returns its raw content and the index after its closing quote. */
function readString(text: string, i: number): { value: string; end: number } {
  let j = i + 1;
  while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
  return { value: text.slice(i + 1, j), end: j + 1 };
}

/** Whether the next character after `i` that is not white space is a colon (the string before it is a key). */
function nextIsColon(text: string, i: number): boolean {
  while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  return text[i] === ":";
}

/**
 * Where `text` first nests deeper than `max`, or undefined when it never does. Meant for text that JSON.parse
 * accepted (or will judge): it does not validate, it only follows brackets outside strings.
 */
export function exceedsDepth(text: string, max: number): DepthExceeded | undefined {
  // Most bodies open fewer containers than the limit in all: then none can nest past it (one cheap pass).
  let openers = 0;
  for (let i = 0; i < text.length && openers <= max; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) openers++;
  }
  if (openers <= max) return undefined;
  const stack: Frame[] = [];
  let line = 1;
  let lineStart = 0;
  let pendingKey: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const s = readString(text, i);
      const top = stack.at(-1);
      // A string in an object where a key is expected is the key of the next value.
      if (top && !top.array && pendingKey === undefined && nextIsColon(text, s.end)) pendingKey = s.value;
      i = s.end - 1;
    } else if (c === "{" || c === "[") {
      const top = stack.at(-1);
      if (top && !top.array) top.key = pendingKey;
      pendingKey = undefined;
      if (stack.length + 1 > max) return { path: pathOf(stack), line, position: i - lineStart + 1 };
      stack.push({ array: c === "[", key: undefined, index: 0 });
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (c === ",") {
      const top = stack.at(-1);
      if (top?.array) top.index++;
      pendingKey = undefined;
    } else if (c === ":") {
      const top = stack.at(-1);
      if (top && !top.array) top.key = pendingKey;
    } else if (c === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return undefined;
}

/** Json.NET's message for a body nested deeper than its MaxDepth. */
export function dotnetDepthMessage(e: DepthExceeded): string {
  return `The reader's MaxDepth of ${DOTNET_MAX_DEPTH} has been exceeded. Path '${e.path}', line ${e.line}, position ${e.position}.`;
}

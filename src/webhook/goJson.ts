// The error texts of Go's encoding/json that reach a webhook's callers: syntax errors from json.Unmarshal's
// validity scan (scanner.go) and the UnmarshalTypeError of a value of the wrong JSON kind.

/** Go's quoteChar: the offending byte as the scanner prints it. */
function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const q = JSON.stringify(c);
  return `'${q.slice(1, -1)}'`;
}

class GoSyntaxError extends Error {}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";

/** A validity scan of JSON text in the order of Go's scanner (scanner.go): one method per production. */
class GoScanner {
  private i = 0;
  private readonly n: number;

  constructor(private readonly text: string) {
    this.n = text.length;
  }

  /** The character at the cursor (a method, not a getter: the cursor moves between reads). */
  private at(): string | undefined {
    return this.text[this.i];
  }

  private ws(): void {
    while (this.i < this.n && (this.at() === " " || this.at() === "\t" || this.at() === "\n" || this.at() === "\r")) this.i++;
  }

  private eof(): GoSyntaxError {
    return new GoSyntaxError("unexpected end of JSON input");
  }

  private bad(c: string, ctx: string): GoSyntaxError {
    return new GoSyntaxError(`invalid character ${quoteChar(c)} ${ctx}`);
  }

  /** Moves on one character; end of input is Go's "unexpected end". */
  private next(): string {
    this.i++;
    if (this.i >= this.n) throw this.eof();
    return this.at()!;
  }

  /** Skips white space; end of input is Go's "unexpected end". */
  private wsNotEnd(): string {
    this.ws();
    if (this.i >= this.n) throw this.eof();
    return this.at()!;
  }

  private literal(word: string): void {
    for (let k = 1; k < word.length; k++) {
      const c = this.next();
      if (c !== word[k]) throw this.bad(c, `in literal ${word} (expecting ${quoteChar(word[k]!)})`);
    }
    this.i++;
  }

  private escape(): void {
    const e = this.next();
    if (e === "u") {
      for (let k = 0; k < 4; k++) {
        const h = this.next();
        if (!/[0-9a-fA-F]/.test(h)) throw this.bad(h, "in \\u hexadecimal character escape");
      }
    } else if (!'"\\/bfnrt'.includes(e)) throw this.bad(e, "in string escape code");
    this.i++;
  }

  private str(): void {
    this.i++; // opening quote
    for (;;) {
      if (this.i >= this.n) throw this.eof();
      const c = this.at()!;
      if (c === '"') {
        this.i++;
        return;
      }
      if (c === "\\") {
        this.escape();
        continue;
      }
      if (c < " ") throw this.bad(c, "in string literal");
      this.i++;
    }
  }

  private digits(): void {
    while (this.i < this.n && isDigit(this.at())) this.i++;
  }

  private num(): void {
    if (this.at() === "-") {
      const d = this.next();
      if (!isDigit(d)) throw this.bad(d, "in numeric literal");
    }
    if (this.at() === "0") this.i++;
    else this.digits();
    if (this.at() === ".") {
      const d = this.next();
      if (!isDigit(d)) throw this.bad(d, "after decimal point in numeric literal");
      this.digits();
    }
    if (this.at() === "e" || this.at() === "E") {
      this.i++;
      if (this.at() === "+" || this.at() === "-") this.i++;
      if (this.i >= this.n) throw this.eof();
      if (!isDigit(this.at())) throw this.bad(this.at()!, "in exponent of numeric literal");
      this.digits();
    }
  }

  /** An object key and its colon (the value follows). */
  private key(): void {
    const k = this.wsNotEnd();
    if (k !== '"') throw this.bad(k, "looking for beginning of object key string");
    this.str();
    const colon = this.wsNotEnd();
    if (colon !== ":") throw this.bad(colon, "after object key");
    this.i++;
  }

  private scalar(c: string): void {
    if (c === '"') return this.str();
    if (c === "t") return this.literal("true");
    if (c === "f") return this.literal("false");
    if (c === "n") return this.literal("null");
    if (c === "-" || isDigit(c)) return this.num();
    throw this.bad(c, "looking for beginning of value");
  }

  /**
   * One value. Iterative, with the open objects and arrays on a stack as Go's scanner keeps its parseState, so any
   * nesting is scanned without recursion; the 10,001st level is Go's "exceeded max depth" (maxNestingDepth).
   */
  value(): void {
    const open: string[] = [];
    for (;;) {
      const c = this.wsNotEnd();
      if (c === "{" || c === "[") {
        if (open.length >= 10_000) throw this.bad(c, "exceeded max depth");
        open.push(c);
        this.i++;
        if (this.wsNotEnd() !== (c === "{" ? "}" : "]")) {
          if (c === "{") this.key();
          continue;
        }
        this.i++;
        open.pop();
      } else this.scalar(c);
      if (this.closeAfterValue(open)) return;
    }
  }

  /** After a value: closes what it ends; true once the outermost value is complete, false when another value follows. */
  private closeAfterValue(open: string[]): boolean {
    while (open.length) {
      const top = open[open.length - 1];
      const sep = this.wsNotEnd();
      this.i++;
      if (sep === ",") {
        if (top === "{") this.key();
        return false;
      }
      if (sep !== (top === "{" ? "}" : "]")) throw this.bad(sep, top === "{" ? "after object key:value pair" : "after array element");
      open.pop();
    }
    return true;
  }

  /** The whole text: one value, then only white space. */
  document(): void {
    this.value();
    this.ws();
    if (this.i < this.n) throw this.bad(this.at()!, "after top-level value");
  }
}

/**
 * The message json.Unmarshal returns for text that is not valid JSON, or undefined when it is valid.
 * Mirrors the scanner's states closely enough for the common cases (bad first byte, truncation, junk after a
 * value, bad object keys and separators, bad literals and numbers).
 */
export function goJsonSyntaxError(text: string): string | undefined {
  try {
    new GoScanner(text).document();
    return undefined;
  } catch (err) {
    if (err instanceof GoSyntaxError) return err.message;
    throw err;
  }
}

/** The JSON kind name Go's UnmarshalTypeError prints for a value ("number 1.5" for a non-integer into an int). */
export function goJsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "bool";
    default:
      return "object";
  }
}

// A small schema of the Go types the webhook decodes a pod into, for UnmarshalTypeError texts.
type GoScalar = "string" | "bool" | "int64" | "int32";
export type GoType = GoScalar | { struct: string; fields: Record<string, GoType> } | { slice: string; elem: GoType } | { map: string; elem: GoType } | { ptr: GoType } | "any";

function goTypeName(t: GoType): string {
  if (typeof t === "string") return t === "any" ? "interface {}" : t;
  if ("struct" in t) return `v1.${t.struct}`;
  if ("slice" in t) return t.slice;
  if ("map" in t) return t.map;
  return `*${goTypeName(t.ptr)}`;
}

/**
 * Go decodes a JSON null element of a struct slice (`"containers":[null]`) as the struct's zero value. Replaces each
 * such element of `v` (a copy) with `{}`, and returns the JSON pointers of the elements it replaced.
 */
export function goZeroNullElements<T>(v: T, t: GoType): { value: T; replaced: string[] } {
  const replaced: string[] = [];
  const esc = (k: string) => k.replace(/~/g, "~0").replace(/\//g, "~1");
  const walk = (x: unknown, type: GoType, path: string): unknown => {
    if (x === null || typeof x !== "object" || type === "any" || typeof type === "string") return x;
    if ("ptr" in type) return walk(x, type.ptr, path);
    if ("struct" in type) {
      if (Array.isArray(x)) return x;
      const out: Record<string, unknown> = {};
      for (const [k, fv] of Object.entries(x as Record<string, unknown>)) out[k] = type.fields[k] !== undefined ? walk(fv, type.fields[k]!, `${path}/${esc(k)}`) : fv;
      return out;
    }
    if ("slice" in type) {
      if (!Array.isArray(x)) return x;
      const isStruct = typeof type.elem === "object" && "struct" in type.elem;
      return x.map((e: unknown, i) => {
        if (e === null && isStruct) {
          replaced.push(`${path}/${i}`);
          return {};
        }
        return walk(e, type.elem, `${path}/${i}`);
      });
    }
    if (Array.isArray(x)) return x;
    return Object.fromEntries(Object.entries(x as Record<string, unknown>).map(([k, e]) => [k, walk(e, type.elem, `${path}/${esc(k)}`)]));
  };
  return { value: walk(v, t, "") as T, replaced };
}

/**
 * The first UnmarshalTypeError Go's decoder would report decoding `v` into `t`
 * (`json: cannot unmarshal <kind> into Go struct field <Struct>.<json.path> of type <type>`), or undefined.
 */
export function goUnmarshalTypeError(v: unknown, t: GoType, rootType = "Go value"): string | undefined {
  let first: string | undefined;
  const report = (kind: string, struct: string | undefined, path: string[], type: GoType) => {
    if (first !== undefined) return;
    first =
      struct === undefined
        ? `json: cannot unmarshal ${kind} into ${rootType} of type ${goTypeName(type)}`
        : `json: cannot unmarshal ${kind} into Go struct field ${struct}.${path.join(".")} of type ${goTypeName(type)}`;
  };
  const walk = (x: unknown, type: GoType, struct: string | undefined, path: string[]): void => {
    if (x === null || type === "any") return; // null leaves Go's zero value
    if (typeof type === "string") {
      const k = goJsonKind(x);
      if (type === "string" && k !== "string") report(k, struct, path, type);
      else if (type === "bool" && k !== "bool") report(k, struct, path, type);
      else if (type === "int64" || type === "int32") {
        if (k !== "number") report(k, struct, path, type);
        else if (!Number.isInteger(x)) report(`number ${String(x)}`, struct, path, type);
      }
      return;
    }
    if ("ptr" in type) return walk(x, type.ptr, struct, path);
    if ("struct" in type) {
      if (typeof x !== "object" || Array.isArray(x)) return report(goJsonKind(x), struct, path, type);
      for (const [k, fv] of Object.entries(x as Record<string, unknown>)) {
        const ft = type.fields[k];
        if (ft !== undefined) walk(fv, ft, type.struct, [...path, k]);
      }
      return;
    }
    if ("slice" in type) {
      if (!Array.isArray(x)) return report(goJsonKind(x), struct, path, type);
      for (const e of x) walk(e, type.elem, struct, path);
      return;
    }
    if (typeof x !== "object" || Array.isArray(x)) return report(goJsonKind(x), struct, path, type);
    for (const e of Object.values(x as Record<string, unknown>)) walk(e, type.elem, struct, path);
  };
  walk(v, t, undefined, []);
  return first;
}

const STRING_MAP: GoType = { map: "map[string]string", elem: "string" };
const OBJECT_META: GoType = {
  struct: "ObjectMeta",
  fields: { name: "string", generateName: "string", namespace: "string", labels: STRING_MAP, annotations: STRING_MAP },
};
const ENV_VAR: GoType = { struct: "EnvVar", fields: { name: "string", value: "string" } };
const VOLUME_MOUNT: GoType = { struct: "VolumeMount", fields: { name: "string", mountPath: "string", readOnly: "bool", subPath: "string" } };
const CONTAINER: GoType = {
  struct: "Container",
  fields: {
    name: "string",
    image: "string",
    args: { slice: "[]string", elem: "string" },
    command: { slice: "[]string", elem: "string" },
    env: { slice: "[]v1.EnvVar", elem: ENV_VAR },
    volumeMounts: { slice: "[]v1.VolumeMount", elem: VOLUME_MOUNT },
    restartPolicy: "string",
    imagePullPolicy: "string",
  },
};
const SA_TOKEN_PROJECTION: GoType = { ptr: { struct: "ServiceAccountTokenProjection", fields: { audience: "string", expirationSeconds: "int64", path: "string" } } };
const VOLUME: GoType = {
  struct: "Volume",
  fields: {
    name: "string",
    projected: {
      ptr: { struct: "ProjectedVolumeSource", fields: { sources: { slice: "[]v1.VolumeProjection", elem: { struct: "VolumeProjection", fields: { serviceAccountToken: SA_TOKEN_PROJECTION } } }, defaultMode: "int32" } },
    },
  },
};

/** The parts of corev1.Pod the webhook reads, for Go's decode errors. */
export const GO_POD: GoType = {
  struct: "Pod",
  fields: {
    apiVersion: "string",
    kind: "string",
    metadata: OBJECT_META,
    spec: {
      struct: "PodSpec",
      fields: {
        serviceAccountName: "string",
        serviceAccount: "string",
        hostNetwork: "bool",
        initContainers: { slice: "[]v1.Container", elem: CONTAINER },
        containers: { slice: "[]v1.Container", elem: CONTAINER },
        volumes: { slice: "[]v1.Volume", elem: VOLUME },
      },
    },
  },
};

/** The struct SimpleMetaFactory.Interpret unmarshals into to find apiVersion and kind. */
export const GO_FIND_KIND_TYPE = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

/** SimpleMetaFactory.Interpret's error for a parsed value, or undefined (`couldn't get version/kind; json parse error: ...`). */
export function interpretKindError(v: unknown): string | undefined {
  let e: string | undefined;
  if (v !== null && (typeof v !== "object" || Array.isArray(v))) e = `json: cannot unmarshal ${goJsonKind(v)} into Go value of type ${GO_FIND_KIND_TYPE}`;
  else if (v !== null) {
    const o = v as Record<string, unknown>;
    for (const k of ["apiVersion", "kind"]) {
      if (o[k] !== undefined && o[k] !== null && typeof o[k] !== "string") {
        e = `json: cannot unmarshal ${goJsonKind(o[k])} into Go struct field .${k} of type string`;
        break;
      }
    }
  }
  return e === undefined ? undefined : `couldn't get version/kind; json parse error: ${e}`;
}

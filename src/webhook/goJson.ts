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

/**
 * The message json.Unmarshal returns for text that is not valid JSON, or undefined when it is valid.
 * Mirrors the scanner's states closely enough for the common cases (bad first byte, truncation, junk after a
 * value, bad object keys and separators, bad literals and numbers).
 */
export function goJsonSyntaxError(text: string): string | undefined {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const eof = () => new GoSyntaxError("unexpected end of JSON input");
  const bad = (c: string, ctx: string) => new GoSyntaxError(`invalid character ${quoteChar(c)} ${ctx}`);
  const literal = (word: string) => {
    for (let k = 1; k < word.length; k++) {
      i++;
      if (i >= n) throw eof();
      if (text[i] !== word[k]) throw bad(text[i]!, `in literal ${word} (expecting ${quoteChar(word[k]!)})`);
    }
    i++;
  };
  const str = () => {
    i++; // opening quote
    for (;;) {
      if (i >= n) throw eof();
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c === "\\") {
        i++;
        if (i >= n) throw eof();
        const e = text[i]!;
        if (e === "u") {
          for (let k = 0; k < 4; k++) {
            i++;
            if (i >= n) throw eof();
            if (!/[0-9a-fA-F]/.test(text[i]!)) throw bad(text[i]!, "in \\u hexadecimal character escape");
          }
        } else if (!'"\\/bfnrt'.includes(e)) throw bad(e, "in string escape code");
        i++;
        continue;
      }
      if (c < " ") throw bad(c, "in string literal");
      i++;
    }
  };
  const digits = () => {
    while (i < n && text[i]! >= "0" && text[i]! <= "9") i++;
  };
  const num = () => {
    if (text[i] === "-") {
      i++;
      if (i >= n) throw eof();
      if (!(text[i]! >= "0" && text[i]! <= "9")) throw bad(text[i]!, "in numeric literal");
    }
    if (text[i] === "0") i++;
    else digits();
    if (text[i] === ".") {
      i++;
      if (i >= n) throw eof();
      if (!(text[i]! >= "0" && text[i]! <= "9")) throw bad(text[i]!, "after decimal point in numeric literal");
      digits();
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      if (i >= n) throw eof();
      if (!(text[i]! >= "0" && text[i]! <= "9")) throw bad(text[i]!, "in exponent of numeric literal");
      digits();
    }
  };
  const value = (): void => {
    ws();
    if (i >= n) throw eof();
    const c = text[i]!;
    if (c === "{") {
      i++;
      ws();
      if (i >= n) throw eof();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (i >= n) throw eof();
        if (text[i] !== '"') throw bad(text[i]!, "looking for beginning of object key string");
        str();
        ws();
        if (i >= n) throw eof();
        if (text[i] !== ":") throw bad(text[i]!, "after object key");
        i++;
        value();
        ws();
        if (i >= n) throw eof();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        throw bad(text[i]!, "after object key:value pair");
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (i >= n) throw eof();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (i >= n) throw eof();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        throw bad(text[i]!, "after array element");
      }
    }
    if (c === '"') return str();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    if (c === "-" || (c >= "0" && c <= "9")) return num();
    throw bad(c, "looking for beginning of value");
  };
  try {
    value();
    ws();
    if (i < n) throw bad(text[i]!, "after top-level value");
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

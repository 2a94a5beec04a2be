/** Protobuf wire format primitives (varints, fields, strings, maps) and the `k8s\0` envelope and ObjectMeta they share. */

export type Field = { n: number; wt: number; v: bigint | Buffer };

function varint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error("unexpected EOF");
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
    if (shift > 70n) throw new Error("varint overflow");
  }
}

export function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = varint(buf, pos);
    pos = p1;
    const n = Number(key >> 3n);
    const wt = Number(key & 7n);
    if (wt === 0) {
      const [v, p2] = varint(buf, pos);
      out.push({ n, wt, v });
      pos = p2;
    } else if (wt === 2) {
      const [len, p2] = varint(buf, pos);
      const end = p2 + Number(len);
      if (end > buf.length) throw new Error("unexpected EOF");
      out.push({ n, wt, v: buf.subarray(p2, end) });
      pos = end;
    } else if (wt === 1) {
      out.push({ n, wt, v: buf.subarray(pos, pos + 8) });
      pos += 8;
    } else if (wt === 5) {
      out.push({ n, wt, v: buf.subarray(pos, pos + 4) });
      pos += 4;
    } else throw new Error(`unsupported wire type ${wt}`);
  }
  return out;
}

export const str = (f: Field | undefined) => (f && Buffer.isBuffer(f.v) ? f.v.toString("utf8") : undefined);
export const bytes = (f: Field | undefined) => (f && Buffer.isBuffer(f.v) ? f.v : undefined);

/** Unwraps the `k8s\0` envelope: the object's apiVersion, kind and raw message. */
export function unwrap(buf: Buffer): { apiVersion: string; kind: string; raw: Buffer } {
  if (buf.length < 4 || buf.subarray(0, 4).toString("latin1") !== "k8s\0") throw new Error("provided object is not a Kubernetes protobuf message");
  const fs = fields(buf.subarray(4));
  const typeMeta = fields(bytes(fs.find((f) => f.n === 1)) ?? Buffer.alloc(0));
  return {
    apiVersion: str(typeMeta.find((f) => f.n === 1)) ?? "",
    kind: str(typeMeta.find((f) => f.n === 2)) ?? "",
    raw: bytes(fs.find((f) => f.n === 2)) ?? Buffer.alloc(0),
  };
}

export function stringMap(fs: Field[], n: number, asBase64 = false): Record<string, string> | undefined {
  const entries = fs.filter((f) => f.n === n);
  if (!entries.length) return undefined;
  const out: Record<string, string> = {};
  for (const e of entries) {
    const kv = fields(bytes(e) ?? Buffer.alloc(0));
    const v = bytes(kv.find((f) => f.n === 2)) ?? Buffer.alloc(0);
    out[str(kv.find((f) => f.n === 1)) ?? ""] = asBase64 ? v.toString("base64") : v.toString("utf8");
  }
  return out;
}

export const bool = (f: Field | undefined) => (f && typeof f.v === "bigint" ? f.v !== 0n : undefined);

export function objectMeta(buf: Buffer | undefined): Record<string, unknown> {
  if (!buf) return {};
  const fs = fields(buf);
  const out: Record<string, unknown> = {};
  for (const [n, k] of [[1, "name"], [2, "generateName"], [3, "namespace"], [6, "resourceVersion"]] as const) {
    const v = str(fs.find((f) => f.n === n));
    if (v) out[k] = v;
  }
  const labels = stringMap(fs, 11);
  const annotations = stringMap(fs, 12);
  if (labels) out.labels = labels;
  if (annotations) out.annotations = annotations;
  const finalizers = fs.filter((f) => f.n === 14).map((f) => str(f)!);
  if (finalizers.length) out.finalizers = finalizers;
  return out;
}

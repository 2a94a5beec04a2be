/**
 * The `pod-template-hash` of a Deployment's pod template (controller.ComputeHash): FNV-1a (32 bit) over the
 * template, then the collision count, printed in decimal and encoded with rand.SafeEncodeString. The lab
 * hashes the template's canonical JSON where Go hashes its spew dump, so values differ from a real
 * cluster's, but they have the same shape and the same properties (stable, changes with the template).
 */
const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";

/** JSON with object keys sorted, so that equal templates hash equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each byte mapped onto an alphabet without vowels or look-alike digits. */
export function safeEncodeString(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

export function computeHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(Buffer.from(canonicalJson(template), "utf8"));
  if (collisionCount !== undefined) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(collisionCount >>> 0);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

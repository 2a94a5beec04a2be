import { createHash, randomBytes, randomUUID } from "node:crypto";

/** One source of randomness for the lab; tests may seed it for repeatable ids. */
export class Random {
  private counter = 0;
  constructor(private readonly seed?: string) {}

  bytes(n: number): Buffer {
    if (this.seed === undefined) return randomBytes(n);
    const out = Buffer.alloc(n);
    let filled = 0;
    while (filled < n) {
      const block = createHash("sha256").update(`${this.seed}:${this.counter++}`).digest();
      filled += block.copy(out, filled);
    }
    return out;
  }

  uuid(): string {
    if (this.seed === undefined) return randomUUID();
    const b = this.bytes(16);
    b[6] = (b[6]! & 0x0f) | 0x40;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const h = b.toString("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  hex(nBytes: number): string {
    return this.bytes(nBytes).toString("hex");
  }

  base64url(nBytes: number): string {
    return this.bytes(nBytes).toString("base64url");
  }
}

export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

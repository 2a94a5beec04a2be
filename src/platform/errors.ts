/**
 * The base of every typed error a face throws. Each face renders its own subclasses in the real
 * service's envelope; `hint` is wilab's own explanation, added in a separate field or header.
 */
export abstract class FaceError extends Error {
  abstract readonly status: number;
  hint?: string;
  headers: Record<string, string> = {};

  withHint(hint: string | undefined): this {
    if (hint) this.hint = hint;
    return this;
  }

  withHeader(name: string, value: string): this {
    this.headers[name] = value;
    return this;
  }
}

/** The header that carries a lab-only hint on every face. */
export const HINT_HEADER = "x-wilab-hint";

/** Keeps a hint header value printable (one line, ASCII). */
export function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, " ").slice(0, 4000);
}

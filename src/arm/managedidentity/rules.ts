/** Entra's rules for federated identity credentials (reference §2.2). */
export const FIC_NAME = /^[a-zA-Z0-9][a-zA-Z0-9-_]{2,119}$/;
export const FIC_MAX_PER_IDENTITY = 20;
export const FIC_MAX_FIELD = 600;
export const IDENTITY_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$/;

export interface FicInput {
  issuer?: unknown;
  subject?: unknown;
  audiences?: unknown;
}

/** Returns the message of the first rule the input breaks, or undefined. */
export function ficViolation(name: string, p: FicInput): string | undefined {
  if (!FIC_NAME.test(name)) return `Federated Identity Credential name '${name}' is invalid.`;
  if (typeof p.issuer !== "string" || !p.issuer || typeof p.subject !== "string" || !p.subject || p.audiences === undefined || p.audiences === null) {
    return "The request format was unexpected. Federated Identity Credential must specify 'issuer', 'subject' and 'audience'.";
  }
  if (!Array.isArray(p.audiences) || p.audiences.length !== 1 || typeof p.audiences[0] !== "string" || !p.audiences[0]) {
    return "Federated identity credentials must have exactly one audience.";
  }
  for (const [field, value] of [["issuer", p.issuer], ["subject", p.subject], ["audience", p.audiences[0]]] as const) {
    if (value.length > FIC_MAX_FIELD) return `The ${field} of a federated identity credential must be at most ${FIC_MAX_FIELD} characters long.`;
  }
  let url: URL | undefined;
  try {
    url = new URL(p.issuer);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== "https:") return `The issuer '${p.issuer}' is not valid. The issuer must be an absolute URL with the 'https' scheme.`;
  if (p.subject.includes("*") || p.issuer.includes("*")) return "Wildcard characters are not supported in federated identity credential issuer or subject.";
  return undefined;
}

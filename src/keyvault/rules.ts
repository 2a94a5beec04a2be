import { KeyVaultErrors } from "./KeyVaultError.js";

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Key Vault data-plane limits and formats (reference §4.2). */
export const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
export const VERSION_RE = /^[0-9a-f]{32}$/i;
export const MAX_VALUE_BYTES = 25 * 1024;
export const MAX_TAGS = 15;
export const MAX_TAG_LENGTH = 256;
export const MAX_CONTENT_TYPE = 255;
export const MAX_RESULTS = 25;
export const LATEST_API_VERSION = "2025-07-01";
/** Request bodies other than restore stay small: a secret is at most 25 KB. */
export const BODY_LIMIT = 256 * 1024;
export const RESTORE_BODY_LIMIT = 4 * 1024 * 1024;

const STABLE = new Set(["2015-06-01", "2016-10-01", "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01"]);
const PREVIEW = /^7\.[0-6]-preview(\.\d+)?$|^2025-0[1-7]-01-preview$/;

export function checkApiVersion(v: string | undefined): string {
  if (v === undefined || v === "") throw KeyVaultErrors.missingApiVersion().withHint(`add ?api-version=${LATEST_API_VERSION} (the SDKs always send one)`);
  if (!STABLE.has(v) && !PREVIEW.test(v)) throw KeyVaultErrors.unknownApiVersion(v, LATEST_API_VERSION);
  return v;
}

export function checkSecretName(name: string): string {
  if (!SECRET_NAME.test(name)) {
    throw KeyVaultErrors.invalidName(name).withHint("secret names are 1-127 characters: letters, digits and '-'");
  }
  return name;
}

export interface SecretAttributesInput {
  enabled?: boolean;
  nbf?: number;
  exp?: number;
}

export interface SecretMetadataInput {
  contentType?: string;
  tags?: Record<string, string>;
  attributes: SecretAttributesInput;
}

function unixSeconds(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw KeyVaultErrors.badParameter(`Invalid value for attributes.${field}: it must be a Unix time in seconds.`);
  return Math.floor(v);
}

/** Parses the `contentType`, `tags` and `attributes` a set or update request may carry. */
export function parseMetadata(body: Record<string, unknown>): SecretMetadataInput {
  const out: SecretMetadataInput = { attributes: {} };
  if (body.contentType !== undefined && body.contentType !== null) {
    if (typeof body.contentType !== "string") throw KeyVaultErrors.badParameter("Invalid value for contentType: it must be a string.");
    if (body.contentType.length > MAX_CONTENT_TYPE) throw KeyVaultErrors.badParameter(`The contentType is too long. Its maximum length is ${MAX_CONTENT_TYPE} characters.`);
    out.contentType = body.contentType;
  }
  if (body.tags !== undefined && body.tags !== null) {
    if (!isObject(body.tags)) throw KeyVaultErrors.badParameter("Invalid value for tags: it must be an object of strings.");
    const entries = Object.entries(body.tags);
    if (entries.length > MAX_TAGS) throw KeyVaultErrors.badParameter(`The number of tags (${entries.length}) exceeds the maximum of ${MAX_TAGS}.`);
    for (const [k, v] of entries) {
      if (typeof v !== "string") throw KeyVaultErrors.badParameter(`Invalid value for tag '${k}': tag values must be strings.`);
      if (k.length > MAX_TAG_LENGTH || v.length > MAX_TAG_LENGTH) throw KeyVaultErrors.badParameter(`Tag names and values are limited to ${MAX_TAG_LENGTH} characters.`);
    }
    out.tags = Object.fromEntries(entries) as Record<string, string>;
  }
  if (body.attributes !== undefined && body.attributes !== null) {
    const a = body.attributes;
    if (!isObject(a)) throw KeyVaultErrors.badParameter("Invalid value for attributes: it must be an object.");
    if (a.enabled !== undefined && a.enabled !== null) {
      if (typeof a.enabled !== "boolean") throw KeyVaultErrors.badParameter("Invalid value for attributes.enabled: it must be a boolean.");
      out.attributes.enabled = a.enabled;
    }
    const nbf = unixSeconds(a.nbf, "nbf");
    const exp = unixSeconds(a.exp, "exp");
    if (nbf !== undefined) out.attributes.nbf = nbf;
    if (exp !== undefined) out.attributes.exp = exp;
  }
  return out;
}

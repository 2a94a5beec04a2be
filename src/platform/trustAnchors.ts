/**
 * Which CAs the lab trusts when it fetches a federated issuer's discovery document and JWKS (as Entra fetches
 * them over HTTPS): besides the public roots and the lab CA, the certificates of the file NODE_EXTRA_CA_CERTS
 * names (how Node users trust a private or corporate CA; passing `ca` to a request replaces what Node added from
 * it, so the lab reads the file itself) and every `--trust-ca` file.
 */
import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The PEM certificates of a bundle file; a clear error when it cannot be read or holds none. */
export function readPemBundle(file: string, what: string, check = true): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new RangeError(`${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const pems = text.match(PEM) ?? [];
  if (pems.length === 0) throw new RangeError(`${what} ${file}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it`);
  for (const p of check ? pems : []) {
    try {
      new X509Certificate(p);
    } catch (err) {
      throw new RangeError(`${what} ${file}: a certificate does not parse (${(err as Error).message})`, { cause: err });
    }
  }
  return pems;
}

/** The extra trust anchors for issuer fetches: NODE_EXTRA_CA_CERTS (skipped when unreadable, as Node only warns) and the given files. */
export function issuerTrustAnchors(files: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  const extra = env.NODE_EXTRA_CA_CERTS;
  if (extra) {
    try {
      out.push(...readPemBundle(extra, "NODE_EXTRA_CA_CERTS", false));
    } catch {
      // Node has already warned about it at start-up ("Ignoring extra certs from …").
    }
  }
  for (const f of files) out.push(...readPemBundle(f, "--trust-ca"));
  return out;
}

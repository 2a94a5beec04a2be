import { webcrypto, X509Certificate as NodeX509 } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSecureContext, type SecureContext, type SecureContextOptions } from "node:tls";

type X509Module = typeof import("@peculiar/x509");
let x509Module: Promise<X509Module> | undefined;

/** @peculiar/x509 costs ~150 ms to import: load it only when a certificate must be made. */
export function loadX509(): Promise<X509Module> {
  x509Module ??= (async () => {
    await import("reflect-metadata");
    const ns = (await import("@peculiar/x509")) as X509Module & { default?: X509Module };
    // Node's ESM loader exposes the CJS exports as names; a bundler may put them under `default` only.
    const m = ns.cryptoProvider ? ns : ns.default!;
    m.cryptoProvider.set(webcrypto as unknown as Crypto);
    return m;
  })();
  return x509Module;
}

const EC_ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 86_400_000;

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

function fromPem(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
}

function serial(): string {
  const b = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  b[0] = b[0]! & 0x7f;
  if (b[0] === 0) b[0] = 1;
  return b.toString("hex");
}

export interface CaMaterial {
  certPem: string;
  keyPem: string;
}

/** The lab's certificate authority: signs a leaf for every host the lab answers (SNI). */
export class LabCa {
  private readonly contexts = new Map<string, Promise<SecureContext>>();
  private leafKeys?: Promise<{ keys: CryptoKeyPair; keyPem: string }>;

  private constructor(
    readonly certPem: string,
    private readonly key: CryptoKey,
    /** Where issued leaves are cached across restarts (a file beside the CA), if anywhere. */
    private readonly leafCachePath?: string,
  ) {}

  static async create(commonName = "wilab lab CA", leafCachePath?: string): Promise<LabCa> {
    const x509 = await loadX509();
    const keys = (await webcrypto.subtle.generateKey(EC_ALG, true, ["sign", "verify"])) as CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: `CN=${commonName}, O=wilab`,
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 3650 * DAY),
      signingAlgorithm: EC_ALG,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new LabCa(cert.toString("pem") + "\n", keys.privateKey, leafCachePath);
  }

  static async load(material: CaMaterial, leafCachePath?: string): Promise<LabCa> {
    const key = await webcrypto.subtle.importKey("pkcs8", fromPem(material.keyPem), EC_ALG, true, ["sign"]);
    return new LabCa(material.certPem, key, leafCachePath);
  }

  /** Loads `ca.crt`/`ca.key` from a directory, creating them on first use. */
  static async loadOrCreate(dir: string): Promise<LabCa> {
    const crt = join(dir, "ca.crt");
    const keyPath = join(dir, "ca.key");
    const cache = join(dir, "leaf-cache.json");
    if (existsSync(crt) && existsSync(keyPath)) {
      return LabCa.load({ certPem: readFileSync(crt, "utf8"), keyPem: readFileSync(keyPath, "utf8") }, cache);
    }
    const ca = await LabCa.create(undefined, cache);
    mkdirSync(dir, { recursive: true });
    writeFileSync(keyPath, await ca.keyPem(), { mode: 0o600 });
    writeFileSync(crt, ca.certPem);
    return ca;
  }

  async keyPem(): Promise<string> {
    return toPem(await webcrypto.subtle.exportKey("pkcs8", this.key), "PRIVATE KEY");
  }

  private readCache(): Record<string, { certPem: string; keyPem: string }> {
    if (!this.leafCachePath || !existsSync(this.leafCachePath)) return {};
    try {
      return JSON.parse(readFileSync(this.leafCachePath, "utf8")) as Record<string, { certPem: string; keyPem: string }>;
    } catch {
      return {};
    }
  }

  /** A leaf for these names from the cache when it is still valid for 30 days and chains to this CA, else a new one (cached). */
  async leafFor(names: string[]): Promise<{ certPem: string; keyPem: string }> {
    const key = names.join(",");
    const cache = this.readCache();
    const hit = cache[key];
    if (hit && hit.certPem.endsWith(this.certPem)) {
      try {
        const c = new NodeX509(hit.certPem);
        if (Date.parse(c.validTo) - Date.now() > 30 * DAY && c.checkIssued(new NodeX509(this.certPem))) return hit;
      } catch {
        /* fall through and issue a new one */
      }
    }
    const fresh = await this.issueLeaf(names);
    if (this.leafCachePath) {
      try {
        writeFileSync(this.leafCachePath, JSON.stringify({ ...this.readCache(), [key]: fresh }), { mode: 0o600 });
      } catch {
        /* a read-only CA dir: leaves are simply not cached */
      }
    }
    return fresh;
  }

  private leafKeyPair(): Promise<{ keys: CryptoKeyPair; keyPem: string }> {
    this.leafKeys ??= (async () => {
      const keys = (await webcrypto.subtle.generateKey(EC_ALG, true, ["sign", "verify"])) as CryptoKeyPair;
      return { keys, keyPem: toPem(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey), "PRIVATE KEY") };
    })();
    return this.leafKeys;
  }

  /** Issues a server certificate for the given DNS names and IP addresses. */
  async issueLeaf(names: string[]): Promise<{ certPem: string; keyPem: string }> {
    const x509 = await loadX509();
    const caCert = new x509.X509Certificate(this.certPem);
    const { keys, keyPem } = await this.leafKeyPair();
    const now = Date.now();
    const alt = names.map((n) =>
      /^[\d.]+$/.test(n) || n.includes(":") ? { type: "ip" as const, value: n } : { type: "dns" as const, value: n },
    );
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${names[0] ?? "wilab"}`,
      issuer: caCert.subject,
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 397 * DAY),
      signingAlgorithm: EC_ALG,
      publicKey: keys.publicKey,
      signingKey: this.key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(alt),
        await x509.AuthorityKeyIdentifierExtension.create(caCert),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return { certPem: leaf.toString("pem") + "\n" + this.certPem, keyPem };
  }

  /** A TLS context for one SNI host name (cached). */
  contextFor(servername: string): Promise<SecureContext> {
    const host = servername.toLowerCase();
    let ctx = this.contexts.get(host);
    if (!ctx) {
      ctx = this.leafFor([host]).then((m) => createSecureContext({ cert: m.certPem, key: m.keyPem }));
      this.contexts.set(host, ctx);
    }
    return ctx;
  }

  /** Options for `https.createServer`: a default certificate plus an SNI callback for any host. */
  async serverOptions(defaultNames: string[]): Promise<SecureContextOptions & { SNICallback: (name: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void }> {
    const m = await this.leafFor(defaultNames);
    return {
      cert: m.certPem,
      key: m.keyPem,
      SNICallback: (name, cb) => {
        this.contextFor(name).then(
          (ctx) => cb(null, ctx),
          (err: Error) => cb(err),
        );
      },
    };
  }
}

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

/**
 * Where a CA keeps the leaves it issued, by their comma-joined names: a file beside the CA (`leaf-cache.json`), or
 * the lab's database when replicas share it (every replica then presents the same leaf). `put` returns the leaf
 * that is kept: the one given, or one another process stored meanwhile that `usable` accepts.
 */
export interface LeafCache {
  get(key: string): Promise<CaMaterial | undefined>;
  put(key: string, leaf: CaMaterial, usable: (stored: CaMaterial) => boolean): Promise<CaMaterial>;
}

/** A leaf cache in a JSON file (a read-only directory: leaves are simply not cached). */
export function fileLeafCache(path: string): LeafCache {
  const read = (): Record<string, CaMaterial> => {
    if (!existsSync(path)) return {};
    try {
      return JSON.parse(readFileSync(path, "utf8")) as Record<string, CaMaterial>;
    } catch {
      return {};
    }
  };
  return {
    get: async (key) => read()[key],
    put: async (key, leaf) => {
      try {
        writeFileSync(path, JSON.stringify({ ...read(), [key]: leaf }), { mode: 0o600 });
      } catch {
        /* not cached */
      }
      return leaf;
    },
  };
}

/** The lab's certificate authority: signs a leaf for every host the lab answers (SNI). */
export class LabCa {
  private readonly contexts = new Map<string, Promise<SecureContext>>();
  private leafKeys?: Promise<{ keys: CryptoKeyPair; keyPem: string }>;

  private constructor(
    readonly certPem: string,
    private readonly key: CryptoKey,
    /** Where issued leaves are cached across restarts (and shared between replicas), if anywhere. */
    private readonly leafCache?: LeafCache,
  ) {}

  static async create(commonName = "wilab lab CA", leafCache?: LeafCache): Promise<LabCa> {
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
    return new LabCa(cert.toString("pem") + "\n", keys.privateKey, leafCache);
  }

  static async load(material: CaMaterial, leafCache?: LeafCache): Promise<LabCa> {
    const key = await webcrypto.subtle.importKey("pkcs8", fromPem(material.keyPem), EC_ALG, true, ["sign"]);
    return new LabCa(material.certPem, key, leafCache);
  }

  /** `ca.crt`/`ca.key` of a directory, if both are there. */
  static readMaterial(dir: string): CaMaterial | undefined {
    const crt = join(dir, "ca.crt");
    const keyPath = join(dir, "ca.key");
    if (!existsSync(crt) || !existsSync(keyPath)) return undefined;
    return { certPem: readFileSync(crt, "utf8"), keyPem: readFileSync(keyPath, "utf8") };
  }

  /** Loads `ca.crt`/`ca.key` from a directory, creating them on first use. */
  static async loadOrCreate(dir: string): Promise<LabCa> {
    const cache = fileLeafCache(join(dir, "leaf-cache.json"));
    const material = LabCa.readMaterial(dir);
    if (material) return LabCa.load(material, cache);
    const ca = await LabCa.create(undefined, cache);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "ca.key"), await ca.keyPem(), { mode: 0o600 });
    writeFileSync(join(dir, "ca.crt"), ca.certPem);
    return ca;
  }

  async keyPem(): Promise<string> {
    return toPem(await webcrypto.subtle.exportKey("pkcs8", this.key), "PRIVATE KEY");
  }

  /** Whether a cached leaf chains to this CA and stays valid for 30 more days. */
  private usable(hit: CaMaterial | undefined): hit is CaMaterial {
    if (!hit || !hit.certPem.endsWith(this.certPem)) return false;
    try {
      const c = new NodeX509(hit.certPem);
      return Date.parse(c.validTo) - Date.now() > 30 * DAY && c.checkIssued(new NodeX509(this.certPem));
    } catch {
      return false;
    }
  }

  /** A leaf for these names from the cache when it is still valid for 30 days and chains to this CA, else a new one (cached). */
  async leafFor(names: string[]): Promise<{ certPem: string; keyPem: string }> {
    const key = names.join(",");
    const hit = await this.leafCache?.get(key);
    if (this.usable(hit)) return hit;
    const fresh = await this.issueLeaf(names);
    return this.leafCache ? this.leafCache.put(key, fresh, (m) => this.usable(m)) : fresh;
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

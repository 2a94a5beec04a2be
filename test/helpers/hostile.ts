// The generated hostile corpus's shared parts (no tests of its own): a keep-alive HTTPS client with a per-request
// timeout, the property runner (fast-check, fixed seed in CI, 1,000 inputs per face in batches sent concurrently,
// the status distribution), and JWT mutations of real lab tokens (tampering, header injection, algorithm confusion
// with every form of the public key, broken encodings, extra segments).
import { Agent, request } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import { createHmac, createPublicKey, createSign, generateKeyPairSync, type JsonWebKey, type KeyObject } from "node:crypto";
import fc from "fast-check";

/** What a corpus input sends: any method, Host, path, headers and body. */
export interface Sent {
  method: string;
  path: string;
  host?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** The answer, or why there was none (a timeout or a dropped connection: both are failures of the lab). */
export interface Got {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
  failure?: string;
}

export const REQUEST_TIMEOUT_MS = 10_000;

/** One keep-alive agent per corpus file; requests carry an explicit Host so vault hosts reach Key Vault. */
export class HostileClient {
  private readonly agent: Agent;
  constructor(
    private readonly port: number,
    ca: string,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 8, ca, servername: "localhost" });
  }

  send(s: Sent, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Got> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (g: Got) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(g);
      };
      const fail = (failure: string) => finish({ status: 0, headers: {}, text: "", json: undefined, failure });
      const headers: Record<string, string> = { host: s.host ?? `localhost:${this.port}`, ...s.headers };
      if (s.body !== undefined) headers["content-length"] = String(Buffer.byteLength(s.body));
      let req: ReturnType<typeof request>;
      try {
        req = request({ hostname: "127.0.0.1", port: this.port, agent: this.agent, method: s.method, path: s.path, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (e) => fail(`response error: ${e.message}`));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let json: unknown;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = undefined;
            }
            finish({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
        });
      } catch (err) {
        // node's own client refused the request line or a header: nothing reached the lab.
        resolve({ status: -1, headers: {}, text: "", json: undefined, failure: `client refused: ${(err as Error).message}` });
        return;
      }
      const timer = setTimeout(() => {
        fail(`no answer within ${timeoutMs} ms`);
        req.destroy();
      }, timeoutMs);
      req.on("error", (e) => fail(`connection error: ${e.message}`));
      if (s.body !== undefined) req.write(s.body);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The seed: fixed when CI is set (a run is reproducible), random locally (printed, so a failure can be replayed). */
export function corpusSeed(): number {
  if (process.env.WILAB_CORPUS_SEED) return Number(process.env.WILAB_CORPUS_SEED);
  return process.env.CI ? 20261130 : (Math.random() * 2 ** 31) | 0;
}

/** One input's outcome: the label under which its status is counted, and what went wrong (undefined: the invariants hold). */
export interface Verdict {
  status: number;
  failure?: string;
  /** The face's error code (AADSTS code, ARM or Key Vault code, Status reason), counted in a second distribution. */
  code?: string;
}

export interface CorpusOptions<T> {
  face: string;
  arb: fc.Arbitrary<T>;
  check: (input: T) => Promise<Verdict>;
  /** Inputs per run (default 1,000). */
  inputs?: number;
  /** Requests in flight at once (default 4): each property run is a batch of this many inputs. */
  concurrency?: number;
  seed?: number;
  /** How an input is shown in a failure (default: JSON, cut to 300 characters). */
  show?: (input: T) => string;
}

export interface CorpusResult {
  inputs: number;
  statuses: Map<number, number>;
  codes: Map<string, number>;
  seed: number;
}

export function cut(s: string, n = 300): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;
}

function showDefault(v: unknown): string {
  try {
    return cut(JSON.stringify(v, (_k, x: unknown) => (Buffer.isBuffer(x) ? `<${x.length} bytes>` : typeof x === "string" ? cut(x, 200) : x)));
  } catch {
    return cut(String(v));
  }
}

/** The distributions as `# ` lines: `face: 1000 inputs, seed 123; statuses 400×401 300×400 …`, then the codes. */
export function describe(face: string, r: CorpusResult): string {
  const dist = <K>(m: Map<K, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n}×${k === 0 ? "no-answer" : String(k)}`);
  return `# ${face}: ${r.inputs} inputs, seed ${r.seed}; statuses ${dist(r.statuses).join(" ")}\n# ${face}: codes ${dist(r.codes).join(" ")}`;
}

/**
 * Runs the property: `inputs` generated inputs, `concurrency` at a time. Any input that breaks an invariant fails the
 * run with fast-check's counterexample (shrunk) and the seed and path to replay it (WILAB_CORPUS_SEED=<seed>).
 */
export async function runCorpus<T>(o: CorpusOptions<T>): Promise<CorpusResult> {
  const seed = o.seed ?? corpusSeed();
  const concurrency = o.concurrency ?? 4;
  const total = o.inputs ?? 1000;
  const show = o.show ?? showDefault;
  const result: CorpusResult = { inputs: 0, statuses: new Map(), codes: new Map(), seed };
  console.log(`# ${o.face}: seed ${seed} (replay with WILAB_CORPUS_SEED=${seed})`);
  const property = fc.asyncProperty(fc.array(o.arb, { minLength: concurrency, maxLength: concurrency }), async (batch) => {
    const verdicts = await Promise.all(batch.map((input) => o.check(input)));
    const failures: string[] = [];
    verdicts.forEach((v, i) => {
      result.inputs++;
      result.statuses.set(v.status, (result.statuses.get(v.status) ?? 0) + 1);
      const code = v.code ?? "-";
      result.codes.set(code, (result.codes.get(code) ?? 0) + 1);
      if (v.failure) failures.push(`${v.failure}\n    input: ${show(batch[i]!)}`);
    });
    if (failures.length) throw new Error(failures.join("\n  "));
  });
  await fc.assert(property, {
    seed,
    numRuns: Math.ceil(total / concurrency),
    reporter: (details) => {
      if (!details.failed) return;
      const err = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(`${o.face}: an input broke an invariant (seed ${seed}, path "${details.counterexamplePath}", after ${details.numRuns} runs and ${details.numShrinks} shrinks):\n  ${err}`);
    },
  });
  return result;
}

/** The common invariants: an answer came, and it is not a 5xx. */
export function basicFailure(g: Got): string | undefined {
  if (g.failure) return g.failure;
  if (g.status >= 500 && g.status <= 599) return `${g.status}: ${cut(g.text)}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// JWT mutations

const b64u = (b: Buffer | string) => Buffer.from(b).toString("base64url");
const json64 = (o: unknown) => b64u(JSON.stringify(o));
export const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** A real token taken apart: its three segments, header and claims. */
export interface JwtParts {
  token: string;
  h: string;
  p: string;
  s: string;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

export function partsOf(token: string): JwtParts {
  const [h, p, s] = token.split(".") as [string, string, string];
  return { token, h, p, s, header: JSON.parse(Buffer.from(h, "base64url").toString()) as Record<string, unknown>, payload: JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown> };
}

/** Every form of the public key that signed `token`, looked up by its `kid` in the JWKS at `jwksUrl`. */
export async function signingKeyForms(token: string, jwksUrl: string): Promise<{ label: string; secret: Buffer }[]> {
  const jwks = (await (await fetch(jwksUrl)).json()) as { keys: (JsonWebKey & { kid: string; x5c?: string[] })[] };
  const kid = (JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()) as { kid: string }).kid;
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (!jwk) throw new Error(`no key ${kid} at ${jwksUrl}`);
  return publicKeyForms(jwk);
}

/** Every form of an RSA public key an HMAC confusion attack might use as the secret. */
export function publicKeyForms(jwk: JsonWebKey & { x5c?: string[]; kid?: string }): { label: string; secret: Buffer }[] {
  const key = createPublicKey({ key: { kty: "RSA", n: jwk.n, e: jwk.e }, format: "jwk" });
  const spkiPem = key.export({ type: "spki", format: "pem" }).toString();
  const pkcs1Pem = key.export({ type: "pkcs1", format: "pem" }).toString();
  const spkiDer = key.export({ type: "spki", format: "der" });
  const pkcs1Der = key.export({ type: "pkcs1", format: "der" });
  const forms: [string, Buffer | string][] = [
    ["PEM (SPKI)", spkiPem],
    ["PEM (SPKI) without trailing newline", spkiPem.trimEnd()],
    ["PEM (PKCS#1)", pkcs1Pem],
    ["DER (SPKI) bytes", spkiDer],
    ["DER (SPKI) base64", spkiDer.toString("base64")],
    ["DER (SPKI) base64url", spkiDer.toString("base64url")],
    ["DER (PKCS#1) bytes", pkcs1Der],
    ["DER (PKCS#1) base64", pkcs1Der.toString("base64")],
    ["JWK JSON as published", JSON.stringify(jwk)],
    ["JWK JSON {kty,n,e}", JSON.stringify({ kty: "RSA", n: jwk.n, e: jwk.e })],
    ["JWK JSON {e,kty,n}", JSON.stringify({ e: jwk.e, kty: "RSA", n: jwk.n })],
    ["n (base64url)", String(jwk.n)],
    ["n bytes", Buffer.from(String(jwk.n), "base64url")],
  ];
  if (jwk.x5c?.[0]) {
    const cert = jwk.x5c[0];
    forms.push(["x5c[0] (base64 DER certificate)", cert]);
    forms.push(["certificate PEM", `-----BEGIN CERTIFICATE-----\n${cert.match(/.{1,64}/g)!.join("\n")}\n-----END CERTIFICATE-----\n`]);
    forms.push(["certificate DER bytes", Buffer.from(cert, "base64")]);
  }
  return forms.map(([label, s]) => ({ label, secret: Buffer.from(s) }));
}

/** A mutated token and what was done to it. */
export interface Mutated {
  label: string;
  token: string;
}

const attacker = (() => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKey, jwk: publicKey.export({ format: "jwk" }) };
})();

function rs256(h: string, p: string, key: KeyObject): string {
  return createSign("RSA-SHA256").update(`${h}.${p}`).sign(key).toString("base64url");
}

function flipByte(s: string, at: number, bit: number): string {
  const b = Buffer.from(s, "base64url");
  if (b.length === 0) return "AA";
  b[at % b.length] = b[at % b.length]! ^ (1 << bit % 8);
  return b64u(b);
}

const CLAIM_VALUES: unknown[] = ["", "x", 0, -1, 1e300, 9_999_999_999, null, true, [], {}, ["api://AzureADTokenExchange", "x"], "system:serviceaccount:default:default", "https://sts.windows.net/x/", "../../etc/passwd", "\u0000", "é🙂", "a".repeat(5000)];

function payloadTamper(t: JwtParts): fc.Arbitrary<Mutated> {
  const claims = [...Object.keys(t.payload), "xms_mirid", "oid", "roles", "scp", "azp"];
  return fc
    .tuple(fc.constantFrom(...claims), fc.oneof(fc.constantFrom(...CLAIM_VALUES), fc.string(), fc.integer()), fc.boolean())
    .map(([claim, value, drop]) => {
      const payload: Record<string, unknown> = { ...t.payload };
      if (drop) delete payload[claim];
      else payload[claim] = value;
      return { label: `payload ${drop ? "without" : "with"} ${claim}, original signature`, token: `${t.h}.${json64(payload)}.${t.s}` };
    });
}

function signatureTamper(t: JwtParts, other: string): fc.Arbitrary<Mutated> {
  return fc.oneof(
    fc.tuple(fc.nat(), fc.nat(7)).map(([at, bit]) => ({ label: "one signature bit flipped", token: `${t.h}.${t.p}.${flipByte(t.s, at, bit)}` })),
    fc.nat(t.s.length).map((n) => ({ label: "signature truncated", token: `${t.h}.${t.p}.${t.s.slice(0, n)}` })),
    fc.constant({ label: "signature of another token", token: `${t.h}.${t.p}.${other.split(".")[2] ?? ""}` }),
    fc.uint8Array({ minLength: 0, maxLength: 512 }).map((b) => ({ label: "random signature", token: `${t.h}.${t.p}.${b64u(Buffer.from(b))}` })),
    fc.constant({ label: "header and payload of another token, this signature", token: `${other.split(".").slice(0, 2).join(".")}.${t.s}` }),
  );
}

function headerInjection(t: JwtParts): fc.Arbitrary<Mutated> {
  const kid = String(t.header.kid ?? "");
  const ownKid = "attacker-key";
  const injections: [string, Record<string, unknown>][] = [
    ["jku to an attacker", { jku: "https://attacker.example/keys" }],
    ["jku to the lab's own JWKS path", { jku: "https://localhost/common/discovery/v2.0/keys" }],
    ["x5u to an attacker", { x5u: "https://attacker.example/cert.pem" }],
    ["jwk of the attacker", { jwk: attacker.jwk, kid: ownKid }],
    ["jwk of the attacker, real kid", { jwk: attacker.jwk }],
    ["x5c junk", { x5c: ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"] }],
    ["crit unknown", { crit: ["wilab-unknown"], "wilab-unknown": true }],
    ["crit b64 false", { crit: ["b64"], b64: false }],
    ["crit exp", { crit: ["exp"] }],
    ["crit empty", { crit: [] }],
    ["kid ../../etc/passwd", { kid: "../../etc/passwd" }],
    ["kid path to real kid", { kid: `../../${kid}` }],
    ["kid real + /../", { kid: `${kid}/../${kid}` }],
    ["kid URL-encoded traversal", { kid: "..%2F..%2Fkeys" }],
    ["kid with NUL", { kid: `${kid}\u0000` }],
    ["kid upper case", { kid: kid.toUpperCase() }],
    ["kid null", { kid: null }],
    ["kid number", { kid: 1 }],
    ["kid array", { kid: [kid] }],
    ["kid long", { kid: "k".repeat(10_000) }],
    ["kid SQL", { kid: "' OR '1'='1" }],
    ["no kid", { kid: undefined }],
    ["typ JWE", { typ: "JWE" }],
    ["cty JWT (nested)", { cty: "JWT" }],
    ["zip DEF", { zip: "DEF" }],
    ["enc (JWE header)", { enc: "A256GCM", alg: "RSA-OAEP" }],
  ];
  return fc.tuple(fc.constantFrom(...injections), fc.constantFrom("keep signature", "re-signed by the attacker")).map(([[label, extra], how]) => {
    const header = { ...t.header, ...extra };
    const h = json64(header);
    const s = how === "keep signature" ? t.s : rs256(h, t.p, attacker.privateKey);
    return { label: `header: ${label}, ${how}`, token: `${h}.${t.p}.${s}` };
  });
}

function algConfusion(t: JwtParts, keyForms: { label: string; secret: Buffer }[]): fc.Arbitrary<Mutated> {
  const hmac = fc.tuple(fc.constantFrom("HS256", "HS384", "HS512", "hs256"), fc.constantFrom(...keyForms), fc.boolean()).map(([alg, form, keepKid]) => {
    const header: Record<string, unknown> = { ...t.header, alg };
    if (!keepKid) delete header.kid;
    const h = json64(header);
    const hash = alg.toUpperCase().replace("HS", "sha");
    const s = createHmac(hash, form.secret).update(`${h}.${t.p}`).digest("base64url");
    return { label: `alg ${alg} keyed with the public key as ${form.label}${keepKid ? "" : ", no kid"}`, token: `${h}.${t.p}.${s}` };
  });
  const none = fc.tuple(fc.constantFrom("none", "None", "NONE", "nOnE", "", null), fc.constantFrom("", t.s, "AA")).map(([alg, s]) => {
    const h = json64({ ...t.header, alg });
    return { label: `alg ${JSON.stringify(alg)} with ${s === "" ? "no" : s === t.s ? "the original" : "a junk"} signature`, token: `${h}.${t.p}.${s}` };
  });
  const other = fc.constantFrom("RS384", "RS512", "PS256", "ES256", "EdDSA").map((alg) => {
    const h = json64({ ...t.header, alg });
    return { label: `alg ${alg}, original signature`, token: `${h}.${t.p}.${t.s}` };
  });
  return fc.oneof(hmac, none, other);
}

const OUTSIDE = ["=", "==", "+", "/", " ", "\t", "\n", "%", "~", "*", "!", "é", "\u00a0", "\u0000", "\\", '"', "'", ",", ";"];

function encodingBreak(t: JwtParts): fc.Arbitrary<Mutated> {
  const tok = t.token;
  return fc.oneof(
    fc.tuple(fc.constantFrom(0, 1, 2), fc.constantFrom("=", "==", "===")).map(([seg, pad]) => {
      const parts = [t.h, t.p, t.s];
      parts[seg] = `${parts[seg]}${pad}`;
      return { label: `padding '${pad}' on segment ${seg}`, token: parts.join(".") };
    }),
    fc.constant({ label: "standard base64 alphabet (+ and /) with padding", token: [t.h, t.p, t.s].map((x) => Buffer.from(x, "base64url").toString("base64")).join(".") }),
    fc.tuple(fc.integer({ min: 1, max: Math.max(1, tok.length - 2) }), fc.constantFrom(...OUTSIDE)).map(([at, c]) => ({ label: `'${JSON.stringify(c)}' inserted at ${at}`, token: tok.slice(0, at) + c + tok.slice(at) })),
    fc.tuple(fc.integer({ min: 1, max: Math.max(1, tok.length - 2) }), fc.constantFrom(...OUTSIDE)).map(([at, c]) => ({ label: `char ${at} replaced by ${JSON.stringify(c)}`, token: tok.slice(0, at) + c + tok.slice(at + 1) })),
    fc.tuple(fc.nat(tok.length - 1), fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")).map(([at, c]) => ({ label: `char ${at} replaced by '${c}'`, token: tok.slice(0, at) + c + tok.slice(at + 1) })),
    fc.constantFrom(0, 1, 2).map((seg) => {
      const parts = [t.h, t.p, t.s];
      parts[seg] = parts[seg]!.replace(/[a-z]/g, (c) => c.toUpperCase());
      return { label: `segment ${seg} upper-cased`, token: parts.join(".") };
    }),
    fc.constant({ label: "percent-encoded once more", token: encodeURIComponent(tok).replace(/\./g, "%2E") }),
    fc.constant({ label: "header segment as plain JSON", token: `${JSON.stringify(t.header)}.${t.p}.${t.s}` }),
  );
}

function segmentTricks(t: JwtParts): fc.Arbitrary<Mutated> {
  return fc.constantFrom<Mutated>(
    { label: "two segments", token: `${t.h}.${t.p}` },
    { label: "empty signature", token: `${t.h}.${t.p}.` },
    { label: "trailing dot", token: `${t.token}.` },
    { label: "fourth segment", token: `${t.token}.${t.s}` },
    { label: "five segments (JWE-shaped)", token: `${t.h}.${t.p}.${t.s}.${t.p}.${t.s}` },
    { label: "empty header", token: `.${t.p}.${t.s}` },
    { label: "empty payload", token: `${t.h}..${t.s}` },
    { label: "header and payload swapped", token: `${t.p}.${t.h}.${t.s}` },
    { label: "token twice", token: `${t.token}${t.token}` },
    { label: "token twice with a dot", token: `${t.token}.${t.token}` },
    { label: "JWS JSON serialization", token: JSON.stringify({ protected: t.h, payload: t.p, signature: t.s }) },
    { label: "payload not JSON", token: `${t.h}.${b64u("not json")}.${t.s}` },
    { label: "payload a JSON array", token: `${t.h}.${b64u("[1,2]")}.${t.s}` },
    { label: "header not JSON", token: `${b64u("{alg")}.${t.p}.${t.s}` },
    { label: "header a JSON string", token: `${b64u('"RS256"')}.${t.p}.${t.s}` },
    { label: "three dots only", token: "..." },
  );
}

/**
 * Mutations of a real token. Every one is a different token from the original (leading and trailing whitespace aside,
 * which the token endpoint trims), so every one must be refused — unless `equivalent` says it is the same JWS.
 */
export function jwtMutations(base: string, o: { other: string; keyForms: { label: string; secret: Buffer }[] }): fc.Arbitrary<Mutated> {
  const t = partsOf(base);
  return fc.oneof(signatureTamper(t, o.other), payloadTamper(t), headerInjection(t), algConfusion(t, o.keyForms), encodingBreak(t), segmentTricks(t));
}

/**
 * Whether a mutation left the JWS as it was: the same signing input and the same signature bytes (a base64url
 * signature has spare low bits in its last character, which decoders ignore). Such a token is the original token.
 */
export function equivalent(original: string, mutated: string): boolean {
  const m = mutated.trim();
  if (m === original) return true;
  if (!COMPACT.test(m)) return false;
  const [oh, op, os] = original.split(".");
  const [mh, mp, ms] = m.split(".");
  return oh === mh && op === mp && ms!.length === os!.length && Buffer.from(ms!, "base64url").equals(Buffer.from(os!, "base64url"));
}

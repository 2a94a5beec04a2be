// Ceiling of scenario 1: RSA-2048 RS256 signatures per second with node:crypto (synchronous crypto.sign) on
// one core. bench/run.mjs runs one of these per core at the same time and adds the rates.
// Usage: node rsa-sign.mjs <seconds>   → prints {"signs":N,"seconds":S,"rate":R}
import { generateKeyPairSync, sign } from "node:crypto";

const seconds = Number(process.argv[2] ?? 3);
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
// A signing input the size of a wilab access token's header and claims (~1 KB).
const input = Buffer.from(`${"h".repeat(160)}.${"p".repeat(900)}`);
for (let i = 0; i < 50; i++) sign("sha256", input, privateKey); // warm-up
let n = 0;
const t0 = process.hrtime.bigint();
const end = t0 + BigInt(Math.round(seconds * 1e9));
let now = t0;
while (now < end) {
  for (let i = 0; i < 20; i++) sign("sha256", input, privateKey);
  n += 20;
  now = process.hrtime.bigint();
}
const s = Number(now - t0) / 1e9;
process.stdout.write(`${JSON.stringify({ signs: n, seconds: s, rate: n / s })}\n`);

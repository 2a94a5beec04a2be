// A signing worker: holds private keys (sent once each, as PKCS#8 PEM) and answers each job
// `{ id, kid, input }` of a batch with the RS256 (RSASSA-PKCS1-v1_5 / SHA-256) signature of `input`, base64url.
import { parentPort } from "node:worker_threads";
import { createPrivateKey, sign, type KeyObject } from "node:crypto";
import type { ToWorker, FromWorker } from "./protocol.js";

const port = parentPort;
if (!port) throw new Error("the signing worker must run in a worker thread");
const keys = new Map<string, KeyObject>();

port.on("message", (m: ToWorker) => {
  if (m.t === "key") {
    keys.set(m.kid, createPrivateKey(m.pem));
    return;
  }
  // Each signature is answered as soon as it is made: a batch never delays its first job.
  for (const job of m.jobs) {
    let out: FromWorker;
    try {
      const key = keys.get(job.kid);
      if (!key) throw new Error(`the signing worker has no key ${job.kid}`);
      out = { t: "sig", id: job.id, sig: sign("sha256", Buffer.from(job.input, "latin1"), key).toString("base64url") };
    } catch (err) {
      out = { t: "err", id: job.id, message: (err as Error).message };
    }
    port.postMessage(out);
  }
});
port.postMessage({ t: "ready" } satisfies FromWorker);

/**
 * The one request hook every face installs to honour latency and throttle faults, and the lab-log wiring for
 * faults (added, cleared, and each request a fault affected). Each face renders the throttle in its own
 * envelope: it passes a factory for its own 429 error, which its error handler renders like any other.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { setTimeout as sleep } from "node:timers/promises";
import { FaceError } from "./errors.js";
import { pathOf } from "./http.js";
import { describeFault, type Fault, type FaultFace, type FaultHit, type Faults } from "./faults.js";
import type { LabLog } from "./labLog.js";

/** The face's own 429: Entra's AADSTS error, Key Vault's `Throttled`, ARM's `…RequestsThrottled`. */
export type ThrottleErrorFactory = (retryAfterS: number, req: FastifyRequest) => FaceError;

/**
 * Installs the fault hook on a face's (encapsulated) Fastify instance. Install it before the face's own
 * `onRequest` hooks: a throttled request is refused before authentication, as at Azure's front door.
 * `applies` limits the faults to some requests (Entra throttles its token endpoint, not its metadata).
 */
export function installFaultHooks(
  app: FastifyInstance,
  face: FaultFace,
  d: { faults: Faults },
  throttled: ThrottleErrorFactory,
  applies: (req: FastifyRequest) => boolean = () => true,
): void {
  const hits = new WeakMap<FastifyRequest, FaultHit>();
  // Callback-style hooks: with no fault in force a request pays one array-length check, not a promise per hook.
  app.addHook("onRequest", (req, _reply, done) => {
    if (!applies(req)) return done();
    const hit = d.faults.take(face);
    if (!hit.latency && !hit.throttle) return done();
    hits.set(req, hit);
    void (async () => {
      if (hit.latency) await sleep(hit.latency.ms);
      const t = hit.throttle;
      if (!t) return done();
      const s = t.retryAfterS ?? 1;
      done(
        throttled(s, req)
          .withHeader("retry-after", String(s))
          .withHint(`wilab fault ${t.id} (${describeFault(t)}) is in force${t.remaining !== undefined ? ` for ${t.remaining} more request(s)` : ""}: clear it with 'wilab fault clear ${t.id}'`),
      );
    })().catch((err: unknown) => done(err instanceof Error ? err : new Error(String(err))));
  });
  // onSend, not onResponse: the line is written before the client has its answer.
  app.addHook("onSend", (req, reply, payload, done) => {
    const hit = hits.get(req);
    if (!hit) return done(null, payload);
    hits.delete(req);
    const op = `${req.method} ${pathOf(req)}`;
    for (const fault of [hit.throttle, hit.latency]) {
      if (fault) d.faults.affected({ fault, face, op, status: reply.statusCode, detail: fault.kind === "latency" ? `delayed ${fault.ms} ms` : undefined });
    }
    done(null, payload);
  });
}

function faultFields(f: Fault): Record<string, string | number> {
  const out: Record<string, string | number> = { fault: f.id, kind: f.kind };
  if ("face" in f) out.target = f.face;
  if (f.kind === "issuer-unreachable") {
    out.issuer = f.issuerPrefix;
    if (f.cluster) out.cluster = f.cluster;
  }
  if (f.remaining !== undefined) out.remaining = f.remaining;
  return out;
}

/** Prints one lab-log line per fault added or cleared (face `lab`) and per request a fault affected (fields `fault=<id>`). */
export function logFaultChanges(faults: Faults, log: LabLog): () => void {
  return faults.onChange((c) => {
    if (c.added) log.log({ level: "warn", face: "lab", op: "fault add", fields: faultFields(c.added), message: describeFault(c.added) });
    for (const f of c.cleared ?? []) {
      log.log({ level: "warn", face: "lab", op: "fault clear", fields: faultFields(f), message: `${describeFault(f)}${c.exhausted ? " (its count is used up)" : ""}` });
    }
    const a = c.affected;
    if (a) {
      log.log({
        level: a.fault.kind === "latency" ? "info" : "warn",
        face: a.face,
        op: a.op,
        status: a.status,
        fields: faultFields(a.fault),
        message: a.detail ?? describeFault(a.fault),
      });
    }
  });
}

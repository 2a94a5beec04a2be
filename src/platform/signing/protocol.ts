/** Messages between the signing pool and its workers. Jobs go out in batches (one message per event-loop turn). */
export type ToWorker = { t: "key"; kid: string; pem: string } | { t: "jobs"; jobs: { id: number; kid: string; input: string }[] };
export type FromWorker = { t: "ready" } | { t: "sig"; id: number; sig: string } | { t: "err"; id: number; message: string };

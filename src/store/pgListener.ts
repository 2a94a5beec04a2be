import { EventEmitter } from "node:events";
import pg from "pg";

/** The one PostgreSQL channel the lab notifies on; payloads are `{"t": topic, "p": payload}`. */
export const NOTIFY_CHANNEL = "wilab";
/** A lost listening connection is opened again after this pause. */
const RECONNECT_MS = 500;

/**
 * The receiving end of `Tx.notify` on PostgreSQL: one connection of its own (outside the pool) that LISTENs on the
 * lab's channel and hands each notification to the subscribers of its topic. Notifications sent while it was not
 * listening are lost, so every time LISTEN takes effect — the first time and after a reconnection — each subscriber
 * gets `"*"`: drop whatever you cached.
 */
export class PgListener {
  private readonly bus = new EventEmitter().setMaxListeners(0);
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly url: string) {}

  subscribe(topic: string, fn: (payload: string) => void): () => void {
    this.bus.on(topic, fn);
    if (!this.client && !this.timer) this.connect();
    return () => this.bus.off(topic, fn);
  }

  private connect(): void {
    this.timer = undefined;
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url });
    this.client = client;
    let lost = false;
    const reconnect = () => {
      if (lost) return;
      lost = true;
      this.client = undefined;
      void client.end().catch(() => undefined);
      if (!this.closed) this.timer = setTimeout(() => this.connect(), RECONNECT_MS).unref();
    };
    client.on("error", reconnect);
    client.on("end", reconnect);
    client.on("notification", (m) => {
      if (m.channel !== NOTIFY_CHANNEL || !m.payload) return;
      const { t, p } = JSON.parse(m.payload) as { t: string; p: string };
      this.bus.emit(t, p);
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${NOTIFY_CHANNEL}`))
      .then(() => {
        for (const topic of this.bus.eventNames()) this.bus.emit(topic, "*");
      })
      .catch(reconnect);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}

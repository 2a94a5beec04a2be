// Whether a port can be taken: tests that need a fixed port (443) skip, with the reason printed, when it cannot.
import { createServer } from "node:net";

/** Why `port` on `host` cannot be listened on right now (in use by another process, or not permitted), or undefined when it can. */
export function portUnavailable(port: number, host = "127.0.0.1"): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", (err: NodeJS.ErrnoException) => {
      resolve(err.code === "EADDRINUSE" ? `port ${port} is in use by another process (e.g. a lab started with 'wilab up --transparent')` : `port ${port} cannot be listened on (${err.code ?? err.message})`);
    });
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(undefined)));
  });
}

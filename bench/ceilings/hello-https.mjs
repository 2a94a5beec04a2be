// Ceiling of scenarios 3 and 4: a node:https hello-world with the lab's TLS setup (the same CA, the same
// P-256 leaf and SNI callback, from LabCa.serverOptions), keep-alive, answering {"hello":"world"}. It reads
// any request body before answering, as a real handler must. Prints "ready <port>".
import { createServer } from "node:https";
import { LabCa } from "../../dist/src/platform/tls.js";

const ca = await LabCa.loadOrCreate(process.env.BENCH_CA_DIR);
const options = await ca.serverOptions(["localhost", "127.0.0.1", "::1"]);
const body = JSON.stringify({ hello: "world" });
const server = createServer(options, (req, res) => {
  req.on("data", () => undefined);
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(Number(process.env.BENCH_PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`ready ${server.address().port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));

// `wilab up --listen ADDRESS --hostname NAME` (issue 14): the lab on an address of its own, its default certificate
// covering that address and the names given, still reachable on 127.0.0.1 for its own CLI and pods, and nothing
// secret to a caller that does not authenticate.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:tls";
import { request } from "node:https";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ResourceManagementClient } from "@azure/arm-resources";
import { startLab, type Lab } from "../../src/index.js";
import { adminCredential, armClientOptions } from "../helpers/lab.js";

const ADDRESS = "127.0.0.2"; // a loopback address of its own: other than 127.0.0.1, as a machine address would be
let lab: Lab;
let home: string;

before(async () => {
  const caDir = process.env.WILAB_TEST_CA_DIR;
  if (!caDir) throw new Error("WILAB_TEST_CA_DIR is not set: run the tests with scripts/run-tests.mjs");
  home = mkdtempSync(join(tmpdir(), "wilab-listen-"));
  lab = await startLab({ memory: true, port: 0, caDir, dataDir: home, recordEndpoints: true, listen: ADDRESS, hostnames: ["lab.example.test", "10.20.30.40"] });
});

after(async () => {
  await lab?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** The certificate the lab presents at an address to a client sending no server name (as for an IP address). */
function defaultCertificate(host: string): Promise<{ subjectaltname?: string; authorized: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: lab.port, ca: lab.caCert, rejectUnauthorized: false }, () => {
      const c = socket.getPeerCertificate();
      socket.end();
      resolve({ subjectaltname: c.subjectaltname, authorized: socket.authorized });
    });
    socket.once("error", reject);
  });
}

/** An unauthenticated request at the lab's address, with the host name a remote client would send. */
function probe(method: string, path: string, host = "lab.example.test"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ADDRESS, port: lab.port, method, path, servername: host, headers: { host: `${host}:${lab.port}` }, ca: lab.caCert }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once("error", reject);
    req.end(method === "POST" ? "{}" : undefined);
  });
}

test("the default certificate covers the listen address and every --hostname; the ready information says so", async () => {
  assert.equal(lab.listen, ADDRESS);
  for (const n of ["localhost", "127.0.0.1", ADDRESS, "lab.example.test", "10.20.30.40"]) assert.ok(lab.certificateNames.includes(n), n);
  const cert = await defaultCertificate(ADDRESS);
  assert.ok(cert.authorized, "the lab CA verifies it");
  for (const san of [`IP Address:${ADDRESS}`, "DNS:lab.example.test", "IP Address:10.20.30.40", "DNS:localhost"]) assert.ok(cert.subjectaltname?.includes(san), `${san} in ${cert.subjectaltname}`);
});

test("a lab on an address of its own still answers on 127.0.0.1 (its URLs, CLI and pods): the SDK works there", async () => {
  const rg = await new ResourceManagementClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab)).resourceGroups.createOrUpdate("rg-listen", { location: "westeurope" });
  assert.equal(rg.name, "rg-listen");
});

test("nothing secret to an unauthenticated caller at the lab's address: /_wilab and the portal's data need a token", async () => {
  const secrets = [lab.admin.clientSecret, lab.admin.password, (await lab.ctx.ca.keyPem()).split("\n")[1]!, "PRIVATE KEY"];
  const guarded = ["/_wilab/status", "/_wilab/clock", "/_wilab/faults", "/_wilab/auditEvents", "/_wilab/doctor", "/_wilab/images", "/_wilab/oidc-issuers", "/portal/api/overview", "/portal/api/identities", "/portal/api/signins", "/portal/api/clusters", "/portal/api/me", "/portal/api/workloads"];
  for (const path of guarded) {
    const r = await probe("GET", path);
    assert.ok([401, 403].includes(r.status), `${path}: ${r.status} ${r.body.slice(0, 200)}`);
    for (const s of secrets) assert.ok(!r.body.includes(s), `${path} leaks a secret`);
  }
  for (const [method, path] of [["POST", "/_wilab/clock"], ["POST", "/_wilab/faults"], ["DELETE", "/_wilab/faults"]] as const) {
    const r = await probe(method, path);
    assert.ok([401, 403].includes(r.status), `${method} ${path}: ${r.status}`);
  }
  // What is public (discovery, the portal's page, the lab's files that are not routes) holds no secret either.
  const open = ["/", "/portal", "/endpoints.json", "/ca.key", "/lab.db", `/${lab.tenantId}/v2.0/.well-known/openid-configuration`, "/metadata/endpoints?api-version=2022-09-01", "/common/discovery/instance"];
  for (const path of open) {
    const r = await probe("GET", path);
    for (const s of secrets) assert.ok(!r.body.includes(s), `${path} (${r.status}) leaks a secret`);
  }
  assert.equal((await probe("GET", "/endpoints.json")).status, 404);
});

test("wilab up --listen --hostname: the ready line names the address and the certificate's names", async () => {
  const bin = join(import.meta.dirname, "../../../bin/wilab");
  const dir = mkdtempSync(join(tmpdir(), "wilab-listen-up-"));
  const proc = spawn(process.execPath, [bin, "up", "--memory", "--port", "0", "--data-dir", dir, "--listen", "127.0.0.3", "--hostname", "lab.example.test", "--hostname", "lab2.example.test"], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      proc.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      proc.stderr.on("data", (c: Buffer) => (out += c.toString()));
      proc.once("exit", (code) => reject(new Error(`wilab up exited with ${code}: ${out}`)));
    });
    assert.match(line, /^wilab ready on https:\/\/localhost:\d+ /);
    assert.ok(line.includes(" — listening on 127.0.0.3, certificate for localhost, 127.0.0.1, ::1, 127.0.0.3, lab.example.test, lab2.example.test (and any name a client sends by SNI) — "), line);
  } finally {
    proc.kill("SIGTERM");
    await new Promise((r) => proc.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
});

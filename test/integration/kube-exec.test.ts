// Issue 13: debugging pods as on a real cluster. Real kubectl 1.27 (SPDY/3.1) and 1.33 (WebSocket v5, and the
// SPDY-over-WebSocket tunnel for port-forward) exec into the article's sample pod (mutated by the lab's webhook),
// copy files both ways, forward a port, and get kube-apiserver's own errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket } from "ws";
import { startTestLab } from "../helpers/lab.js";
import { api, kubectl, makeCluster, obj, POD_MANIFEST, SA_MANIFEST, type Run, type TestCluster } from "../helpers/kube.js";
import { initialObjects } from "../../src/kube/clusterObjects.js";
import { setImageMapping } from "../../src/kube/kubelet/index.js";
import type { KubeObject } from "../../src/kube/index.js";
import type { Lab } from "../../src/index.js";
import type { LogEntry } from "../../src/platform/index.js";

const CLIENT_ID = "5c1d38a2-0e8a-4c65-9b64-7a3d2b0f8e11";
const POD = "sample-quick-start";
const TOKEN_FILE = "/var/run/secrets/azure/tokens/azure-identity-token";
const SERVER_IMAGE = "registry.example.test/wilab/echo-server:v1";
const VERSIONS = [
  { bin: "/usr/lib/google-cloud-sdk/bin/kubectl.1.27", transport: "SPDY/3.1" },
  { bin: "/usr/lib/google-cloud-sdk/bin/kubectl.1.33", transport: "WebSocket" },
];

let lab: Lab;
let c: TestCluster;
let dir: string;
let serverPort: number;
const logged: (LogEntry & { time: string })[] = [];

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function running(name: string): Promise<void> {
  await until(`pod ${name} Running`, async () => {
    const r = await api(c, "GET", `/api/v1/namespaces/default/pods/${name}`);
    return (r.body.status as { phase?: string } | undefined)?.phase === "Running";
  });
}

/** A free local port (the echo server in the pod listens on it). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "wilab-exec-"));
  lab = await startTestLab();
  lab.ctx.labLog.subscribe((e) => logged.push(e));
  c = await makeCluster(lab, { name: "arc-exec", workloadIdentity: true });
  const mwc = initialObjects({ workloadIdentity: true, caPem: lab.caCert, tenantId: lab.tenantId }).find((o) => o.resource === "mutatingwebhookconfigurations")!;
  await lab.kube.storage.write((tx) => tx.create(c.record.clusterId, "mutatingwebhookconfigurations", mwc.object as KubeObject, "admissionregistration.k8s.io"));
  for (const m of [SA_MANIFEST(CLIENT_ID), POD_MANIFEST()]) {
    const r = await kubectl(c, ["apply", "-f", "-"], { input: m });
    assert.equal(r.code, 0, r.stderr);
  }
  // A pod that serves HTTP on a port (port-forward), with two containers (the "which container" error).
  serverPort = await freePort();
  const app = join(dir, "server.mjs");
  // The test image: an HTTP server on $PORT, or (MODE=repl) a loop that answers each stdin line until "quit".
  writeFileSync(
    app,
    [
      `import { createServer } from "node:http";`,
      `import { createInterface } from "node:readline";`,
      `if (process.env.MODE === "repl") {`,
      `  const tick = setInterval(() => undefined, 1000);`,
      `  createInterface({ input: process.stdin }).on("line", (l) => {`,
      `    if (l === "quit") { console.log("bye"); clearInterval(tick); process.exit(0); }`,
      `    console.log("got: " + l);`,
      `  });`,
      `} else createServer((q, s) => s.end("hello from the pod " + process.env.POD_GREETING)).listen(Number(process.env.PORT), "127.0.0.1");`,
      "",
    ].join("\n"),
  );
  await setImageMapping(lab.kube, SERVER_IMAGE, [process.execPath, app]);
  const container = (name: string, port: number) => ({ name, image: SERVER_IMAGE, env: [{ name: "PORT", value: String(port) }, { name: "POD_GREETING", value: name }] });
  const server = obj("v1", "Pod", { name: "server", namespace: "default" }, { spec: { containers: [container("web", serverPort), container("sidecar", await freePort())] } });
  const r = await kubectl(c, ["apply", "-f", "-"], { input: JSON.stringify(server) });
  assert.equal(r.code, 0, r.stderr);
  // A pod whose image nothing maps: its container waits (ErrImagePull), it never runs.
  const waiting = obj("v1", "Pod", { name: "waiting", namespace: "default" }, { spec: { containers: [{ name: "app", image: "registry.example.test/unmapped/app:v1" }] } });
  assert.equal((await kubectl(c, ["apply", "-f", "-"], { input: JSON.stringify(waiting) })).code, 0);
  await running(POD);
  await running("server");
});

after(async () => {
  await lab?.stop();
  c?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

for (const { bin, transport } of VERSIONS) {
  const k = (args: string[], input?: string) => kubectl(c, args, { bin, input });

  test(`${bin} (${transport}): exec env shows the webhook's AZURE_* variables; cat prints the projected token`, async () => {
    const env = await k(["exec", POD, "--", "env"]);
    assert.equal(env.code, 0, env.stderr);
    const vars = Object.fromEntries(env.stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    assert.equal(vars.AZURE_CLIENT_ID, CLIENT_ID);
    assert.equal(vars.AZURE_TENANT_ID, lab.tenantId);
    assert.equal(vars.AZURE_FEDERATED_TOKEN_FILE, TOKEN_FILE);
    assert.equal(vars.AZURE_AUTHORITY_HOST, `${lab.authorityHost}/`);
    const token = await k(["exec", POD, "--", "cat", TOKEN_FILE]);
    assert.equal(token.code, 0, token.stderr);
    const claims = JSON.parse(Buffer.from(token.stdout.split(".")[1]!, "base64url").toString()) as { sub: string; aud: string[] };
    assert.equal(claims.sub, "system:serviceaccount:default:workload-identity-sa");
    assert.deepEqual(claims.aud, ["api://AzureADTokenExchange"]);
  });

  test(`${bin} (${transport}): exit codes propagate; stdout and stderr stay apart; stdin reaches the command`, async () => {
    const three = await k(["exec", POD, "--", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert.equal(three.code, 3, three.stderr);
    assert.equal(three.stdout, "out\n");
    assert.match(three.stderr, /^err\ncommand terminated with exit code 3\n$/);
    const piped = await k(["exec", "-i", POD, "--", "sh", "-c", "tr a-z A-Z; echo done"], "hello from stdin\n");
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, "HELLO FROM STDIN\ndone\n");
  });

  test(`${bin} (${transport}): an interactive shell through a pseudo-terminal runs commands, starts at the terminal's size and follows its resize`, async () => {
    const r = await interactive(bin, ["exec", "-it", POD, "--", "sh"]);
    assert.equal(r.code, 7, r.stdout);
    assert.match(r.stdout, /calc-42/);
    assert.match(r.stdout, /\r\n33 111\r\n/);
    assert.match(r.stdout, /\r\n50 132\r\n/);
  });

  test(`${bin} (${transport}): kubectl cp copies a large binary file in and out, byte for byte`, async () => {
    const payload = Buffer.alloc(3 * 1024 * 1024 + 7, 0);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 131 + (i >> 11)) & 0xff;
    const src = join(dir, `big-${bin.slice(-4)}.bin`);
    writeFileSync(src, payload);
    const target = `/tmp/wilab-exec-big-${bin.slice(-4)}-${process.pid}.bin`;
    const cpIn = await k(["cp", src, `default/${POD}:${target}`]);
    assert.equal(cpIn.code, 0, cpIn.stderr);
    const back = join(dir, `big-back-${bin.slice(-4)}.bin`);
    const cpOut = await k(["cp", `default/${POD}:${target}`, back]);
    assert.equal(cpOut.code, 0, cpOut.stderr);
    assert.ok(readFileSync(back).equals(payload), "the file came back unchanged");
    await k(["exec", POD, "--", "rm", "-f", target]);
  });

  test(`${bin} (${transport}): kubectl cp copies a file into the pod and back out`, async () => {
    const src = join(dir, `in-${bin.slice(-4)}.txt`);
    writeFileSync(src, `payload for ${bin}\n`);
    const target = `/tmp/wilab-exec-${bin.slice(-4)}-${process.pid}.txt`;
    const cpIn = await k(["cp", src, `default/${POD}:${target}`]);
    assert.equal(cpIn.code, 0, cpIn.stderr);
    const cat = await k(["exec", POD, "--", "cat", target]);
    assert.equal(cat.stdout, `payload for ${bin}\n`, cat.stderr);
    const back = join(dir, `out-${bin.slice(-4)}.txt`);
    const cpOut = await k(["cp", `default/${POD}:${target}`, back]);
    assert.equal(cpOut.code, 0, cpOut.stderr);
    assert.equal(readFileSync(back, "utf8"), `payload for ${bin}\n`);
    await k(["exec", POD, "--", "rm", "-f", target]);
  });

  test(`${bin} (${transport}): port-forward reaches the server the pod runs`, async () => {
    const local = await freePort();
    const pf = spawn(bin, ["port-forward", "pod/server", `${local}:${serverPort}`], { env: { PATH: process.env.PATH ?? "", HOME: c.home, KUBECONFIG: c.kubeconfig } });
    let out = "";
    pf.stdout.on("data", (d: Buffer) => (out += d.toString()));
    pf.stderr.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await until("port-forward to listen", async () => out.includes("Forwarding from"));
      for (let i = 0; i < 2; i++) assert.equal(await get(local), "hello from the pod web");
    } finally {
      pf.kill("SIGINT");
    }
  });

  test(`${bin} (${transport}): port-forward to a port nothing listens on: the kubelet's error reaches kubectl`, async () => {
    const local = await freePort();
    const closed = await freePort();
    const pf = spawn(bin, ["port-forward", "pod/server", `${local}:${closed}`], { env: { PATH: process.env.PATH ?? "", HOME: c.home, KUBECONFIG: c.kubeconfig } });
    let out = "";
    pf.stdout.on("data", (d: Buffer) => (out += d.toString()));
    pf.stderr.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await until("port-forward to listen", async () => out.includes("Forwarding from"));
      await get(local).catch(() => undefined);
      const uid = ((await api(c, "GET", "/api/v1/namespaces/default/pods/server")).body.metadata as { uid: string }).uid;
      // kubectl 1.33 logs it as a structured klog line (quotes escaped), then ends: "lost connection to pod".
      await until("the forwarding error", async () => out.replace(/\\"/g, '"').includes(`an error occurred forwarding ${local} -> ${closed}: error forwarding port ${closed} to pod ${uid}, uid : failed to connect to localhost:${closed} inside namespace "${uid}", IPv4: dial tcp4 127.0.0.1:${closed}: connect: connection refused`));
    } finally {
      pf.kill("SIGINT");
    }
  });

  test(`${bin} (${transport}): kube-apiserver's errors: pod not found, unknown container, container not running; several containers: kubectl picks the first`, async () => {
    const missing = await k(["exec", "nope", "--", "true"]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'Error from server (NotFound): pods "nope" not found\n');
    const unknown = await k(["exec", POD, "-c", "nope", "--", "true"]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, "Error from server (BadRequest): container nope is not valid for pod sample-quick-start\n");
    // The kubelet's answer for a container that does not run: its text over SPDY, an InternalError over WebSocket.
    const waiting = await k(["exec", "waiting", "--", "true"]);
    assert.equal(waiting.code, 1);
    const kubelet = 'unable to upgrade connection: container not found ("app")';
    assert.equal(waiting.stderr, transport === "SPDY/3.1" ? `error: ${kubelet}\n` : `error: Internal error occurred: ${kubelet}\n`);
    const several = await k(["exec", "server", "--", "sh", "-c", "echo $POD_GREETING"]);
    assert.equal(several.code, 0, several.stderr);
    assert.equal(several.stdout, "web\n");
    assert.match(several.stderr, /Defaulted container "web" out of: web, sidecar/);
    const sidecar = await k(["exec", "server", "-c", "sidecar", "--", "sh", "-c", "echo $POD_GREETING"]);
    assert.equal(sidecar.stdout, "sidecar\n", sidecar.stderr);
  });

  test(`${bin} (${transport}): kubectl attach -i follows the container's output and feeds its stdin`, async () => {
    const name = `attach-${bin.slice(-4).replace(".", "")}`;
    const pod = obj("v1", "Pod", { name, namespace: "default" }, { spec: { restartPolicy: "Never", containers: [{ name: "app", image: SERVER_IMAGE, stdin: true, env: [{ name: "MODE", value: "repl" }] }] } });
    assert.equal((await kubectl(c, ["apply", "-f", "-"], { input: JSON.stringify(pod) })).code, 0);
    await running(name);
    const r = await k(["attach", "-i", name], "hello\nquit\n");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^got: hello\nbye\n$/m);
    assert.ok(logged.some((l) => l.op === "create pods/attach" && l.status === 101 && l.fields?.pod === name && l.message === "attach to container app"));
  });
}

test("port forwarding over the kubelet's own WebSocket protocol (v4.channel.k8s.io, ?ports=): the port first on each channel, then the data", async () => {
  const url = `${c.server.replace("https:", "wss:")}/api/v1/namespaces/default/pods/server/portforward`;
  const headers = { authorization: `Bearer ${c.record.adminToken}` };
  const ws = new WebSocket(`${url}?ports=${serverPort}`, ["v4.channel.k8s.io"], { headers, ca: lab.caCert });
  const messages: Buffer[] = [];
  ws.on("message", (d: Buffer) => messages.push(d));
  await new Promise((r) => ws.once("open", r));
  assert.equal(ws.protocol, "v4.channel.k8s.io");
  ws.send(Buffer.concat([Buffer.from([0]), Buffer.from("GET / HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n")]));
  await new Promise((r) => ws.once("close", r));
  const port = Buffer.alloc(2);
  port.writeUInt16LE(serverPort);
  assert.deepEqual(messages.slice(0, 2), [Buffer.concat([Buffer.from([0]), port]), Buffer.concat([Buffer.from([1]), port])]);
  const data = Buffer.concat(messages.slice(2).filter((m) => m[0] === 0).map((m) => m.subarray(1))).toString();
  assert.match(data, /^HTTP\/1.1 200 OK\r\n/);
  assert.match(data, /hello from the pod web$/);
  // Without ports, the kubelet's 400.
  const refused = new WebSocket(url, ["v4.channel.k8s.io"], { headers, ca: lab.caCert });
  const res = await new Promise<{ status: number; text: string }>((resolve) =>
    refused.once("unexpected-response", (_req, r) => {
      let text = "";
      r.on("data", (d: Buffer) => (text += d.toString()));
      r.on("end", () => resolve({ status: r.statusCode ?? 0, text }));
    }),
  );
  assert.deepEqual(res, { status: 400, text: 'query parameter "ports" is required' });
  assert.ok(logged.some((l) => l.op === "create pods/portforward" && l.status === 101 && l.fields?.ports === String(serverPort) && l.fields?.protocol === "v4.channel.k8s.io"));
});

test("exec runs as the pod's runAsUser (the container's runAsGroup over the pod's), in the container's working directory", { skip: process.getuid?.() !== 0 && "switching users needs a lab running as root" }, async () => {
  const pod = obj("v1", "Pod", { name: "as-user", namespace: "default" }, {
    spec: {
      securityContext: { runAsUser: 1000, runAsGroup: 2000 },
      containers: [{ name: "app", image: SERVER_IMAGE, workingDir: "/tmp", securityContext: { runAsGroup: 3000 }, env: [{ name: "MODE", value: "repl" }] }],
    },
  });
  const applied = await kubectl(c, ["apply", "-f", "-"], { input: JSON.stringify(pod) });
  assert.equal(applied.code, 0, applied.stderr);
  await running("as-user");
  const r = await kubectl(c, ["exec", "as-user", "--", "sh", "-c", "id -u; id -g; pwd"]);
  assert.equal(r.stdout, "1000\n3000\n/tmp\n", r.stderr);
});

test("the server's answers to requests kubectl does not make: no container with several, no upgrade, no stream, an old stream protocol, a service account without RBAC", async () => {
  const several = await api(c, "POST", "/api/v1/namespaces/default/pods/server/exec?command=true&stdout=true");
  assert.equal(several.status, 400);
  assert.equal(several.body.message, "a container name must be specified for pod server, choose one of: [web sidecar]");
  const plain = await api(c, "POST", `/api/v1/namespaces/default/pods/${POD}/exec?command=true&stdout=true`);
  assert.equal(plain.status, 400);
  assert.equal(plain.body.message, "Upgrade request required");
  const put = await api(c, "PUT", `/api/v1/namespaces/default/pods/${POD}/exec?command=true`);
  assert.equal(put.status, 405);
  // The kubelet's refusals pass through as its text: no stream asked for; a stream protocol it does not speak.
  const noStreams = await upgradeRequest(c.record.adminToken, `/api/v1/namespaces/default/pods/${POD}/exec?command=true`, SPDY_UPGRADE);
  assert.deepEqual([noStreams.status, noStreams.text], [400, "you must specify at least 1 of stdin, stdout, stderr"]);
  const v1 = await upgradeRequest(c.record.adminToken, `/api/v1/namespaces/default/pods/${POD}/exec?command=true&stdout=true`, { ...SPDY_UPGRADE, "x-stream-protocol-version": "channel.k8s.io" });
  assert.deepEqual([v1.status, v1.text], [403, "unable to upgrade: unable to negotiate protocol: client supports [channel.k8s.io], server supports [v4.channel.k8s.io]"]);
  // A pod's own service-account token: authenticated, but no RBAC grants it create on pods/exec.
  const token = (await kubectl(c, ["exec", POD, "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/token"])).stdout;
  assert.ok(token.startsWith("eyJ"), "the pod's service-account token");
  for (const sub of ["exec", "attach", "portforward"]) {
    const denied = await upgradeRequest(token, `/api/v1/namespaces/default/pods/${POD}/${sub}?command=true&stdout=true`);
    assert.equal(denied.status, 403, JSON.stringify(denied.body));
    assert.equal(denied.body.message, `pods "${POD}" is forbidden: User "system:serviceaccount:default:workload-identity-sa" cannot create resource "pods/${sub}" in API group "" in the namespace "default"`);
  }
});

test("each exec is a lab-log line: who, which pod and container, the command, the transport, then its exit code; the kubelet's refusals are warnings", async () => {
  const from = logged.length;
  for (const { bin } of VERSIONS) await kubectl(c, ["exec", POD, "--", "sh", "-c", "exit 4"], { bin });
  await kubectl(c, ["exec", "waiting", "--", "true"]);
  const lines = logged.slice(from).filter((l) => l.face === "kube" && l.op === "create pods/exec");
  const started = lines.filter((l) => l.message === `exec ["sh","-c","exit 4"] in container oidc`);
  assert.deepEqual(started.map((l) => [l.level, l.status, l.caller?.upn, l.fields?.pod, l.fields?.container, l.fields?.transport, l.fields?.protocol]), [
    ["info", 101, "system:admin", POD, "oidc", "spdy", "v4.channel.k8s.io"],
    ["info", 101, "system:admin", POD, "oidc", "websocket", "v5.channel.k8s.io"],
  ]);
  assert.equal(lines.filter((l) => l.message === `exec ["sh","-c","exit 4"] in container oidc exited 4` && l.fields?.exitCode === 4).length, 2);
  const refused = lines.filter((l) => l.level === "warn" && l.fields?.pod === "waiting");
  assert.ok(refused.length >= 1 && refused.every((l) => l.status === 500 && l.message === 'kubelet: container not found ("app")'), JSON.stringify(refused));
});

const WEBSOCKET_UPGRADE = { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-protocol": "v5.channel.k8s.io" };
const SPDY_UPGRADE = { connection: "Upgrade", upgrade: "SPDY/3.1", "x-stream-protocol-version": "v4.channel.k8s.io" };

/** An upgrade request (WebSocket as kubectl >= 1.30 sends it, or SPDY) with a bearer token; the answer when it is refused. */
function upgradeRequest(token: string, path: string, upgrade: Record<string, string> = WEBSOCKET_UPGRADE): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${c.server}${path}`, { method: upgrade === SPDY_UPGRADE ? "POST" : "GET", headers: { authorization: `Bearer ${token}`, ...upgrade }, agent: false });
    req.on("upgrade", (_res, socket) => {
      socket.destroy();
      reject(new Error("upgraded"));
    });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : {}, text }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** GET http://127.0.0.1:<port>/ through the forwarded port. */
function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * Runs kubectl on a pseudo-terminal (util-linux `script`) of 33 rows and 111 columns and types into the shell: a
 * sum, the terminal size; then resizes kubectl's terminal to 50x132 (stty -F, which signals SIGWINCH to kubectl)
 * and asks the size until the shell sees it; then exits with 7.
 */
function interactive(bin: string, args: string[]): Promise<Run> {
  const cmd = `stty rows 33 cols 111; exec ${bin} ${args.join(" ")}`;
  return new Promise((resolve) => {
    const p = spawn("script", ["-qfec", cmd, "/dev/null"], { env: { PATH: process.env.PATH ?? "", HOME: c.home, KUBECONFIG: c.kubeconfig, SHELL: "/bin/sh", TERM: "xterm" } });
    let stdout = "";
    let stderr = "";
    let step = 0;
    let asks = 0;
    const next = (): string => {
      step++;
      if (step === 1) return "echo calc-$((6*7))";
      if (step === 2) return "stty size";
      if (step === 3) resizeKubectlTerminal(p.pid!, 50, 132);
      if (!stdout.includes("\r\n50 132\r\n") && asks++ < 50) return "stty size";
      return "exit 7";
    };
    p.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      // A prompt ("# " or "$ ") means the shell waits for the next line.
      if (/[#$] $/.test(stdout)) p.stdin.write(`${next()}\r`);
    });
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill("SIGKILL"), 30_000);
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Resizes the terminal `script` made for kubectl (its child's stdin), as a terminal window would. */
function resizeKubectlTerminal(scriptPid: number, rows: number, cols: number): void {
  const child = readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, "utf8").trim().split(/\s+/)[0]!;
  const tty = readlinkSync(`/proc/${child}/fd/0`);
  execFileSync("stty", ["-F", tty, "rows", String(rows), "cols", String(cols)]);
}

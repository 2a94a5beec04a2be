// The newcomer path through the built binary: one lab per data dir (a lock), a port conflict that names the flag,
// a restart on another port that names every federated credential and kubeconfig entry left on the old URLs (and
// the fix, run as printed), `identity federated-credential update`, and az's suggestion for a misspelled command.
import { test, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startTestLab } from "../helpers/lab.js";

const root = resolve(import.meta.dirname, "../../..");
const WILAB = join(root, "bin/wilab");
const AZ = join(root, "bin/az");
const base = mkdtempSync(join(tmpdir(), "wilab-newcomer-"));
/** The data dir (WILAB_HOME), HOME, KUBECONFIG and CA trust of the test that runs now: each test has its own. */
let dir = "";
let env: NodeJS.ProcessEnv = {};
function fresh(name: string): void {
  dir = mkdtempSync(join(base, `${name}-`));
  env = { ...process.env, WILAB_HOME: dir, HOME: join(dir, "home"), KUBECONFIG: join(dir, "kubeconfig"), NODE_EXTRA_CA_CERTS: join(dir, "ca.crt") };
  delete env.WILAB_CONFIG_DIR;
}
const running = new Set<ChildProcess>();
afterEach(() => {
  for (const p of running) p.kill("SIGKILL");
  running.clear();
});
after(() => rmSync(base, { recursive: true, force: true }));

interface Up {
  proc: ChildProcess;
  port: number;
  stderr(): string;
}

/** `wilab up` in the background until its ready line. */
function up(args: string[]): Promise<Up> {
  // The lab makes its CA in the data dir; only the clients trust it. The lab log stays quiet (--log-level error) so
  // that stderr holds only wilab's own start-up messages, which these tests read.
  const proc = spawn(process.execPath, [WILAB, "up", "--log-level", "error", ...args], { env: { ...env, NODE_EXTRA_CA_CERTS: "" }, stdio: ["ignore", "pipe", "pipe"] });
  running.add(proc);
  let out = "";
  let err = "";
  proc.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  return new Promise((res, rej) => {
    proc.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /wilab ready on https:\/\/localhost:(\d+)/.exec(out);
      if (m) res({ proc, port: Number(m[1]), stderr: () => err });
    });
    proc.on("exit", (code) => rej(new Error(`wilab up exited with ${code}: ${out}${err}`)));
  });
}

async function stop(u: Up): Promise<void> {
  const done = new Promise((r) => u.proc.once("exit", r));
  u.proc.kill("SIGTERM");
  await done;
  running.delete(u.proc);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function run(bin: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) =>
    execFile(process.execPath, [bin, ...args], { env: { ...env, ...extra } }, (e, stdout, stderr) =>
      done({ code: e ? (typeof (e as { code?: unknown }).code === "number" ? (e as { code: number }).code : 1) : 0, stdout, stderr }),
    ),
  );
}
const az = (...args: string[]) => run(AZ, args);
async function tsv(...args: string[]): Promise<string> {
  const r = await az(...args, "-o", "tsv");
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

/** Waits (bounded) until the lab's stderr holds `n` warning lines. */
async function warnings(u: Up, n: number): Promise<string[]> {
  for (let i = 0; i < 100 && u.stderr().split("\n").filter((l) => l.startsWith("wilab: warning: ")).length < n; i++) await new Promise((r) => setTimeout(r, 50));
  return u.stderr().split("\n").filter((l) => l.startsWith("wilab: warning: "));
}

test("one lab per data dir; a port conflict names --port; a restart on another port names the stale credential and kubeconfig with their fixes", async () => {
  fresh("switch");
  const first = await up(["--port", "0"]);

  // A second lab on the same data dir is refused: exit 1, the owner's pid, the data dir and --data-dir.
  for (const extra of [[], ["--memory"]]) {
    const second = await run(WILAB, ["up", "--port", "0", ...extra]);
    assert.equal(second.code, 1, second.stderr);
    assert.equal(second.stderr, `wilab: a lab is already running on the data dir ${dir} (pid ${first.proc.pid}); stop it first, or start another lab with --data-dir <dir> (if no lab runs, remove ${join(dir, "lab.lock")})\n`);
  }
  // An embedded in-memory lab that records nothing does not need the data dir's lock.
  const embedded = await startTestLab({ dataDir: dir });
  await embedded.stop();
  assert.ok(existsSync(join(dir, "lab.lock")), "the running lab still holds its lock");

  // A port conflict names the flag, with no stack trace.
  const other = mkdtempSync(join(dir, "other-"));
  const busy = await run(WILAB, ["up", "--data-dir", other, "--port", String(first.port)]);
  assert.equal(busy.code, 1);
  assert.equal(busy.stderr, `wilab: port ${first.port} is in use (by another process); choose another with --port <n>\n`);
  assert.equal(existsSync(join(other, "lab.lock")), false, "a lab that failed to start leaves no lock");

  // The article's set-up: a cluster with its issuer, an identity trusting it, a kubeconfig from get-credentials.
  assert.equal((await az("login", "-o", "none")).code, 0);
  assert.equal((await az("group", "create", "-n", "rg", "-l", "westeurope", "-o", "none")).code, 0);
  const cl = await tsv("customlocation", "show", "--name", "wilab-customlocation", "--resource-group", "wilab-infra", "--query", "id");
  const ln = await tsv("stack-hci-vm", "network", "lnet", "show", "--name", "wilab-lnet", "--resource-group", "wilab-infra", "--query", "id");
  const created = await az("aksarc", "create", "-n", "c1", "-g", "rg", "--custom-location", cl, "--vnet-ids", ln, "--generate-ssh-keys", "--enable-oidc-issuer", "--enable-workload-identity", "-o", "none");
  assert.equal(created.code, 0, created.stderr);
  const issuer1 = await tsv("connectedk8s", "show", "-n", "c1", "-g", "rg", "--query", "oidcIssuerProfile.issuerUrl");
  assert.equal((await az("identity", "create", "-n", "id1", "-g", "rg", "-o", "none")).code, 0);
  const fic = await az("identity", "federated-credential", "create", "--name", "fic1", "--identity-name", "id1", "-g", "rg", "--issuer", issuer1, "--subject", "system:serviceaccount:default:sa", "-o", "none");
  assert.equal(fic.code, 0, fic.stderr);
  const creds = await az("aksarc", "get-credentials", "-n", "c1", "-g", "rg");
  assert.equal(creds.code, 0, creds.stderr);
  assert.equal(first.stderr(), "", "no warnings on the first start");
  await stop(first);

  // Restart on another port: the issuer and API server URLs moved.
  const second = await up(["--port", "0"]);
  assert.notEqual(second.port, first.port);
  const issuer2 = await tsv("connectedk8s", "show", "-n", "c1", "-g", "rg", "--query", "oidcIssuerProfile.issuerUrl");
  assert.equal(issuer2, issuer1.replace(`:${first.port}/`, `:${second.port}/`));
  const lines = await warnings(second, 2);
  assert.equal(lines.length, 2, second.stderr());
  const ficFix = `az identity federated-credential update --name fic1 --identity-name id1 --resource-group rg --issuer ${issuer2}`;
  assert.equal(lines[0], `wilab: warning: federated credential 'fic1' (identity 'id1', group 'rg') trusts ${issuer1}, the issuer cluster 'c1' had before; it is now ${issuer2}. Fix: ${ficFix}`);
  const kubeFix = `az aksarc get-credentials --name c1 --resource-group rg --file ${join(dir, "kubeconfig")}`;
  assert.match(lines[1]!, new RegExp(`^wilab: warning: kubeconfig ${join(dir, "kubeconfig")}: cluster entry '\\S+' points at https://localhost:${first.port}/k8s/\\S+; cluster 'c1' now answers at https://localhost:${second.port}/k8s/\\S+\\. Fix: `));
  assert.ok(lines[1]!.includes(`Fix: ${kubeFix} `));

  // Run both fixes exactly as printed.
  for (const fix of [ficFix, kubeFix]) {
    const r = await az(...fix.split(" ").slice(1));
    assert.equal(r.code, 0, `${fix}: ${r.stderr}`);
  }
  assert.equal(await tsv("identity", "federated-credential", "show", "--name", "fic1", "--identity-name", "id1", "-g", "rg", "--query", "issuer"), issuer2);
  // The update kept what it was not given.
  assert.equal(await tsv("identity", "federated-credential", "show", "--name", "fic1", "--identity-name", "id1", "-g", "rg", "--query", "subject"), "system:serviceaccount:default:sa");
  await stop(second);

  // Same port again: nothing is stale any more.
  const third = await up(["--port", String(second.port)]);
  const ready = await az("group", "show", "-n", "rg", "--query", "name", "-o", "tsv");
  assert.equal(ready.code, 0, ready.stderr);
  assert.equal(third.stderr(), "");
  await stop(third);
});

test("identity federated-credential update: az's output; a missing credential is ARM's error; a typo gets az's suggestion", async () => {
  fresh("update");
  const lab = await up(["--port", "0"]);
  try {
    assert.equal((await az("login", "-o", "none")).code, 0);
    assert.equal((await az("group", "create", "-n", "rg2", "-l", "westeurope", "-o", "none")).code, 0);
    assert.equal((await az("identity", "create", "-n", "id2", "-g", "rg2", "-o", "none")).code, 0);
    const c = await az("identity", "federated-credential", "create", "-n", "fic-b", "--identity-name", "id2", "-g", "rg2", "--issuer", "https://issuer.example/", "--subject", "s1");
    assert.equal(c.code, 0, c.stderr);
    const u = await az("identity", "federated-credential", "update", "-n", "fic-b", "--identity-name", "id2", "-g", "rg2", "--subject", "s2", "--audiences", "api://custom");
    assert.equal(u.code, 0, u.stderr);
    const body = JSON.parse(u.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), Object.keys(JSON.parse(c.stdout) as object).sort(), "the same shape as create");
    assert.deepEqual({ issuer: body.issuer, subject: body.subject, audiences: body.audiences, name: body.name, resourceGroup: body.resourceGroup }, { issuer: "https://issuer.example/", subject: "s2", audiences: ["api://custom"], name: "fic-b", resourceGroup: "rg2" });

    const missing = await az("identity", "federated-credential", "update", "-n", "nope", "--identity-name", "id2", "-g", "rg2", "--subject", "x");
    const show = await az("identity", "federated-credential", "show", "-n", "nope", "--identity-name", "id2", "-g", "rg2");
    assert.equal(missing.code, 3);
    assert.equal(missing.stderr, show.stderr, "the GET's error, as show prints it");
    assert.match(missing.stderr, /^ERROR: \(\w+\)/);

    const typo = await az("identity", "federated-credential", "updte", "-n", "fic-b");
    assert.equal(typo.code, 2);
    assert.equal(typo.stderr, "ERROR: 'updte' is misspelled or not recognized by the system.\nDid you mean 'update' ?\n\nSee 'az identity federated-credential --help'.\n");
    const top = await az("grup", "list");
    assert.equal(top.code, 2);
    assert.equal(top.stderr, "ERROR: 'grup' is misspelled or not recognized by the system.\nDid you mean 'group' ?\n\nSee 'az --help'.\n");
    const arg = await az("group", "show", "--nmae", "rg2");
    assert.equal(arg.code, 2);
    assert.match(arg.stderr, /^ERROR: the following arguments are required: --name\/-n\/--resource-group\/-g\n/, "argparse reports the missing argument before the unknown one");
    const unknown = await az("group", "list", "--tag", "a=b", "--bogus", "1");
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^ERROR: unrecognized arguments: --bogus 1\n\nExamples from command's help:\naz group list /);
  } finally {
    await stop(lab);
  }
});

#!/usr/bin/env node
// Runs the test suite with node's test runner. Every lab a test starts shares one test CA, made here
// first, so that real clients in the test processes trust it through NODE_EXTRA_CA_CERTS.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const which = process.argv[2]; // unit | integration | walkthrough | undefined (all)
const { LabCa } = await import(join(root, "dist/src/platform/index.js"));
const caDir = process.env.WILAB_TEST_CA_DIR ?? join(tmpdir(), "wilab-test-ca");
await LabCa.loadOrCreate(caDir);

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".test.js") ? [p] : [];
  });
}
const groups = which ? [which] : ["unit", "integration", "walkthrough"];
const list = groups.flatMap((g) => files(join(root, "dist/test", g))).sort();
if (list.length === 0) {
  console.error("no test files found under dist/test — run `npm run build` first");
  process.exit(1);
}
// The suite never touches the user's own lab: a private default data dir and kubeconfig (a lab the user runs on
// ~/.wilab or port 8443, and its kubectl context, stay out of reach), and no AZURE_* variables from the shell.
const own = mkdtempSync(join(tmpdir(), "wilab-test-home-"));
const env = { ...process.env, NODE_EXTRA_CA_CERTS: join(caDir, "ca.crt"), WILAB_TEST_CA_DIR: caDir, WILAB_HOME: join(own, "wilab"), KUBECONFIG: join(own, "kubeconfig") };
delete env.WILAB_CONFIG_DIR;
delete env.WILAB_STORE;
delete env.WILAB_TEST_STORE;
// One throwaway PostgreSQL server for the run (test/helpers/postgres.ts): the store conformance suite and the
// integration tests that also run on PostgreSQL each make a database of their own on it.
const { startPostgres } = await import(join(root, "dist/test/helpers/postgres.js"));
const pgServer = env.WILAB_TEST_PG_URL || !list.some((f) => f.includes("/integration/")) ? undefined : await startPostgres();
if (pgServer) env.WILAB_TEST_PG_URL = pgServer.url();
// Ctrl-C or a CI timeout: stop the server and remove its directory on the way out (handlers run once the test
// runner, which gets the signal too, has returned).
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    pgServer?.stop();
    rmSync(own, { recursive: true, force: true });
    process.exit(130);
  });
}
for (const k of Object.keys(env)) if (k.startsWith("AZURE_")) delete env[k];
const r = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...list], { stdio: "inherit", env, cwd: root });
// The integration tests that matter run a second time with the lab's state in PostgreSQL (WILAB_TEST_STORE, read
// by test/helpers/lab.ts): Entra, ARM, Key Vault, the kube-apiserver (lists with limit/continue, admission, patches)
// and kubectl against a running kubelet (apply, watch, wait). The store conformance suite covers every backend itself.
const ON_POSTGRES = ["integration/sts.test.js", "integration/arm.test.js", "integration/keyvault.test.js", "integration/kube-apiserver.test.js", "integration/kube-kubectl.test.js"];
const pgList = ON_POSTGRES.map((f) => join(root, "dist/test", f)).filter((f) => list.includes(f));
let pgStatus = 0;
if (pgList.length) {
  console.log(`\n# the same ${pgList.length} integration test files again, on PostgreSQL (WILAB_TEST_STORE=postgres)`);
  pgStatus = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...pgList], { stdio: "inherit", env: { ...env, WILAB_TEST_STORE: "postgres" }, cwd: root }).status ?? 1;
}
rmSync(own, { recursive: true, force: true });
pgServer?.stop();
process.exit(r.status || pgStatus);

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getCloseMatches, sequenceRatio, didYouMean, recommendExamples } from "../../src/cli/core/similar.js";
import { GLOBAL_ARGS } from "../../src/cli/core/parser.js";
import type { CommandDef } from "../../src/cli/core/command.js";
import { explainStartError } from "../../src/cli/lab/startErrors.js";
import { lockDataDir, DataDirLockedError, LOCK_FILE } from "../../src/platform/dataDirLock.js";
import { modeSwitchWarnings, type ClusterNow, type CredentialNow } from "../../src/diagnose/modeSwitch.js";

// Python 3's difflib.SequenceMatcher(None, a, b).ratio(), computed with CPython.
const ratios: [string, string, number][] = [
  ["group", "grup", 0.8888888888888888],
  ["federated-credential", "fedrated-credential", 0.9743589743589743],
  ["update", "updte", 0.9090909090909091],
  ["show", "shw", 0.8571428571428571],
  ["abcd", "bcda", 0.75],
  ["keyvault", "kv", 0.4],
  ["", "x", 0],
  ["role", "rule", 0.75],
  ["identity", "idnetity", 0.875],
  ["private", "pirvate", 0.8571428571428571],
  ["qabxcd", "abycdf", 0.6666666666666666],
];
for (const [a, b, want] of ratios) test(`difflib ratio ${a} ~ ${b} = ${want}`, () => assert.equal(sequenceRatio(a, b), want));

const TOP = ["group", "login", "logout", "account", "identity", "keyvault", "role", "ad", "version", "up", "env", "status", "clock", "image", "aksarc", "connectedk8s", "customlocation", "stack-hci-vm", "webhook", "shell", "rest"];
// difflib.get_close_matches(word, TOP) and (..., cutoff=0.7), computed with CPython.
const close: [string, string[], string[]][] = [
  ["grup", ["group", "up"], ["group"]],
  ["lgin", ["login"], ["login"]],
  ["idnetity", ["identity"], ["identity"]],
  ["zzz", [], []],
  ["rol", ["role"], ["role"]],
  ["log", ["login", "logout"], ["login"]],
  ["ve", [], []],
];
for (const [w, at06, at07] of close) {
  test(`get_close_matches('${w}')`, () => {
    assert.deepEqual(getCloseMatches(w, TOP), at06);
    assert.deepEqual(getCloseMatches(w, TOP, 3, 0.7), at07);
  });
}
test("get_close_matches orders by score, ties by the larger string first (heapq.nlargest)", () => {
  assert.deepEqual(getCloseMatches("ab", ["ba", "ab", "abc", "abd"], 3, 0.5), ["ab", "abd", "abc"]);
  assert.deepEqual(getCloseMatches("appel", ["ape", "apple", "peach", "puppy"]), ["apple", "ape"]);
});
test("az's recommendation line for a misspelled command word", () => {
  assert.deepEqual(didYouMean("grup", TOP), ["Did you mean 'group' ?"]);
  assert.deepEqual(didYouMean("zzz", TOP), []);
});

test("examples after unrecognized arguments: more matching options first, then fewer options", () => {
  const cmd: CommandDef = {
    name: "identity show",
    summary: "",
    args: [
      { dest: "name", options: ["--name", "-n"], help: "" },
      { dest: "resource_group", options: ["--resource-group", "-g"], help: "" },
    ],
    examples: [
      { summary: "all", command: "az identity list" },
      { summary: "by name", command: "az identity show --name a --resource-group b" },
      { summary: "by group", command: "az identity show -g b" },
      { summary: "four", command: "az identity show -n a -g b -o table --query x" },
    ],
    run: async () => undefined,
  };
  assert.deepEqual(recommendExamples(cmd, ["-n", "x", "--nmae", "y"], GLOBAL_ARGS).map((e) => e.summary), ["by name", "four", "all"]);
  assert.deepEqual(recommendExamples(cmd, ["--bogus"], GLOBAL_ARGS).map((e) => e.summary), ["all", "by group", "by name"]);
});

const startErrors: [string, unknown, { port: number; transparent: boolean }, string | undefined][] = [
  ["port in use", Object.assign(new Error("listen EADDRINUSE: address already in use 127.0.0.1:8443"), { code: "EADDRINUSE", port: 8443 }), { port: 8443, transparent: false }, "port 8443 is in use (by another process); choose another with --port <n>"],
  ["port in use, port from the option", Object.assign(new Error("x"), { code: "EADDRINUSE" }), { port: 9000, transparent: false }, "port 9000 is in use (by another process); choose another with --port <n>"],
  ["443 without root, transparent", Object.assign(new Error("x"), { code: "EACCES", port: 443 }), { port: 443, transparent: true }, "port 443 needs root: run 'sudo wilab up --transparent' (transparent mode answers the real host names on 443)"],
  ["443 without root, local", Object.assign(new Error("x"), { code: "EACCES", port: 443 }), { port: 443, transparent: false }, "port 443 needs root: run it with sudo, or choose a port above 1023 with --port <n>"],
  ["anything else is not explained", new Error("boom"), { port: 8443, transparent: false }, undefined],
];
for (const [name, err, o, want] of startErrors) test(`wilab up start error: ${name}`, () => assert.equal(explainStartError(err, o), want));

test("data dir lock: a live owner refuses a second lab; release removes the file; a dead owner's lock is taken over", () => {
  const dir = mkdtempSync(join(tmpdir(), "wilab-lock-"));
  try {
    const first = lockDataDir(dir);
    assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")).pid, process.pid);
    // Another process (pid 1 is always alive) asks for the same data dir.
    assert.throws(() => lockDataDir(dir, 1), (e: unknown) => e instanceof DataDirLockedError && e.owner.pid === process.pid && e.message.includes(dir) && e.message.includes("--data-dir"));
    first.release();
    assert.equal(existsSync(join(dir, LOCK_FILE)), false);
    // A lock left by a process that has exited.
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: Number(dead.stdout), startedAt: 0 }));
    const again = lockDataDir(dir);
    assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")).pid, process.pid);
    again.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const T = "11111111-2222-4333-8444-555555555555";
const C = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const localIssuer = (port: number) => `https://localhost:${port}/oidc/${T}/${C}/`;
const transparentIssuer = `https://oidcdiscovery-westeurope-endpoint-0123456789abcdef.000.azurefd.net/${T}/${C}/`;
const cluster = (issuerUrl: string, apiServerUrl: string): ClusterNow => ({ name: "myAKSCluster", resourceGroup: "myResourceGroup", tenantId: T, clusterId: C, issuerUrl, apiServerUrl });
const fic = (issuer: string): CredentialNow => ({ name: "myFedIdentity", identityName: "myIdentity", resourceGroup: "myResourceGroup", issuer });

const modeCases: { name: string; now: ClusterNow; issuer: string; server?: string; want: { old: string; new: string }[] }[] = [
  { name: "local → transparent", now: cluster(transparentIssuer, "https://localhost/k8s/" + C), issuer: localIssuer(8443), server: `https://localhost:8443/k8s/${C}`, want: [{ old: localIssuer(8443), new: transparentIssuer }, { old: `https://localhost:8443/k8s/${C}`, new: `https://localhost/k8s/${C}` }] },
  { name: "transparent → local", now: cluster(localIssuer(8443), `https://localhost:8443/k8s/${C}`), issuer: transparentIssuer, server: `https://localhost/k8s/${C}`, want: [{ old: transparentIssuer, new: localIssuer(8443) }, { old: `https://localhost/k8s/${C}`, new: `https://localhost:8443/k8s/${C}` }] },
  { name: "local on another port", now: cluster(localIssuer(9443), `https://localhost:9443/k8s/${C}`), issuer: localIssuer(8443), want: [{ old: localIssuer(8443), new: localIssuer(9443) }] },
  { name: "current issuer: nothing", now: cluster(localIssuer(8443), `https://localhost:8443/k8s/${C}`), issuer: localIssuer(8443), server: `https://localhost:8443/k8s/${C}`, want: [] },
  { name: "same origin, missing slash (another mistake, not a mode switch): nothing", now: cluster(localIssuer(8443), `https://localhost:8443/k8s/${C}`), issuer: localIssuer(8443).slice(0, -1), want: [] },
  { name: "an issuer of no lab cluster (a real AKS issuer): nothing", now: cluster(localIssuer(8443), `https://localhost:8443/k8s/${C}`), issuer: "https://eastus.oic.prod-aks.azure.com/x/y/", want: [] },
  { name: "another cluster id: nothing", now: cluster(localIssuer(8443), `https://localhost:8443/k8s/${C}`), issuer: `https://localhost:9443/oidc/${T}/${T}/`, server: `https://localhost:9443/k8s/${T}`, want: [] },
];
for (const c of modeCases) {
  test(`mode switch: ${c.name}`, () => {
    const w = modeSwitchWarnings([c.now], [fic(c.issuer)], c.server ? [{ file: "/k/config", cluster: "myAKSCluster", server: c.server }] : []);
    assert.deepEqual(w.map((x) => ({ old: x.old, new: x.new })), c.want);
    if (c.want.length) {
      assert.equal(w[0]!.fix, `az identity federated-credential update --name myFedIdentity --identity-name myIdentity --resource-group myResourceGroup --issuer ${c.want[0]!.new}`);
      assert.ok(w[0]!.message.includes(c.want[0]!.old) && w[0]!.message.includes(c.want[0]!.new) && w[0]!.message.includes("myFedIdentity"));
    }
    if (c.want.length > 1) assert.equal(w[1]!.fix, "az aksarc get-credentials --name myAKSCluster --resource-group myResourceGroup --file /k/config");
  });
}

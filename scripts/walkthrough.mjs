#!/usr/bin/env node
// `npm run walkthrough`: the article end to end against a fresh in-memory lab, through the az shim and real kubectl.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const dir = realpathSync(mkdtempSync(join(tmpdir(), "wilab-walkthrough-")));
const home = join(dir, "home");
mkdirSync(home);
// Everything of this run lives in its own directory: the lab's data dir, the kubeconfig, HOME, and TMPDIR (the
// kubelet of a --memory lab keeps its pods there), so that labs and pods already running on the machine are never touched.
const tmp = join(dir, "tmp");
mkdirSync(tmp);
const env = { ...process.env, WILAB_HOME: dir, KUBECONFIG: join(dir, "kubeconfig"), HOME: home, TMPDIR: tmp, WALKTHROUGH_DIR: dir, PATH: `${join(root, "bin")}:${process.env.PATH}` };
delete env.WILAB_CONFIG_DIR;
for (const k of Object.keys(env)) if (k.startsWith("AZURE_")) delete env[k];

const lab = spawn(process.execPath, [join(root, "bin/wilab"), "up", "--memory", "--port", "0"], { env, stdio: ["ignore", "pipe", "inherit"] });
const ready = await new Promise((res, rej) => {
  let out = "";
  lab.stdout.on("data", (c) => {
    out += c.toString();
    if (out.includes("wilab ready")) res(out.split("\n")[0]);
  });
  lab.on("exit", (code) => rej(new Error(`wilab up exited with ${code}`)));
  setTimeout(() => rej(new Error("wilab up did not get ready in 30 s")), 30_000).unref();
});
console.log(ready);
let code = 1;
try {
  const r = spawnSync("bash", [join(root, "scripts/walkthrough.sh")], { env, stdio: "inherit", cwd: dir });
  code = r.status ?? 1;
} finally {
  lab.kill("SIGTERM");
  await new Promise((r) => lab.on("exit", r));
  rmSync(dir, { recursive: true, force: true });
}
if (code !== 0) console.error(`\nwalkthrough FAILED (exit ${code})`);
process.exit(code);

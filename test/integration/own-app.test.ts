// The README's "Your own app" recipe, run exactly as written: the README's walkthrough block (all but its last line,
// `az aksarc delete`), then the app file and the host and pod blocks of "Your own app", with the az shim, real
// kubectl, real @azure/identity and @azure/keyvault-secrets, against a lab of this test's own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startTestLab } from "../helpers/lab.js";

const root = resolve(import.meta.dirname, "../../..");
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The fenced blocks of one language in a README section (from its heading to the next `## `). */
function blocks(section: string, lang: string): string[] {
  const start = readme.indexOf(section);
  assert.ok(start >= 0, `README section ${section}`);
  const end = readme.indexOf("\n## ", start + section.length);
  const text = readme.slice(start, end < 0 ? undefined : end);
  return [...text.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);
}

test("README: your own app, on the host (kubectl create token) and as a pod (wilab image map), reads the walkthrough's secret", async () => {
  const walkthrough = blocks("## The article, walked through with wilab", "bash")[0]!;
  const lines = walkthrough.trimEnd().split("\n");
  assert.match(lines.at(-1)!, /^az aksarc delete /);
  const [app] = blocks("## Your own app", "js");
  const [host, pod] = blocks("## Your own app", "bash");
  assert.ok(app && host && pod, "the app file and the host and pod blocks");

  const dir = mkdtempSync(join(tmpdir(), "wilab-own-app-"));
  const work = join(dir, "myapp");
  mkdirSync(work);
  mkdirSync(join(dir, "home"));
  // The app's directory has the two packages installed (here: this repository's own node_modules).
  symlinkSync(join(root, "node_modules"), join(work, "node_modules"));
  writeFileSync(join(work, "app.mjs"), app);
  const lab = await startTestLab({ dataDir: join(dir, "wilab"), recordEndpoints: true });
  const env: NodeJS.ProcessEnv = { ...process.env, WILAB_HOME: join(dir, "wilab"), HOME: join(dir, "home"), KUBECONFIG: join(dir, "kubeconfig"), PATH: `${join(root, "bin")}:${process.env.PATH}` };
  delete env.WILAB_CONFIG_DIR;
  const script = ["set -eu", lines.slice(0, -1).join("\n"), host, pod].join("\n");
  const bash = spawn("bash", ["-c", script], { cwd: work, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  bash.stdout.on("data", (c: Buffer) => (out += c.toString()));
  bash.stderr.on("data", (c: Buffer) => (out += c.toString()));
  const timer = setTimeout(() => process.kill(-bash.pid!, "SIGTERM"), 240_000);
  try {
    const code = await new Promise<number | null>((r) => bash.on("exit", r));
    assert.equal(code, 0, out.slice(-6000));
    assert.match(out, /successfully got secret, secret=Hello!/, "the walkthrough's sample pod");
    // Once from `node app.mjs` on the host, once from `kubectl logs myapp`.
    assert.equal(out.match(/^myapp read KV-secret=Hello!$/gm)?.length, 2, out.slice(-4000));
    assert.match(out, /pod\/myapp condition met/);
  } finally {
    clearTimeout(timer);
    // The script's background `az connectedk8s proxy` is in the script's process group.
    try {
      process.kill(-bash.pid!, "SIGTERM");
    } catch {
      // already gone
    }
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("README: no link points outside the repository", () => {
  // Prose only: fenced blocks and code spans are commands and values, not links.
  const prose = readme.replace(/```[\s\S]*?```/g, "").replace(/`[^`]*`/g, "");
  assert.deepEqual(prose.match(/https?:\/\/\S+/g) ?? [], [], "no bare URLs (renderers turn them into links)");
  for (const m of prose.matchAll(/\]\(([^)]+)\)/g)) {
    const target = m[1]!.split("#")[0]!;
    assert.doesNotMatch(target, /^[a-z]+:|^\/|(^|\/)\.\.(\/|$)/i, `link ${m[1]} leaves the repository`);
    assert.ok(target === "" || readFileSync(join(root, target)), `link target ${target} exists`);
  }
});

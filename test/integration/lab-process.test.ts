import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const bin = resolve(import.meta.dirname, "../../../bin/wilab");

function up(dataDir: string): Promise<{ url: string; proc: ReturnType<typeof spawn>; line: string }> {
  const proc = spawn(process.execPath, [bin, "up", "--data-dir", dataDir, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((res, rej) => {
    let out = "";
    proc.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /wilab ready on (https:\/\/localhost:\d+)/.exec(out);
      if (m) res({ url: m[1]!, proc, line: out.split("\n")[0]! });
    });
    proc.on("exit", (code) => rej(new Error(`wilab up exited with ${code}: ${out}`)));
  });
}

function exited(proc: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((r) => proc.on("exit", (code) => r(code)));
}

test("wilab up: one ready line with endpoints and CA trust; env prints the client variables; SIGTERM exits cleanly; state survives", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "wilab-up-"));
  try {
    const first = await up(dataDir);
    assert.match(first.line, /Entra https:\/\/localhost:\d+, ARM https:\/\/localhost:\d+, Key Vault https:\/\/<vault>\.vault\.localhost:\d+/);
    assert.match(first.line, new RegExp(`NODE_EXTRA_CA_CERTS=${join(dataDir, "ca.crt")}`));
    assert.ok(existsSync(join(dataDir, "ca.crt")) && existsSync(join(dataDir, "lab.db")) && existsSync(join(dataDir, "endpoints.json")));
    // The lab's CA is not the test CA: trust it explicitly for this check.
    const { request } = await import("node:https");
    const status = await new Promise<number>((r, j) =>
      request(`${first.url}/metadata/endpoints?api-version=2019-05-01`, { ca: readFileSync(join(dataDir, "ca.crt")) }, (res) => {
        res.resume();
        r(res.statusCode!);
      })
        .on("error", j)
        .end(),
    );
    assert.equal(status, 200);
    const env = spawnSync(process.execPath, [bin, "env", "--data-dir", dataDir], { encoding: "utf8" });
    assert.equal(env.status, 0, env.stderr);
    const tenant = JSON.parse(readFileSync(join(dataDir, "endpoints.json"), "utf8")).tenantId as string;
    for (const v of ["AZURE_AUTHORITY_HOST", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"]) assert.match(env.stdout, new RegExp(`^export ${v}=`, "m"));
    assert.match(env.stdout, new RegExp(`^export AZURE_TENANT_ID='${tenant}'$`, "m"));
    assert.match(env.stdout, new RegExp(`^export WILAB_GRAPH_ENDPOINT='${first.url}'$`, "m"));
    const pwsh = spawnSync(process.execPath, [bin, "env", "--data-dir", dataDir, "--shell", "pwsh"], { encoding: "utf8" });
    assert.match(pwsh.stdout, new RegExp(`^\\$env:AZURE_TENANT_ID = '${tenant}'$`, "m"));

    first.proc.kill("SIGTERM");
    assert.equal(await exited(first.proc), 0);
    assert.equal(existsSync(join(dataDir, "endpoints.json")), false);
    const noLab = spawnSync(process.execPath, [bin, "env", "--data-dir", dataDir], { encoding: "utf8" });
    assert.notEqual(noLab.status, 0);
    assert.match(noLab.stderr, /no running lab/);

    const second = await up(dataDir);
    const tenant2 = JSON.parse(readFileSync(join(dataDir, "endpoints.json"), "utf8")).tenantId as string;
    assert.equal(tenant2, tenant);
    second.proc.kill("SIGINT");
    assert.equal(await exited(second.proc), 0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

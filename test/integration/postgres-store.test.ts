// The PostgreSQL store as a user meets it: `wilab up --store` / WILAB_STORE (the ready line names the database
// without its password, and the lab's state lives in the database), clear errors when the server is unreachable
// or goes away, reconnection when it is back, and two labs on one database: resourceVersions never handed out
// twice, and of concurrent same-name creates exactly one wins while the others get kube-apiserver's AlreadyExists.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomUUID } from "node:crypto";
import { SecretClient } from "@azure/keyvault-secrets";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { ResourceManagementClient } from "@azure/arm-resources";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { openStore, StoreUnavailableError, type Store } from "../../src/store/index.js";
import { KubeStorage, type KubeObject, type WatchEvent } from "../../src/kube/KubeStorage.js";
import { KubeStatusError } from "../../src/kube/KubeStatusError.js";
import { ServiceAccountIssuer, ROTATION_MS } from "../../src/kube/issuer/ServiceAccountIssuer.js";
import { LabClock, Random } from "../../src/platform/index.js";
import { startPostgres, testDatabase } from "../helpers/postgres.js";
import { adminCredential, armClientOptions, startTestLab } from "../helpers/lab.js";

const bin = resolve(import.meta.dirname, "../../../bin/wilab");
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** `wilab up` with extra arguments and environment; resolves with its ready line. */
function up(args: string[], env: Record<string, string> = {}): Promise<{ proc: ChildProcess; line: string }> {
  const proc = spawn(process.execPath, [bin, "up", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  return new Promise((res, rej) => {
    let out = "";
    proc.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      if (/wilab ready on/.test(out)) res({ proc, line: out.split("\n")[0]! });
    });
    proc.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    proc.on("exit", (code) => rej(Object.assign(new Error(`wilab up exited with ${code}: ${out}`), { code, out })));
  });
}

function stopped(proc: ChildProcess): Promise<number | null> {
  proc.kill("SIGTERM");
  return new Promise((r) => proc.on("exit", (code) => r(code)));
}

test("wilab up --store and WILAB_STORE: the ready line and endpoints.json name the database without its password; the lab's state lives there", async () => {
  const db = await testDatabase();
  cleanups.push(db.drop);
  const u = new URL(db.url);
  u.password = "s3cret-pw";
  const shown = `postgres://postgres@${u.host}${u.pathname}`;
  const dirs = [mkdtempSync(join(tmpdir(), "wilab-pg-a-")), mkdtempSync(join(tmpdir(), "wilab-pg-b-"))];
  cleanups.push(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const first = await up(["--data-dir", dirs[0]!, "--store", u.toString()]);
  assert.ok(first.line.includes(` — ${shown} — `), first.line);
  assert.ok(!first.line.includes("s3cret-pw"));
  const endpoints = JSON.parse(readFileSync(join(dirs[0]!, "endpoints.json"), "utf8")) as { store: string; tenantId: string };
  assert.equal(endpoints.store, shown);
  assert.equal(await stopped(first.proc), 0);

  // Another data dir, the same database through WILAB_STORE: the same lab (its tenant lives in the database).
  const second = await up(["--data-dir", dirs[1]!], { WILAB_STORE: u.toString() });
  assert.ok(second.line.includes(` — ${shown} — `), second.line);
  assert.ok(second.line.includes(`tenant ${endpoints.tenantId}`), second.line);
  assert.equal(await stopped(second.proc), 0);
});

test("an unreachable store: wilab up exits 1 naming the database (no password); the store rejects with StoreUnavailableError", async () => {
  const server = await startPostgres();
  const url = server.url("gone").replace("postgres@", "postgres:hunter2@");
  server.stop(); // nothing listens on that port any more
  const dir = mkdtempSync(join(tmpdir(), "wilab-pg-c-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const failed = await up(["--data-dir", dir, "--store", url]).then(
    () => assert.fail("wilab up started on an unreachable store"),
    (err: { code: number; out: string }) => err,
  );
  assert.equal(failed.code, 1);
  assert.match(failed.out, new RegExp(`store postgres://postgres@127\\.0\\.0\\.1:${server.port}/gone is unreachable`));
  assert.ok(!failed.out.includes("hunter2"));
  await assert.rejects(openStore(url), (err) => err instanceof StoreUnavailableError && !err.message.includes("hunter2"));
});

test("the server goes away: requests fail with StoreUnavailableError naming the store; once it is back the pool reconnects", async () => {
  const server = await startPostgres();
  cleanups.push(() => server.stop());
  const store = await openStore(server.url());
  cleanups.push(() => store.close());
  await store.write((tx) => tx.put("thing", "a", { n: 1 }));
  server.halt();
  const unavailable = (err: unknown) => err instanceof StoreUnavailableError && err.message.includes(`postgres://postgres@127.0.0.1:${server.port}/postgres`);
  await assert.rejects(store.read((tx) => tx.get("thing", "a")), unavailable);
  await assert.rejects(store.write((tx) => tx.put("thing", "b", { n: 2 })), unavailable);
  server.resume();
  assert.deepEqual(await store.read((tx) => tx.get("thing", "a")), { n: 1 });
  await store.write((tx) => tx.put("thing", "b", { n: 2 }));
  assert.equal(await store.read((tx) => tx.count("thing")), 2);
});

/** Two labs' kube storage on one database, each with its own store (pool) as in its own process. */
async function twoLabs(): Promise<{ a: KubeStorage; b: KubeStorage; events: Map<KubeStorage, WatchEvent[]> }> {
  const db = await testDatabase();
  cleanups.push(db.drop);
  const stores: Store[] = [await openStore(db.url), await openStore(db.url)];
  cleanups.push(async () => {
    for (const s of stores) await s.close();
  });
  const [a, b] = stores.map((s) => new KubeStorage(s, new LabClock(), new Random()));
  const events = new Map<KubeStorage, WatchEvent[]>([[a!, []], [b!, []]]);
  for (const k of [a!, b!]) k.watch("c1", (e) => events.get(k)!.push(e));
  return { a: a!, b: b!, events };
}

async function waitFor(probe: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !probe(); i++) await new Promise((r) => setTimeout(r, 25));
}

const pod = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" } as KubeObject["metadata"], spec: {} });

test("two labs on one database never hand out the same resourceVersion; each commit gives one watch event", async () => {
  const { a, b, events } = await twoLabs();
  const created = await Promise.all(Array.from({ length: 30 }, (_v, i) => (i % 2 ? a : b).write((tx) => tx.create("c1", "pods", pod(`p${i}`)))));
  const rvs = created.map((o) => Number(o.metadata.resourceVersion));
  assert.equal(new Set(rvs).size, 30, `distinct: ${rvs.join(",")}`);
  assert.deepEqual([...rvs].sort((x, y) => x - y), Array.from({ length: 30 }, (_v, i) => i + 2), "consecutive, no gaps");
  const stored = await a.read((tx) => tx.list("c1", "pods", "default"));
  assert.deepEqual(stored.map((o) => o.metadata.resourceVersion).sort(), created.map((o) => o.metadata.resourceVersion).sort());
  // Retried transactions deliver nothing: each lab sees every one of the 30 ADDED events once, in resourceVersion
  // order (its own and the other's: the events go through the database's event log).
  for (const k of [a, b]) {
    await waitFor(() => events.get(k)!.length >= 30);
    assert.deepEqual(events.get(k)!.map((e) => `${e.type} ${e.object.metadata.resourceVersion}`), Array.from({ length: 30 }, (_v, i) => `ADDED ${i + 2}`));
  }
  assert.equal(await b.read((tx) => tx.currentVersion("c1")), "31");
});

test("concurrent same-name creates on two labs: exactly one wins, the others get 409 AlreadyExists", async () => {
  const { a, b, events } = await twoLabs();
  for (let round = 0; round < 4; round++) {
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_v, i) => (i % 2 ? a : b).write((tx) => tx.create("c1", "pods", pod(`same-${round}`)))));
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    assert.equal(won.length, 1, `round ${round}`);
    for (const l of lost) {
      assert.ok(l.reason instanceof KubeStatusError, String(l.reason));
      assert.deepEqual([l.reason.status, l.reason.reason, l.reason.message], [409, "AlreadyExists", `pods "same-${round}" already exists`]);
    }
  }
  // One ADDED event per winner, seen by each lab.
  for (const k of [a, b]) await waitFor(() => events.get(k)!.length >= 4);
  await new Promise((r) => setTimeout(r, 100));
  for (const k of [a, b]) assert.deepEqual(events.get(k)!.map((e) => e.object.metadata.name), ["same-0", "same-1", "same-2", "same-3"]);
});

test("two labs started at once on one database: a token of one verifies at the other, and a role assignment deleted through one stops access through the other at once", async () => {
  const db = await testDatabase();
  cleanups.push(db.drop);
  // Both start at once on an empty database: one makes the tenant and the signing key, the other finds them.
  const [labA, labB] = await Promise.all([startTestLab({ store: db.url }), startTestLab({ store: db.url })]);
  cleanups.push(() => labA.stop(), () => labB.stop());
  assert.deepEqual([labB.tenantId, labB.subscriptionId, labB.admin.clientId], [labA.tenantId, labA.subscriptionId, labA.admin.clientId]);

  const opts = armClientOptions(labB);
  const credA = adminCredential(labA); // tokens from lab A's STS, used at lab B's ARM
  await new ResourceManagementClient(credA, labB.subscriptionId, opts).resourceGroups.createOrUpdate("rg-shared", { location: "westeurope" });
  const credB = adminCredential(labB);
  await new KeyVaultManagementClient(credB, labB.subscriptionId, opts).vaults.createOrUpdate("rg-shared", "kv-shared", {
    location: "westeurope",
    properties: { tenantId: labB.tenantId, sku: { family: "A", name: "standard" }, enableRbacAuthorization: true },
  });
  const authz = new AuthorizationManagementClient(credB, labB.subscriptionId, opts);
  const scope = `/subscriptions/${labB.subscriptionId}/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-shared`;
  const name = randomUUID();
  await authz.roleAssignments.create(scope, name, {
    roleDefinitionId: `/subscriptions/${labB.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/b86a8fe4-44ce-4948-aee5-eccb2c155cd7`,
    principalId: labA.admin.objectId,
    principalType: "ServicePrincipal",
  });

  // The same role, scope and principal assigned at once through both labs under different names, round after round
  // (clients warmed up first so that the requests overlap): exactly one 201, the others ARM's 409.
  const clients = [labA, labB].map((lab) => new AuthorizationManagementClient(adminCredential(lab), lab.subscriptionId, armClientOptions(lab)));
  for (const c of clients) for await (const _d of c.roleDefinitions.list(scope, { filter: "roleName eq 'Reader'" }));
  for (const role of ["acdd72a7-3385-48ef-bd42-f606fba81ae7", "21090545-7ca7-4776-b22c-e363652d74d2", "b24988ac-6180-42a0-ab88-20f7382dd24c", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"]) {
    const race = await Promise.allSettled(
      [0, 1, 0, 1, 0, 1].map((i) =>
        clients[i]!.roleAssignments.create(scope, randomUUID(), {
          roleDefinitionId: `/subscriptions/${labA.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
          principalId: labA.admin.userObjectId,
          principalType: "User",
        }),
      ),
    );
    assert.equal(race.filter((r) => r.status === "fulfilled").length, 1, `${role}: ${race.map((r) => r.status).join(", ")}`);
    for (const r of race) if (r.status === "rejected") assert.deepEqual([(r.reason as { statusCode?: number }).statusCode, (r.reason as { code?: string }).code], [409, "RoleAssignmentExists"]);
  }

  const secretsAtA = new SecretClient(labA.vaultUrl("kv-shared"), credA);
  await secretsAtA.setSecret("s", "v1");
  assert.equal((await secretsAtA.getSecret("s")).value, "v1");
  assert.equal((await secretsAtA.getSecret("s")).value, "v1", "a second read, after a grant had been decided");
  await authz.roleAssignments.delete(scope, name);
  await assert.rejects(secretsAtA.getSecret("s"), (err: { statusCode?: number; code?: string }) => err.statusCode === 403 && err.code === "Forbidden");
});

test("a lab whose database goes away answers ARM's 500 InternalServerError, and serves again once the database is back", async () => {
  const server = await startPostgres();
  cleanups.push(() => server.stop());
  const warnings: string[] = [];
  const lab = await startTestLab({ store: server.url(), logger: { info: () => undefined, warn: (m) => warnings.push(m) } });
  cleanups.push(() => lab.stop());
  const token = (await adminCredential(lab).getToken("https://management.azure.com/.default")).token;
  const { request } = await import("node:https");
  const get = (path: string) =>
    new Promise<{ status: number; body: string }>((res, rej) => {
      request(`${lab.armEndpoint}${path}`, { headers: { authorization: `Bearer ${token}` } }, (r) => {
        let body = "";
        r.on("data", (c: Buffer) => (body += c.toString()));
        r.on("end", () => res({ status: r.statusCode!, body }));
      })
        .on("error", rej)
        .end();
    });
  const path = `/subscriptions/${lab.subscriptionId}/resourcegroups?api-version=2021-04-01`;
  assert.equal((await get(path)).status, 200);
  server.halt();
  const down = await get(path);
  assert.equal(down.status, 500, down.body);
  assert.equal((JSON.parse(down.body) as { error: { code: string } }).error.code, "InternalServerError");
  assert.ok(warnings.some((w) => w.includes(`store postgres://postgres@127.0.0.1:${server.port}/postgres is unreachable`)), warnings.join("\n"));
  server.resume();
  assert.equal((await get(path)).status, 200);
});

test("two labs on one database: an issuer key one lab rotates in is published by the other at once (LISTEN/NOTIFY), and its tokens verify there", async () => {
  const db = await testDatabase();
  cleanups.push(db.drop);
  const stores = [await openStore(db.url), await openStore(db.url)];
  cleanups.push(async () => {
    for (const s of stores) await s.close();
  });
  const clocks = [new LabClock(), new LabClock()];
  const [a, b] = stores.map((s, i) => new ServiceAccountIssuer(s, clocks[i]!, new Random()));
  const kids = async (i: ServiceAccountIssuer) => (await i.jwks("c1")).keys.map((k) => k.kid as string);
  const first = await kids(a!);
  assert.deepEqual(await kids(b!), first, "the other lab publishes the first key");
  clocks[0]!.advance(ROTATION_MS); // only lab A's clock: lab A rotates, lab B would not by itself
  const rotated = await kids(a!);
  assert.equal(rotated.length, 2);
  for (let i = 0; i < 1000 && (await kids(b!)).length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(await kids(b!), rotated);
  clocks[1]!.advance(ROTATION_MS);
  const claims = { issuer: "https://issuer.example/c1", audiences: ["api://AzureADTokenExchange"], expirationSeconds: 3600, namespace: "default", serviceAccount: { name: "sa", uid: "u" } };
  const signed = await a!.sign("c1", claims);
  assert.equal(signed.kid, rotated[1]);
  assert.ok(await b!.verify("c1", signed.token, claims.issuer), "lab B verifies lab A's token signed with the new key");
  assert.deepEqual(await kids(b!), rotated, "lab B made no key of its own");
});

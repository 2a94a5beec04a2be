// The SQLite store, in memory: the Store/Tx contract (src/store/Store.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { SqliteStore } from "../../src/store/SqliteStore.js";
import type { ListOptions } from "../../src/store/Store.js";

interface Rec {
  n: number;
  tags?: string[];
}

async function withStore(fn: (s: SqliteStore) => Promise<void>): Promise<void> {
  const s = new SqliteStore(":memory:");
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

/** A promise plus its resolver. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

/** Lets every queued microtask and a few macrotasks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

test("SqliteStore: put then get returns an equal value; a missing id is undefined", () =>
  withStore(async (s) => {
    await s.write((tx) => tx.put<Rec>("thing", "a", { n: 1, tags: ["x", "y"] }));
    assert.deepEqual(await s.read((tx) => tx.get<Rec>("thing", "a")), { n: 1, tags: ["x", "y"] });
    assert.equal(await s.read((tx) => tx.get<Rec>("thing", "b")), undefined);
    assert.equal(await s.read((tx) => tx.get<Rec>("other", "a")), undefined, "kinds are separate");
  }));

test("SqliteStore: put overwrites", () =>
  withStore(async (s) => {
    await s.write((tx) => tx.put<Rec>("thing", "a", { n: 1 }));
    await s.write((tx) => tx.put<Rec>("thing", "a", { n: 2 }));
    assert.deepEqual(await s.read((tx) => tx.get<Rec>("thing", "a")), { n: 2 });
    assert.equal(await s.read((tx) => tx.count("thing")), 1);
  }));

test("SqliteStore: insert adds only when absent and keeps the first value", () =>
  withStore(async (s) => {
    const results = await s.write(async (tx) => [
      await tx.insert<Rec>("thing", "a", { n: 1 }),
      await tx.insert<Rec>("thing", "a", { n: 2 }),
      await tx.insert<Rec>("other", "a", { n: 3 }),
    ]);
    assert.deepEqual(results, [true, false, true]);
    assert.deepEqual(await s.read((tx) => tx.get<Rec>("thing", "a")), { n: 1 });
    assert.deepEqual(await s.read((tx) => tx.get<Rec>("other", "a")), { n: 3 });
  }));

test("SqliteStore: delete reports whether something was deleted", () =>
  withStore(async (s) => {
    await s.write((tx) => tx.put<Rec>("thing", "a", { n: 1 }));
    assert.equal(await s.write((tx) => tx.delete("thing", "a")), true);
    assert.equal(await s.write((tx) => tx.delete("thing", "a")), false);
    assert.equal(await s.write((tx) => tx.delete("nothing", "zzz")), false);
    assert.equal(await s.read((tx) => tx.get<Rec>("thing", "a")), undefined);
  }));

// Fixture: kind "child" under parents p1 (ids c, a, e, b, d) and p2 (ids f, g); kind "other" under p1.
async function seed(s: SqliteStore): Promise<void> {
  await s.write(async (tx) => {
    for (const [id, n] of [["p1/c", 3], ["p1/a", 1], ["p1/e", 5], ["p1/b", 2], ["p1/d", 4]] as const) await tx.put<Rec>("child", id, { n }, "p1");
    for (const [id, n] of [["p2/f", 6], ["p2/g", 7]] as const) await tx.put<Rec>("child", id, { n }, "p2");
    await tx.put<Rec>("other", "p1/z", { n: 99 }, "p1");
    await tx.put<Rec>("child", "orphan", { n: 0 });
  });
}

const LIST_ROWS: [label: string, options: ListOptions | undefined, ids: string[]][] = [
  ["all of a kind, ordered by id", undefined, ["orphan", "p1/a", "p1/b", "p1/c", "p1/d", "p1/e", "p2/f", "p2/g"]],
  ["by parent p1", { parent: "p1" }, ["p1/a", "p1/b", "p1/c", "p1/d", "p1/e"]],
  ["by parent p2", { parent: "p2" }, ["p2/f", "p2/g"]],
  ["by unknown parent", { parent: "p3" }, []],
  ["page 1 (limit 2)", { parent: "p1", limit: 2 }, ["p1/a", "p1/b"]],
  ["page 2 (after p1/b, limit 2)", { parent: "p1", after: "p1/b", limit: 2 }, ["p1/c", "p1/d"]],
  ["page 3 (after p1/d, limit 2)", { parent: "p1", after: "p1/d", limit: 2 }, ["p1/e"]],
  ["past the end", { parent: "p1", after: "p1/e", limit: 2 }, []],
  ["after an id that does not exist", { parent: "p1", after: "p1/bb" }, ["p1/c", "p1/d", "p1/e"]],
  ["after without parent", { after: "p1/e" }, ["p2/f", "p2/g"]],
  ["limit without parent", { limit: 3 }, ["orphan", "p1/a", "p1/b"]],
];
for (const [label, options, ids] of LIST_ROWS) {
  test(`SqliteStore.list: ${label} → ${JSON.stringify(ids)}`, () =>
    withStore(async (s) => {
      await seed(s);
      const rows = await s.read((tx) => tx.list<Rec>("child", options));
      assert.deepEqual(
        rows.map((r) => r.id),
        ids,
      );
      for (const r of rows) assert.equal(typeof r.value.n, "number", "rows carry their values");
    }));
}

test("SqliteStore.list: walking pages with the last id of each page visits every row once, in order", () =>
  withStore(async (s) => {
    await seed(s);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await s.read((tx) => tx.list<Rec>("child", { parent: "p1", after, limit: 2 }));
      if (page.length === 0) break;
      seen.push(...page.map((r) => r.id));
      after = page[page.length - 1]!.id;
    }
    assert.deepEqual(seen, ["p1/a", "p1/b", "p1/c", "p1/d", "p1/e"]);
  }));

const COUNT_ROWS: [kind: string, parent: string | undefined, n: number][] = [
  ["child", undefined, 8],
  ["child", "p1", 5],
  ["child", "p2", 2],
  ["child", "p3", 0],
  ["other", undefined, 1],
  ["other", "p1", 1],
  ["none", undefined, 0],
];
for (const [kind, parent, n] of COUNT_ROWS) {
  test(`SqliteStore.count(${kind}, ${parent}) → ${n}`, () =>
    withStore(async (s) => {
      await seed(s);
      assert.equal(await s.read((tx) => tx.count(kind, parent)), n);
    }));
}

test("SqliteStore.deleteChildren deletes one kind under one parent and returns how many", () =>
  withStore(async (s) => {
    await seed(s);
    assert.equal(await s.write((tx) => tx.deleteChildren("child", "p1")), 5);
    assert.equal(await s.read((tx) => tx.count("child", "p1")), 0);
    assert.equal(await s.read((tx) => tx.count("child", "p2")), 2, "other parents untouched");
    assert.equal(await s.read((tx) => tx.count("other", "p1")), 1, "other kinds untouched");
    assert.ok(await s.read((tx) => tx.get<Rec>("child", "orphan")), "records without parent untouched");
    assert.equal(await s.write((tx) => tx.deleteChildren("child", "p1")), 0);
  }));

test("SqliteStore: a write that throws is rolled back and rejects with its error", () =>
  withStore(async (s) => {
    await s.write((tx) => tx.put<Rec>("thing", "kept", { n: 1 }));
    const boom = new Error("boom");
    await assert.rejects(
      s.write(async (tx) => {
        await tx.put<Rec>("thing", "kept", { n: 2 });
        await tx.put<Rec>("thing", "new", { n: 3 });
        await tx.delete("thing", "kept");
        await new Promise((r) => setImmediate(r));
        throw boom;
      }),
      (err) => err === boom,
    );
    assert.deepEqual(await s.read((tx) => tx.get<Rec>("thing", "kept")), { n: 1 });
    assert.equal(await s.read((tx) => tx.get<Rec>("thing", "new")), undefined);
    assert.equal(await s.read((tx) => tx.count("thing")), 1);
    // the store is usable afterwards
    await s.write((tx) => tx.put<Rec>("thing", "after", { n: 4 }));
    assert.deepEqual(await s.read((tx) => tx.get<Rec>("thing", "after")), { n: 4 });
  }));

test("SqliteStore: write resolves with the function's result", () =>
  withStore(async (s) => {
    assert.equal(await s.write(async () => 42), 42);
    assert.deepEqual(await s.read(async () => ({ ok: true })), { ok: true });
  }));

test("SqliteStore: concurrent writes are serialised, without interleaving", () =>
  withStore(async (s) => {
    const log: string[] = [];
    const g = gate();
    const first = s.write(async (tx) => {
      log.push("A1");
      await tx.put<Rec>("thing", "x", { n: 1 });
      await g.wait;
      await tx.put<Rec>("thing", "x", { n: 2 });
      log.push("A2");
      return "A";
    });
    const second = s.write(async (tx) => {
      log.push("B1");
      const seen = await tx.get<Rec>("thing", "x");
      log.push(`B saw ${seen?.n}`);
      await tx.put<Rec>("thing", "x", { n: 10 });
      log.push("B2");
      return "B";
    });
    await settle();
    assert.deepEqual(log, ["A1"], "the second write must not start while the first is open");
    g.open();
    assert.deepEqual(await Promise.all([first, second]), ["A", "B"]);
    assert.deepEqual(log, ["A1", "A2", "B1", "B saw 2", "B2"]);
    assert.deepEqual(await s.read((tx) => tx.get<Rec>("thing", "x")), { n: 10 });
  }));

test("SqliteStore: a write queued behind a failing write still runs and commits", () =>
  withStore(async (s) => {
    const g = gate();
    const failing = s.write(async (tx) => {
      await tx.put<Rec>("thing", "bad", { n: 1 });
      await g.wait;
      throw new Error("fail");
    });
    const next = s.write((tx) => tx.put<Rec>("thing", "good", { n: 2 }));
    g.open();
    await assert.rejects(failing, /fail/);
    await next;
    assert.equal(await s.read((tx) => tx.get<Rec>("thing", "bad")), undefined);
    assert.deepEqual(await s.read((tx) => tx.get<Rec>("thing", "good")), { n: 2 });
  }));

test("SqliteStore: a read issued during an open write sees only committed state", () =>
  withStore(async (s) => {
    await s.write((tx) => tx.put<Rec>("thing", "x", { n: 1 }));
    const g = gate();
    const w = s.write(async (tx) => {
      await tx.put<Rec>("thing", "x", { n: 2 });
      await g.wait;
      throw new Error("abort");
    });
    const r = s.read((tx) => tx.get<Rec>("thing", "x"));
    await settle();
    g.open();
    await assert.rejects(w, /abort/);
    assert.deepEqual(await r, { n: 1 }, "the uncommitted (and rolled back) value must never be visible");
  }));

test("SqliteStore: description names the in-memory database", () => {
  const s = new SqliteStore(":memory:");
  assert.match(s.description, /memory/);
  return s.close();
});

// One Store/Tx contract (src/store/Store.ts), one suite, every backend: SQLite in memory (`--memory`), SQLite in a
// file (the default), and PostgreSQL (`--store postgres://…`, on the run's throwaway server: test/helpers/postgres.ts).
// PostgreSQL also runs the races between two stores on one database, i.e. two lab processes.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore, openStore, type ListOptions, type Store } from "../../src/store/index.js";
import { testDatabase } from "../helpers/postgres.js";

interface Rec {
  n: number;
  tags?: string[];
}

interface Backend {
  /** A fresh, empty store (one per test). */
  open(): Promise<Store>;
  /** A second store on the same database as the last `open()`, as another lab process would have. */
  second?(): Promise<Store>;
  teardown(): Promise<void>;
}

function memoryBackend(): Backend {
  return { open: async () => new SqliteStore(":memory:"), teardown: async () => undefined };
}

function sqliteFileBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), "wilab-conformance-"));
  let n = 0;
  return { open: async () => new SqliteStore(join(dir, `lab-${n++}.db`)), teardown: async () => rmSync(dir, { recursive: true, force: true }) };
}

function postgresBackend(): Backend {
  const dbs: { url: string; drop: () => Promise<void> }[] = [];
  return {
    open: async () => {
      const db = await testDatabase();
      dbs.push(db);
      return openStore(db.url);
    },
    second: async () => openStore(dbs[dbs.length - 1]!.url),
    teardown: async () => {
      for (const db of dbs) await db.drop();
    },
  };
}

/** Waits for `check` to hold, polling; fails after 10 s (notifications from PostgreSQL arrive asynchronously). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), "not within 10 s");
}

/**
 * A store that listens on its own connection (PostgreSQL) first tells subscribers "*" (drop your caches) when
 * LISTEN takes effect; wait for that, so that later notifications are not missed. SQLite delivers in-process at once.
 */
async function settleListening(s: Store, got: string[]): Promise<void> {
  if (s.description.startsWith("postgres://")) await until(() => got.includes("*") && got.includes("b:*"));
  got.length = 0;
}

/** A promise plus its resolver. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

const tick = () => new Promise((r) => setImmediate(r));

// Fixture: kind "child" under parents p1 (ids c, a, e, b, d) and p2 (ids f, g); kind "other" under p1.
async function seed(s: Store): Promise<void> {
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
  ["by unknown parent", { parent: "p3" }, []],
  ["page 2 (after p1/b, limit 2)", { parent: "p1", after: "p1/b", limit: 2 }, ["p1/c", "p1/d"]],
  ["past the end", { parent: "p1", after: "p1/e", limit: 2 }, []],
  ["after an id that does not exist", { parent: "p1", after: "p1/bb" }, ["p1/c", "p1/d", "p1/e"]],
  ["after without parent", { after: "p1/e" }, ["p2/f", "p2/g"]],
  ["limit without parent", { limit: 3 }, ["orphan", "p1/a", "p1/b"]],
  ["limit 0", { limit: 0 }, []],
];

/** Values every store must give back exactly as JSON.parse(JSON.stringify(v)) would. */
const AWKWARD: [label: string, value: unknown][] = [
  ["unicode: accents, CJK, emoji, combining marks, RTL, line separators", { s: "é ü ß 漢字 🎉👩‍👩‍👧 e\u0301 مرحبا \u2028\u2029 \t\n\"\\/", "ключ 🔑": "значение" }],
  ["NUL characters and a lone surrogate (PostgreSQL's jsonb would refuse both)", { nul: "a\u0000b", lone: "x\ud800y", list: ["\u0000"] }],
  ["strings and keys holding escape sequences as text", { s: '{"a":"\\u0000"}', "\\u0000": "\\ud800" }],
  ["nested 60 levels deep", Array.from({ length: 60 }).reduce<unknown>((inner, _v, i) => ({ level: i, list: [{ inner }] }), "bottom")],
  ["numbers, booleans, nulls, empty containers", { zero: 0, neg: -12.5, big: 1e300, small: 5e-324, max: Number.MAX_SAFE_INTEGER, t: true, f: false, nul: null, o: {}, a: [], s: "" }],
  ["keys with dots, dollars, spaces and numbers", { "a.b": 1, $ref: "#/x", "with space": 2, "10": "ten", "2": "two" }],
  ["a 2 MB string", { blob: "0123456789abcdef".repeat(131072) }],
  ["10,000 small records in an array", { items: Array.from({ length: 10000 }, (_v, i) => ({ i, name: `item-${i}`, ok: i % 2 === 0 })) }],
  ["a bare number (kube's resourceVersion counter)", 41],
  ["a bare string", "just a string"],
  ["a bare array", [1, "two", { three: 3 }, null]],
];

function conformance(makeBackend: () => Backend): void {
  const backend = makeBackend();
  const stores: Store[] = [];
  const open = async () => {
    const s = await backend.open();
    stores.push(s);
    return s;
  };
  const withStore = (fn: (s: Store) => Promise<void>) => async () => {
    const s = await open();
    await fn(s);
  };
  after(async () => {
    for (const s of stores) await s.close();
    await backend.teardown();
  });
  recordTests(withStore);
  transactionTests(withStore);
  valueTests(withStore);
  if (backend.second) twoProcesses(open, backend.second.bind(backend), stores);
}

type WithStore = (fn: (s: Store) => Promise<void>) => () => Promise<void>;

/** get, put, insert, delete, list, count, deleteChildren. */
function recordTests(withStore: WithStore): void {
  test("put then get returns an equal value; a missing id is undefined; kinds are separate", withStore(async (s) => {
    await s.write((tx) => tx.put<Rec>("thing", "a", { n: 1, tags: ["x", "y"] }));
    assert.deepEqual(await s.read((tx) => tx.get<Rec>("thing", "a")), { n: 1, tags: ["x", "y"] });
    assert.equal(await s.read((tx) => tx.get<Rec>("thing", "b")), undefined);
    assert.equal(await s.read((tx) => tx.get<Rec>("other", "a")), undefined);
  }));

  test("put overwrites the value and the parent", withStore(async (s) => {
    await s.write((tx) => tx.put<Rec>("thing", "a", { n: 1 }, "p1"));
    await s.write((tx) => tx.put<Rec>("thing", "a", { n: 2 }, "p2"));
    assert.deepEqual(await s.read((tx) => tx.get<Rec>("thing", "a")), { n: 2 });
    assert.deepEqual([await s.read((tx) => tx.count("thing", "p1")), await s.read((tx) => tx.count("thing", "p2"))], [0, 1]);
  }));

  test("insert adds only when absent and keeps the first value", withStore(async (s) => {
    const results = await s.write(async (tx) => [await tx.insert<Rec>("thing", "a", { n: 1 }), await tx.insert<Rec>("thing", "a", { n: 2 }), await tx.insert<Rec>("other", "a", { n: 3 })]);
    assert.deepEqual(results, [true, false, true]);
    assert.deepEqual(await s.read((tx) => tx.get<Rec>("thing", "a")), { n: 1 });
  }));

  test("delete reports whether something was deleted", withStore(async (s) => {
    await s.write((tx) => tx.put<Rec>("thing", "a", { n: 1 }));
    assert.deepEqual([await s.write((tx) => tx.delete("thing", "a")), await s.write((tx) => tx.delete("thing", "a"))], [true, false]);
    assert.equal(await s.read((tx) => tx.get<Rec>("thing", "a")), undefined);
  }));

  test("list: parent, after, limit, ordered by id", withStore(async (s) => {
    await seed(s);
    for (const [label, options, ids] of LIST_ROWS) {
      const rows = await s.read((tx) => tx.list<Rec>("child", options));
      assert.deepEqual(rows.map((r) => r.id), ids, label);
      for (const r of rows) assert.equal(typeof r.value.n, "number", `${label}: rows carry their values`);
    }
  }));

  test("list orders ids byte-wise (as SQLite does), whatever the database's collation", withStore(async (s) => {
    const ids = ["b", "B", "a-b", "a/b", "a_b", "a.b", "a~", "aa", "a", "10", "9", "é", "z", "Z", "~", "ab", "a b"];
    await s.write(async (tx) => {
      for (const id of ids) await tx.put("ord", id, { id }, "p");
    });
    const expected = [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual((await s.read((tx) => tx.list("ord"))).map((r) => r.id), expected);
    assert.deepEqual((await s.read((tx) => tx.list("ord", { parent: "p", after: "a/b", limit: 4 }))).map((r) => r.id), expected.slice(expected.indexOf("a/b") + 1, expected.indexOf("a/b") + 5));
  }));

  test("count and deleteChildren, by kind and parent", withStore(async (s) => {
    await seed(s);
    const counts = await s.read(async (tx) => [await tx.count("child"), await tx.count("child", "p1"), await tx.count("child", "p3"), await tx.count("other"), await tx.count("none")]);
    assert.deepEqual(counts, [8, 5, 0, 1, 0]);
    assert.equal(await s.write((tx) => tx.deleteChildren("child", "p1")), 5);
    assert.deepEqual(await s.read(async (tx) => [await tx.count("child", "p1"), await tx.count("child", "p2"), await tx.count("other", "p1"), await tx.count("child")]), [0, 2, 1, 3]);
    assert.equal(await s.write((tx) => tx.deleteChildren("child", "p1")), 0);
  }));

}

/** Rollback, commit visibility, concurrency within one store. */
function transactionTests(withStore: WithStore): void {
  test("a write that throws is rolled back and rejects with its own error; the store stays usable", withStore(async (s) => {
    await s.write((tx) => tx.put<Rec>("thing", "kept", { n: 1 }));
    const boom = new Error("boom");
    await assert.rejects(
      s.write(async (tx) => {
        await tx.put<Rec>("thing", "kept", { n: 2 });
        await tx.put<Rec>("thing", "new", { n: 3 });
        await tick();
        throw boom;
      }),
      (err) => err === boom,
    );
    assert.deepEqual(await s.read((tx) => tx.get<Rec>("thing", "kept")), { n: 1 });
    assert.equal(await s.read((tx) => tx.get<Rec>("thing", "new")), undefined);
    assert.equal(await s.write(async (tx) => (await tx.put("thing", "after", { n: 4 }), 42)), 42);
  }));

  test("a write's changes are never seen before it commits, and are seen all at once after", withStore(async (s) => {
    await s.write(async (tx) => (await tx.put<Rec>("thing", "x", { n: 1 }), await tx.put<Rec>("thing", "z", { n: 1 })));
    const g = gate();
    const writing = s.write(async (tx) => {
      await tx.put<Rec>("thing", "x", { n: 2 });
      await tx.put<Rec>("thing", "y", { n: 2 });
      await tx.delete("thing", "z");
      await g.wait;
      return "done";
    });
    await tick();
    let readBeforeCommit = false as boolean;
    const during = s.read(async (tx) => [await tx.get<Rec>("thing", "x"), await tx.get<Rec>("thing", "y"), await tx.get<Rec>("thing", "z")]);
    // A read runs beside the open write (PostgreSQL) or waits for its commit (SQLite): give the first kind a moment.
    await Promise.race([during.then(() => (readBeforeCommit = true)), new Promise((r) => setTimeout(r, 300))]);
    const finishedBeforeCommit = readBeforeCommit;
    g.open();
    assert.equal(await writing, "done");
    const seen = JSON.stringify(await during);
    const before = JSON.stringify([{ n: 1 }, undefined, { n: 1 }]);
    const afterCommit = JSON.stringify([{ n: 2 }, { n: 2 }, undefined]);
    assert.ok(seen === before || seen === afterCommit, `all of the write or none of it: ${seen}`);
    if (finishedBeforeCommit) assert.equal(seen, before, "a read that finished before the commit saw none of it");
    assert.deepEqual(await s.read(async (tx) => [await tx.get<Rec>("thing", "y"), await tx.get<Rec>("thing", "z")]), [{ n: 2 }, undefined], "visible once the write resolved");
  }));

  test("30 concurrent read-modify-write increments lose none", withStore(async (s) => {
    await Promise.all(Array.from({ length: 30 }, () => s.write(async (tx) => {
      const n = (await tx.get<number>("counter", "c")) ?? 0;
      await tick();
      await tx.put("counter", "c", n + 1);
    })));
    assert.equal(await s.read((tx) => tx.get<number>("counter", "c")), 30);
  }));

  test("10 concurrent inserts of one id: exactly one wins", withStore(async (s) => {
    const wins = await Promise.all(Array.from({ length: 10 }, (_v, i) => s.write((tx) => tx.insert("thing", "same", { i }))));
    assert.equal(wins.filter(Boolean).length, 1);
    assert.deepEqual(await s.read((tx) => tx.get("thing", "same")), { i: wins.indexOf(true) });
  }));

}

/** What values come back as, and notifications. */
function valueTests(withStore: WithStore): void {
  test("objects keep their key order (faces answer in stored order and compare JSON text)", withStore(async (s) => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", uid: "u", labels: { zeta: "1", alpha: "2" } }, spec: { tolerations: [{ key: "k", operator: "Exists", effect: "NoSchedule" }] }, status: { phase: "Running" } };
    await s.write((tx) => tx.put("ordered", "p", pod));
    assert.equal(JSON.stringify(await s.read((tx) => tx.get("ordered", "p"))), JSON.stringify(pod));
    assert.equal(JSON.stringify((await s.read((tx) => tx.list("ordered")))[0]?.value), JSON.stringify(pod));
  }));

  test("notify reaches subscribers once the write commits, never from a rolled-back write, and only from writes", withStore(async (s) => {
    const got: string[] = [];
    const off = s.subscribe("topic-a", (p) => got.push(p));
    s.subscribe("topic-b", (p) => got.push(`b:${p}`));
    await settleListening(s, got);
    const g = gate();
    const writing = s.write(async (tx) => {
      await tx.notify("topic-a", "first");
      await g.wait;
    });
    await tick();
    assert.equal(got.length, 0, "nothing before the commit");
    g.open();
    await writing;
    await s.write(async (tx) => {
      await tx.notify("topic-a", "second");
      await tx.notify("topic-b", "x");
    });
    await assert.rejects(s.write(async (tx) => {
      await tx.notify("topic-a", "rolled back");
      throw new Error("boom");
    }));
    await assert.rejects(s.read((tx) => tx.notify("topic-a", "from a read")), /needs a write transaction/);
    await until(() => got.includes("b:x"));
    off();
    await s.write((tx) => tx.notify("topic-a", "after unsubscribing"));
    await s.write((tx) => tx.notify("topic-b", "last"));
    await until(() => got.includes("b:last"));
    assert.deepEqual(got, ["first", "second", "b:x", "b:last"]);
  }));

  test("awkward values round-trip exactly", withStore(async (s) => {
    for (const [label, value] of AWKWARD) {
      await s.write((tx) => tx.put("awkward", label, value));
      const back = await s.read((tx) => tx.get("awkward", label));
      assert.deepEqual(back, JSON.parse(JSON.stringify(value)), label);
      const listed = await s.read((tx) => tx.list("awkward", { after: label.slice(0, -1), limit: 1 }));
      assert.deepEqual(listed[0]?.value, JSON.parse(JSON.stringify(value)), `${label} (through list)`);
    }
  }));
}

/** Two stores on one database, as two lab processes: the database, not the process, keeps them consistent. */
function twoProcesses(open: () => Promise<Store>, second: () => Promise<Store>, stores: Store[]): void {
  const pair = async (): Promise<[Store, Store]> => {
    const a = await open();
    const b = await second();
    stores.push(b);
    return [a, b];
  };

  test("two processes: 2 × 20 concurrent increments of one counter lose none", async () => {
    const [a, b] = await pair();
    const bump = (s: Store) => s.write(async (tx) => {
      const n = (await tx.get<number>("counter", "c")) ?? 0;
      await tick();
      await tx.put("counter", "c", n + 1);
      return n + 1;
    });
    const handedOut = await Promise.all(Array.from({ length: 20 }, () => [bump(a), bump(b)]).flat());
    assert.equal(await a.read((tx) => tx.get<number>("counter", "c")), 40);
    assert.deepEqual([...handedOut].sort((x, y) => x - y), Array.from({ length: 40 }, (_v, i) => i + 1), "every value handed out once");
  });

  test("two processes: same-name creates (get, refuse if present, put) give exactly one winner", async () => {
    const [a, b] = await pair();
    for (let round = 0; round < 5; round++) {
      const create = (s: Store, who: string) => s.write(async (tx) => {
        if (await tx.get("thing", `name-${round}`)) return "AlreadyExists";
        await tick();
        await tx.put("thing", `name-${round}`, { who });
        return who;
      });
      const answers = await Promise.all([create(a, "a1"), create(b, "b1"), create(a, "a2"), create(b, "b2")]);
      const winners = answers.filter((x) => x !== "AlreadyExists");
      assert.equal(winners.length, 1, `round ${round}: ${answers.join(", ")}`);
      assert.deepEqual(await b.read((tx) => tx.get("thing", `name-${round}`)), { who: winners[0] });
    }
  });

  test("two processes: racing inserts of one id give exactly one winner", async () => {
    const [a, b] = await pair();
    const wins = await Promise.all(Array.from({ length: 8 }, (_v, i) => (i % 2 ? a : b).write((tx) => tx.insert("thing", "same", { i }))));
    assert.equal(wins.filter(Boolean).length, 1);
  });

  test("two processes: an open write is invisible to the other until it commits, then visible at once", async () => {
    const [a, b] = await pair();
    const g = gate();
    const writing = a.write(async (tx) => {
      await tx.put("thing", "x", { n: 1 });
      await g.wait;
    });
    await tick();
    assert.equal(await b.read((tx) => tx.get("thing", "x")), undefined, "not before the commit");
    g.open();
    await writing;
    assert.deepEqual(await b.read((tx) => tx.get("thing", "x")), { n: 1 }, "as soon as the write resolved");
  });
}

for (const [name, make] of [["memory", memoryBackend], ["sqlite (file)", sqliteFileBackend], ["postgres", postgresBackend]] as const) {
  describe(`store conformance: ${name}`, () => conformance(make));
}

// The marked /etc/hosts block, against a temp file: the user's lines stay untouched; stale blocks go.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EtcHosts } from "../../src/platform/etcHosts.js";

const USER = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost", "", "# my own comment", "10.0.0.5 build-server"].join("\n") + "\n";
const DEAD_PID = 2147483646;

function tempHosts(content: string): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "wilab-hosts-"));
  const path = join(dir, "hosts");
  writeFileSync(path, content);
  return { path, done: () => rmSync(dir, { recursive: true, force: true }) };
}

function block(pid: number, lines: string[]): string {
  return [`# >>> wilab pid=${pid} (managed by wilab; removed when it stops)`, ...lines, `# <<< wilab pid=${pid}`].join("\n") + "\n";
}

/** Lines of the file outside any wilab block. */
function userLines(text: string): string[] {
  const out: string[] = [];
  let inside = false;
  for (const l of text.split("\n")) {
    if (l.startsWith("# >>> wilab")) inside = true;
    else if (l.startsWith("# <<< wilab")) inside = false;
    else if (!inside) out.push(l);
  }
  return out;
}

/** The lines of the block owned by `pid`, or undefined if there is none. */
function blockOf(text: string, pid: number): string[] | undefined {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith("# >>> wilab") && l.includes(`pid=${pid} `));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && l.startsWith("# <<< wilab"));
  assert.ok(end > start, "block is not terminated");
  return lines.slice(start + 1, end);
}

interface Row {
  label: string;
  initial: string;
  run: (h: EtcHosts, path: string) => void;
  /** Expected exact file content, or a check. */
  expect: string | ((text: string) => void);
}

const ROWS: Row[] = [
  {
    label: "add writes one block with lower-cased names and keeps the user's lines",
    initial: USER,
    run: (h) => h.add(["kv1.vault.localhost", "Login.MicrosoftOnline.com"]),
    expect: (t) => {
      assert.ok(t.startsWith(USER.trimEnd()), "user's lines come first, unchanged");
      assert.deepEqual(blockOf(t, process.pid)?.slice().sort(), ["127.0.0.1 kv1.vault.localhost", "127.0.0.1 login.microsoftonline.com"]);
    },
  },
  {
    label: "add then clear restores the file byte for byte",
    initial: USER,
    run: (h) => {
      h.add(["kv1.vault.localhost", "management.azure.com"]);
      h.clear();
    },
    expect: USER,
  },
  {
    label: "add then remove every name restores the file byte for byte",
    initial: USER,
    run: (h) => {
      h.add(["a.example", "b.example"]);
      h.remove(["a.example"]);
      h.remove(["B.EXAMPLE"]);
    },
    expect: USER,
  },
  {
    label: "remove one name keeps the other",
    initial: USER,
    run: (h) => {
      h.add(["a.example", "b.example"]);
      h.remove(["a.example"]);
    },
    expect: (t) => {
      assert.deepEqual(blockOf(t, process.pid), ["127.0.0.1 b.example"]);
      assert.deepEqual(userLines(t).join("\n").trimEnd(), USER.trimEnd());
    },
  },
  {
    label: "adding a name twice writes it once",
    initial: USER,
    run: (h) => {
      h.add(["a.example"]);
      h.add(["A.example", "a.example"]);
    },
    expect: (t) => assert.deepEqual(blockOf(t, process.pid), ["127.0.0.1 a.example"]),
  },
  {
    label: "two adds accumulate in one block",
    initial: USER,
    run: (h) => {
      h.add(["a.example"]);
      h.add(["b.example"]);
    },
    expect: (t) => {
      assert.equal(t.split("\n").filter((l) => l.startsWith("# >>> wilab")).length, 1);
      assert.deepEqual(blockOf(t, process.pid)?.slice().sort(), ["127.0.0.1 a.example", "127.0.0.1 b.example"]);
    },
  },
  {
    label: "clear on a file without a block leaves it untouched",
    initial: USER,
    run: (h) => h.clear(),
    expect: USER,
  },
  {
    label: "removeStale drops a dead pid's block and keeps the user's lines around it",
    initial: USER + block(DEAD_PID, ["127.0.0.1 old.example"]) + "192.168.1.1 router\n",
    run: (h) => assert.equal(h.removeStale(), 1),
    expect: (t) => {
      assert.equal(blockOf(t, DEAD_PID), undefined);
      assert.ok(!t.includes("old.example"));
      assert.deepEqual(
        userLines(t).filter((l) => l !== ""),
        [...USER.split("\n"), "192.168.1.1 router"].filter((l) => l !== ""),
      );
    },
  },
  {
    label: "removeStale keeps a live pid's block",
    initial: USER + block(process.ppid, ["127.0.0.1 live.example"]),
    run: (h) => assert.equal(h.removeStale(), 0),
    expect: USER + block(process.ppid, ["127.0.0.1 live.example"]),
  },
  {
    label: "removeStale keeps the live block and drops the dead one",
    initial: USER + block(DEAD_PID, ["127.0.0.1 old.example"]) + block(process.ppid, ["127.0.0.1 live.example"]),
    run: (h) => assert.equal(h.removeStale(), 1),
    expect: USER + block(process.ppid, ["127.0.0.1 live.example"]),
  },
  // removeStale runs at every lab start; with nothing stale it must not rewrite the user's file.
  {
    label: "removeStale with nothing stale leaves a file ending in a blank line byte for byte",
    initial: USER + "\n",
    run: (h) => assert.equal(h.removeStale(), 0),
    expect: USER + "\n",
  },
  {
    label: "removeStale with nothing stale leaves a file without a final newline byte for byte",
    initial: USER.trimEnd(),
    run: (h) => assert.equal(h.removeStale(), 0),
    expect: USER.trimEnd(),
  },
  {
    label: "add then clear restores a file ending in a blank line byte for byte",
    initial: USER + "\n",
    run: (h) => {
      h.add(["a.example"]);
      h.clear();
    },
    expect: USER + "\n",
  },
  {
    label: "clear removes only this process's block",
    initial: USER + block(process.ppid, ["127.0.0.1 live.example"]),
    run: (h) => {
      h.add(["mine.example"]);
      h.clear();
    },
    expect: USER + block(process.ppid, ["127.0.0.1 live.example"]),
  },
];

for (const row of ROWS) {
  test(`EtcHosts: ${row.label}`, () => {
    const f = tempHosts(row.initial);
    try {
      const h = new EtcHosts(f.path, process.pid);
      row.run(h, f.path);
      const text = readFileSync(f.path, "utf8");
      if (typeof row.expect === "string") assert.equal(text, row.expect);
      else row.expect(text);
      assert.ok(!existsSync(join(f.path, "..", ".wilab-hosts.lock")), "the lock file is released");
    } finally {
      f.done();
    }
  });
}

test("EtcHosts: two instances with different pids each keep their own block", () => {
  const f = tempHosts(USER);
  try {
    const mine = new EtcHosts(f.path, process.pid);
    const other = new EtcHosts(f.path, process.ppid);
    mine.add(["mine.example"]);
    other.add(["other.example"]);
    let t = readFileSync(f.path, "utf8");
    assert.deepEqual(blockOf(t, process.pid), ["127.0.0.1 mine.example"]);
    assert.deepEqual(blockOf(t, process.ppid), ["127.0.0.1 other.example"]);
    mine.clear();
    t = readFileSync(f.path, "utf8");
    assert.equal(blockOf(t, process.pid), undefined);
    assert.deepEqual(blockOf(t, process.ppid), ["127.0.0.1 other.example"]);
    other.clear();
    assert.equal(readFileSync(f.path, "utf8"), USER);
  } finally {
    f.done();
  }
});

test("EtcHosts: removeStale by an instance never removes its own block", () => {
  const f = tempHosts(USER);
  try {
    const dead = new EtcHosts(f.path, DEAD_PID);
    dead.add(["x.example"]);
    assert.equal(dead.removeStale(), 0);
    assert.deepEqual(blockOf(readFileSync(f.path, "utf8"), DEAD_PID), ["127.0.0.1 x.example"]);
    assert.equal(new EtcHosts(f.path, process.pid).removeStale(), 1);
    assert.equal(readFileSync(f.path, "utf8"), USER);
  } finally {
    f.done();
  }
});

test("EtcHosts: has, linesFor and writable", () => {
  const f = tempHosts(USER);
  try {
    const h = new EtcHosts(f.path, process.pid, "127.0.0.2");
    assert.equal(h.writable(), true);
    assert.deepEqual(h.linesFor(["a.example", "b.example"]), ["127.0.0.2 a.example", "127.0.0.2 b.example"]);
    h.add(["A.example"]);
    assert.equal(h.has("a.EXAMPLE"), true);
    assert.equal(h.has("b.example"), false);
    assert.deepEqual(blockOf(readFileSync(f.path, "utf8"), process.pid), ["127.0.0.2 a.example"]);
    assert.equal(new EtcHosts(join(f.path, "..", "missing", "hosts"), process.pid).writable(), false);
  } finally {
    f.done();
  }
});

// Retention and the record cap of the diagnostic store (src/diagnose/store.ts): one count and a bounded list per
// batch must prune exactly what a prune per PRUNE_BATCH (64) records did.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SqliteStore } from "../../src/store/index.js";
import { AuditEvents, MAX_RECORDS, RETENTION_MS, type AuditEventRecord } from "../../src/diagnose/index.js";
import { auditRecord } from "../helpers/records.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");

const audit = (i: number, time: number): AuditEventRecord => auditRecord(`a-${String(i).padStart(6, "0")}`, time, `c-${i}`);

const ids = (store: SqliteStore) => store.read(async (tx) => (await tx.list("diag:auditEvent")).map((r) => r.id.split("|")[1]));

test("records past retention go, at most 64 per 64 written, oldest first; records within it stay", async () => {
  const store = new SqliteStore(":memory:");
  const old = Array.from({ length: 100 }, (_, i) => ({ vault: "kv1", record: audit(i, T0 + i) }));
  await store.write((tx) => AuditEvents.addMany(tx, old, T0 + 1000));
  assert.equal((await ids(store)).length, 100, "nothing is past retention yet");
  const later = T0 + RETENTION_MS + 50; // records 0..49 are now past retention
  await store.write((tx) => AuditEvents.addMany(tx, [{ vault: "kv1", record: audit(200, later) }], later));
  let left = await ids(store);
  assert.equal(left.length, 101 - 50, "the 50 expired records went (under the 64 a batch of one may prune)");
  assert.equal(left[0], "a-000050");
  const muchLater = T0 + RETENTION_MS + 10_000;
  await store.write((tx) => AuditEvents.addMany(tx, [{ vault: "kv1", record: audit(201, muchLater) }], muchLater));
  left = await ids(store);
  assert.deepEqual(left, ["a-000200", "a-000201"]);
  await store.close();
});

test("a batch prunes at most ⌈n / 64⌉ × 64 expired records", async () => {
  const store = new SqliteStore(":memory:");
  const old = Array.from({ length: 200 }, (_, i) => ({ vault: "kv1", record: audit(i, T0 + i) }));
  await store.write((tx) => AuditEvents.addMany(tx, old, T0));
  const later = T0 + RETENTION_MS + 10_000;
  await store.write((tx) => AuditEvents.addMany(tx, [{ vault: "kv1", record: audit(300, later) }], later));
  assert.equal((await ids(store)).length, 201 - 64);
  await store.close();
});

test("the cap keeps the newest MAX_RECORDS", async () => {
  const store = new SqliteStore(":memory:");
  const rows = Array.from({ length: MAX_RECORDS + 10 }, (_, i) => ({ vault: "kv1", record: audit(i, T0 + i) }));
  await store.write((tx) => AuditEvents.addMany(tx, rows, T0 + MAX_RECORDS + 10));
  const left = await ids(store);
  assert.equal(left.length, MAX_RECORDS);
  assert.equal(left[0], `a-${String(10).padStart(6, "0")}`);
  await store.close();
});

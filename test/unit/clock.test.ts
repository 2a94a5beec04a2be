// The lab clock and Entra's time formats (reference §1.2 row 9 `:o`, §1.3 timestamp).
import { test } from "node:test";
import assert from "node:assert/strict";
import { LabClock, dotnetRoundTrip, entraTimestamp, parseDuration } from "../../src/platform/clock.js";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

const DURATIONS: [string, number][] = [
  ["90s", 90 * S],
  ["10m", 10 * M],
  ["24h", 24 * H],
  ["45d", 45 * D],
  ["1w", 7 * D],
  ["1d12h", D + 12 * H],
  ["1h30m", H + 30 * M],
  ["1m30s", M + 30 * S],
  ["500ms", 500],
  ["1ms", 1],
  ["0s", 0],
  ["2w3d", 17 * D],
];
for (const [text, ms] of DURATIONS) {
  test(`parseDuration(${JSON.stringify(text)}) → ${ms}`, () => {
    assert.equal(parseDuration(text), ms);
  });
}

const BAD_DURATIONS = ["", "   ", "10", "m", "10x", "-5m", "5 m", "abc", "5m!", "h5", "1y", "10m foo", "ms"];
for (const text of BAD_DURATIONS) {
  test(`parseDuration(${JSON.stringify(text)}) throws RangeError`, () => {
    assert.throws(() => parseDuration(text), RangeError);
  });
}

const ROUND_TRIP: [number, string][] = [
  [Date.UTC(2024, 9, 2, 22, 5, 3, 675), "2024-10-02T22:05:03.6750000Z"],
  // a missing nbf prints as the epoch (reference §1.2 row 9)
  [0, "1970-01-01T00:00:00.0000000Z"],
  [Date.UTC(2025, 3, 22, 1, 1, 11), "2025-04-22T01:01:11.0000000Z"],
  [Date.UTC(1999, 11, 31, 23, 59, 59, 999), "1999-12-31T23:59:59.9990000Z"],
  [Date.UTC(2025, 0, 1, 0, 0, 0, 1), "2025-01-01T00:00:00.0010000Z"],
];
for (const [ms, expected] of ROUND_TRIP) {
  test(`dotnetRoundTrip(${ms}) → ${expected}`, () => {
    const s = dotnetRoundTrip(ms);
    assert.equal(s, expected);
    assert.match(s, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/, "seven fractional digits and Z");
  });
}

const ENTRA_TS: [number, string][] = [
  [Date.UTC(2025, 3, 22, 1, 1, 11), "2025-04-22 01:01:11Z"],
  // .NET formatting truncates, it does not round
  [Date.UTC(2025, 3, 22, 1, 1, 11, 999), "2025-04-22 01:01:11Z"],
  [0, "1970-01-01 00:00:00Z"],
  [Date.UTC(2024, 11, 31, 23, 59, 59), "2024-12-31 23:59:59Z"],
];
for (const [ms, expected] of ENTRA_TS) {
  test(`entraTimestamp(${ms}) → ${expected}`, () => {
    assert.equal(entraTimestamp(ms), expected);
  });
}

/** Asserts `clock.now()` is Date.now() plus `offset`, bracketing the read between two Date.now() calls. */
function assertNowIsOffset(clock: LabClock, offset: number): void {
  const before = Date.now();
  const n = clock.now();
  const after = Date.now();
  assert.ok(n >= before + offset && n <= after + offset, `now() = ${n}, expected within [${before + offset}, ${after + offset}]`);
}

test("LabClock starts at offset 0 and reads the real time", () => {
  const c = new LabClock();
  assert.equal(c.offset(), 0);
  assertNowIsOffset(c, 0);
});

test("LabClock constructor offset is applied", () => {
  const c = new LabClock(5 * M);
  assert.equal(c.offset(), 5 * M);
  assertNowIsOffset(c, 5 * M);
});

const ADVANCES: [steps: number[], offset: number][] = [
  [[0], 0],
  [[H], H],
  [[H, 30 * M], H + 30 * M],
  [[parseDuration("45d")], 45 * D],
  [[1, 2, 3], 6],
];
for (const [steps, offset] of ADVANCES) {
  test(`LabClock.advance(${steps.join(", ")}) → offset ${offset}`, () => {
    const c = new LabClock();
    for (const s of steps) c.advance(s);
    assert.equal(c.offset(), offset);
    assertNowIsOffset(c, offset);
  });
}

test("LabClock.nowSeconds and date follow the offset", () => {
  const c = new LabClock();
  c.advance(10 * D);
  const before = Math.floor((Date.now() + 10 * D) / 1000);
  const s = c.nowSeconds();
  const after = Math.floor((Date.now() + 10 * D) / 1000);
  assert.ok(s >= before && s <= after);
  assert.ok(Number.isInteger(s));
  const b = Date.now() + 10 * D;
  const d = c.date().getTime();
  const a = Date.now() + 10 * D;
  assert.ok(d >= b && d <= a);
});

test("LabClock.reset returns to offset 0", () => {
  const c = new LabClock();
  c.advance(3 * H);
  c.reset();
  assert.equal(c.offset(), 0);
  assertNowIsOffset(c, 0);
});

const BAD_ADVANCES = [-1, -H, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
for (const ms of BAD_ADVANCES) {
  test(`LabClock.advance(${ms}) throws RangeError and leaves the offset alone`, () => {
    const c = new LabClock();
    c.advance(H);
    assert.throws(() => c.advance(ms), RangeError);
    assert.equal(c.offset(), H);
  });
}

test("LabClock.onChange listeners see every change until unsubscribed", () => {
  const c = new LabClock();
  const seen: number[] = [];
  const off = c.onChange((o) => seen.push(o));
  c.advance(M);
  c.advance(M);
  c.reset();
  off();
  c.advance(H);
  assert.deepEqual(seen, [M, 2 * M, 0]);
});

test("LabClock.advance that throws does not notify listeners", () => {
  const c = new LabClock();
  const seen: number[] = [];
  c.onChange((o) => seen.push(o));
  assert.throws(() => c.advance(-5), RangeError);
  assert.deepEqual(seen, []);
});

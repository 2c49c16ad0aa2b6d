import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Row } from "../../src/ledger/ledger.js";
import { BATCH, RowQueue } from "../../src/ledger/row-queue.js";

/** A row told apart by its time. */
const row = (time: number) => [time, null, null, "chat", null, null, null, null, null, null, 200, 1, 1, null, null, null, null, null, null, null, null] as Row;
const times = (rows: Row[]) => rows.map((r) => r[0]);

describe("RowQueue", () => {
  it("keeps rows in order, drops the oldest past its bound and counts them", () => {
    const q = new RowQueue(() => {}, 5);
    for (let t = 1; t <= 8; t++) q.add(row(t));
    q.stopTimer();
    assert.equal(q.length, 5);
    assert.equal(q.takeDropped(), 3);
    assert.equal(q.takeDropped(), 0);
    assert.deepEqual(times(q.take(2)), [4, 5]);
    q.add(row(9));
    q.add(row(10));
    q.stopTimer();
    assert.deepEqual(times(q.take()), [6, 7, 8, 9, 10]);
    assert.equal(q.length, 0);
  });

  it("puts a failed batch back in front, as much of it as there is room for", () => {
    const q = new RowQueue(() => {}, 4);
    for (let t = 1; t <= 4; t++) q.add(row(t));
    const batch = q.take(3);
    q.add(row(5));
    q.add(row(6));
    q.stopTimer();
    q.putBack(batch); // room for one: the oldest of the batch
    assert.deepEqual(times(q.take()), [1, 4, 5, 6]);
    q.putBack([row(7), row(8)]);
    assert.deepEqual(times(q.take()), [7, 8]);
  });

  it("flushes a second after the first row, or at once when a batch is full", async () => {
    let flushed = 0;
    let done: () => void = () => {};
    const q = new RowQueue(() => {
      flushed++;
      done();
    });
    q.add(row(1));
    for (let t = 2; t <= BATCH; t++) q.add(row(t));
    // A full batch replaces the one-second timer by an immediate one.
    await new Promise<void>((resolve) => {
      done = resolve;
    });
    assert.equal(flushed, 1);
    assert.equal(q.length, BATCH);
  });

  it("keeps the newest of many more rows than it holds, wrapping around its buffer", () => {
    const q = new RowQueue(() => {}, 20_000);
    for (let t = 0; t < 200_000; t++) q.add(row(t));
    q.stopTimer();
    assert.equal(q.takeDropped(), 180_000);
    const rows = q.take();
    assert.equal(rows.length, 20_000);
    assert.equal(rows[0]![0], 180_000);
    assert.equal(rows.at(-1)![0], 199_999);
  });
});

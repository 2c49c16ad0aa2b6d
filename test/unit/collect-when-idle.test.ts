import assert from "node:assert/strict";
import { afterEach, beforeEach, mock, test } from "node:test";
import { collectWhenIdle } from "../../src/collect-when-idle.js";
import { Recorder, type RequestRecord } from "../../src/observability/recorder.js";

const MB = 1024 * 1024;
const record = (id: number): RequestRecord => ({ id, time: 0, method: "POST", path: "/v1/messages", api: "messages", status: 200, durationMs: 1, ttfbMs: 1 });

beforeEach(() => mock.timers.enable({ apis: ["setTimeout", "Date"] }));
afterEach(() => mock.timers.reset());

/** Moves the mocked clock on in 100 ms steps, so that timers set by timers run too. */
function advance(ms: number): void {
  for (let t = 0; t < ms; t += 100) mock.timers.tick(100);
}

/** A recorder, a resident size the test sets, and the collections counted (each one brings RSS down to `after`). */
function setup(start: number, after: number) {
  const recorder = new Recorder();
  const state = { rss: start, collections: 0 };
  const stop = collectWhenIdle(recorder, {
    idleMs: 5_000,
    growthBytes: 16 * MB,
    collect: () => {
      state.collections += 1;
      state.rss = after;
    },
    rss: () => state.rss,
  });
  return { recorder, state, stop };
}

test("after a burst that grew the process, two collections once 5 s pass without a request", () => {
  const { recorder, state, stop } = setup(60 * MB, 70 * MB);
  for (let i = 0; i < 100; i++) recorder.record(record(i));
  state.rss = 150 * MB;
  advance(3_000);
  recorder.record(record(101)); // traffic goes on: the quiet period starts again
  advance(4_000);
  assert.equal(state.collections, 0, "not while requests keep coming");
  advance(1_000);
  assert.equal(state.collections, 1, "5 s after the last request");
  advance(1_000);
  assert.equal(state.collections, 2, "and once more a moment later");
  advance(60_000);
  assert.equal(state.collections, 2, "then nothing until the next request");
  stop();
});

test("no collection when the process has not grown, nor after the next burst unless it grows again", () => {
  const { recorder, state, stop } = setup(60 * MB, 100 * MB);
  recorder.record(record(1));
  state.rss = 70 * MB; // +10 MB: under the 16 MB that makes it worth a pause
  advance(10_000);
  assert.equal(state.collections, 0);
  state.rss = 130 * MB;
  recorder.record(record(2));
  advance(10_000);
  assert.equal(state.collections, 2, "grown by 70 MB: collected");
  // 100 MB is the new reference: a burst that leaves 110 MB is not collected again.
  state.rss = 110 * MB;
  recorder.record(record(3));
  advance(10_000);
  assert.equal(state.collections, 2);
  stop();
  state.rss = 200 * MB;
  recorder.record(record(4));
  advance(10_000);
  assert.equal(state.collections, 2, "stopped: no more watching");
});

test("the collection is a real full GC, and leaves no gc() behind in this context or the next", async () => {
  const { runInNewContext } = await import("node:vm");
  const { fullCollection } = await import("../../src/collect-when-idle.js");
  const collect = fullCollection();
  assert.ok(collect, "available under Node");
  // An object only a WeakRef points to is gone after a full GC (WeakRefs are kept for the current turn only).
  let ref: WeakRef<object> | undefined;
  (() => {
    ref = new WeakRef({ big: new Array(1000).fill(0) });
  })();
  await new Promise((resolve) => setImmediate(resolve));
  mock.timers.reset();
  collect();
  assert.equal(ref!.deref(), undefined, "collected");
  assert.equal((globalThis as { gc?: unknown }).gc, undefined);
  assert.equal(runInNewContext("typeof gc"), "undefined", "--expose-gc was set back");
});

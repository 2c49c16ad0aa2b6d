import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Cell, CELLS, cellModels } from "../helpers/cells.js";
import { Agent, runDisconnectRound } from "../helpers/disconnect-round.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { processListeners, recorderListeners, seededRandom, settledHeap, until } from "../helpers/reliability.js";
import { within } from "../helpers/stream-check.js";

/**
 * 200 concurrent streams over every client path, about 60% of whose clients leave at a random
 * point. Once everything settles: no upstream request is still running and every client that left
 * mid-stream aborted exactly its own upstream request (none retried, none kept billing), the server
 * answers nothing any more and holds no client socket, no listener was left behind, and the heap
 * is back near its level after a warm-up round.
 *
 * Heap: measured after a forced full collection (--expose-gc switched on at run time, see
 * helpers/reliability.ts). Observed growth is under 1 MB; the bound (HEAP_BOUND) is well below what
 * leaking the round's streams would cost (their buffers, parsers and closures come to ~10 MB).
 *
 * The seed is fixed so a failure replays; RELIABILITY_SEED picks another mix.
 */
const STREAMS = 200;
const SEED = Number(process.env.RELIABILITY_SEED ?? 20240611);
const HEAP_BOUND = 4 * 1024 * 1024;

describe("200 concurrent streams with random client disconnects", () => {
  let h: Harness;
  let cells: Cell[];
  before(async () => {
    // Each event 5 ms apart: a left stream (400 words) still has seconds to go when its client leaves.
    h = await startHarness({ fake: { models: cellModels(), paceMs: 5 } });
    cells = CELLS;
  });
  after(async () => {
    await h.close();
  });

  const settle = async (what: string) => {
    await within(30_000, `${what}: upstream idle`, h.fake.whenIdle());
    await until(() => h.server.stats().requests === 0, `${what}: no request in flight on the server`);
  };

  test(`${STREAMS} streams, seed ${SEED}: no upstream left running, no leak`, { timeout: 120_000 }, async () => {
    // Warm-up, a round of the same size: module caches, JIT, the recorder's ring and the keep-alive
    // pool to the upstream (one socket per concurrent stream, kept a few seconds) reach their size
    // before the baseline, so what is left to measure is what the round itself leaks.
    const warm = new Agent({ keepAliveTimeout: 1_000 });
    const warmup = await runDisconnectRound({ url: h.url, cells, streams: STREAMS, random: seededRandom(SEED ^ 0x5eed), dispatcher: warm, completeWords: 10, leftWords: 400 });
    assert.deepEqual(warmup.failures, []);
    await settle("warm-up");
    await warm.close();
    await until(() => h.server.stats().connections === 0, "warm-up client sockets closed on the server");

    const listenersBefore = processListeners();
    const recorderBefore = recorderListeners(h.runtime.recorder);
    h.fake.reset();
    const heapBefore = settledHeap();
    const abortedBefore = h.fake.abortedRequests;
    const recordsBefore = h.runtime.recorder.recent().at(-1)?.id ?? 0;

    const client = new Agent({ keepAliveTimeout: 1_000 });
    const round = await runDisconnectRound({ url: h.url, cells, streams: STREAMS, random: seededRandom(SEED), dispatcher: client, completeWords: 10, leftWords: 400 });
    assert.deepEqual(round.failures, [], `seed ${SEED}`);
    await settle("round");

    // Upstream: nothing running; each client that left after the headers aborted its own request.
    assert.equal(h.fake.activeRequests, 0);
    const left = round.fates["leave-at-headers"] + round.fates["leave-mid-stream"];
    const early = round.fates["leave-before-headers"];
    const aborted = h.fake.abortedRequests - abortedBefore;
    assert.ok(aborted >= left && aborted <= left + early, `aborted upstream requests ${aborted}, clients that left ${left} (+${early} before headers)`);
    // No retries: at most one upstream call per stream, and every stream that got headers made one.
    const calls = h.fake.calls.filter((c) => c.method === "POST").length;
    assert.ok(calls <= STREAMS && calls >= STREAMS - early, `upstream calls ${calls} for ${STREAMS} streams (${early} left before headers)`);

    // The recorder saw each answered request once, and every stream left after its headers as aborted.
    const records = h.runtime.recorder.recent().filter((r) => r.id > recordsBefore);
    assert.ok(records.length <= STREAMS && records.length >= STREAMS - early, `${records.length} records`);
    assert.equal(new Set(records.map((r) => r.id)).size, records.length);
    assert.ok(records.filter((r) => r.aborted).length >= left, "streams left by their client are recorded as aborted");

    // Sockets: once the client pool closes, the server holds no connection.
    await client.close();
    await until(() => h.server.stats().connections === 0, "client sockets closed on the server");

    // Listeners: none added to the process or to the recorder.
    assert.deepEqual(processListeners(), listenersBefore);
    assert.equal(recorderListeners(h.runtime.recorder), recorderBefore);

    // Memory: back near the baseline (the fake's call log is test data, not the server's).
    h.fake.reset();
    const growth = settledHeap() - heapBefore;
    assert.ok(growth < HEAP_BOUND, `heap grew by ${(growth / 1048576).toFixed(1)} MB after ${STREAMS} streams`);
  });
});

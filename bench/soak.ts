// `npm run soak`: the long version of the reliability tests, loopback only, bounded, stops by itself.
//
// 1. ROUNDS rounds of STREAMS concurrent streams over every client path, ~60% of whose clients leave
//    at a random point (test/helpers/disconnect-round.ts). After each round: no upstream request
//    running, aborted upstream requests match the clients that left, no request in flight on the
//    server, no client socket held, no listener added, and the heap (after a forced collection)
//    within HEAP_BOUND of the level after the first round. Each round has its own seed, printed.
// 2. The fault matrix, the bad-input and hostile-body properties, with FUZZ_RUNS times the runs and
//    the same seed (FUZZ_SEED), through Node's test runner.
//
// Settings: SOAK_ROUNDS (default 10), SOAK_STREAMS (default 500), SOAK_FUZZ_RUNS (default 10),
// RELIABILITY_SEED (default: random). Exits non-zero on the first broken invariant.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CELLS, cellModels } from "../test/helpers/cells.js";
import { Agent, runDisconnectRound } from "../test/helpers/disconnect-round.js";
import { startHarness } from "../test/helpers/harness.js";
import { processListeners, recorderListeners, seededRandom, settledHeap, until } from "../test/helpers/reliability.js";
import { within } from "../test/helpers/stream-check.js";

const ROUNDS = Number(process.env.SOAK_ROUNDS ?? 10);
const STREAMS = Number(process.env.SOAK_STREAMS ?? 500);
const FUZZ_RUNS = Number(process.env.SOAK_FUZZ_RUNS ?? 10);
const SEED = Number(process.env.RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const HEAP_BOUND = 16 * 1024 * 1024;

function fail(message: string): never {
  console.error(`soak: FAILED: ${message}`);
  process.exit(1);
}

async function disconnectRounds(): Promise<void> {
  const h = await startHarness({ fake: { models: cellModels(), paceMs: 5 } });
  try {
    const cells = CELLS;
    let heapAfterFirst = 0;
    let listeners: Record<string, number> | undefined;
    let recorder = 0;
    console.log(`soak: ${ROUNDS} rounds × ${STREAMS} streams over ${cells.length} client paths, seed ${SEED}`);
    for (let round = 0; round < ROUNDS; round++) {
      const seed = (SEED + round) >>> 0;
      const started = performance.now();
      const abortedBefore = h.fake.abortedRequests;
      h.fake.reset();
      const client = new Agent({ keepAliveTimeout: 1_000 });
      const result = await runDisconnectRound({ url: h.url, cells, streams: STREAMS, random: seededRandom(seed), dispatcher: client, completeWords: 10, leftWords: 600 });
      if (result.failures.length > 0) fail(`round ${round} (seed ${seed}):\n  ${result.failures.slice(0, 20).join("\n  ")}`);
      await within(60_000, "upstream idle", h.fake.whenIdle());
      await until(() => h.server.stats().requests === 0, "no request in flight", 30_000);
      const left = result.fates["leave-at-headers"] + result.fates["leave-mid-stream"];
      const early = result.fates["leave-before-headers"];
      const aborted = h.fake.abortedRequests - abortedBefore;
      if (h.fake.activeRequests !== 0) fail(`round ${round}: ${h.fake.activeRequests} upstream requests still running`);
      if (aborted < left || aborted > left + early) fail(`round ${round} (seed ${seed}): ${aborted} upstream aborts for ${left} clients that left (+${early} before headers)`);
      await client.close();
      await until(() => h.server.stats().connections === 0, "client sockets closed on the server", 30_000);
      h.fake.reset();
      const heap = settledHeap();
      if (round === 0) {
        heapAfterFirst = heap;
        listeners = processListeners();
        recorder = recorderListeners(h.runtime.recorder);
      } else {
        if (JSON.stringify(processListeners()) !== JSON.stringify(listeners)) fail(`round ${round}: process listeners ${JSON.stringify(processListeners())}, were ${JSON.stringify(listeners)}`);
        if (recorderListeners(h.runtime.recorder) !== recorder) fail(`round ${round}: recorder listeners grew`);
        if (heap - heapAfterFirst > HEAP_BOUND) fail(`round ${round}: heap ${(heap / 1048576).toFixed(1)} MB, ${((heap - heapAfterFirst) / 1048576).toFixed(1)} MB above round 0`);
      }
      const ms = Math.round(performance.now() - started);
      console.log(
        `round ${String(round).padStart(2)}  seed ${seed}  ${ms} ms  ${JSON.stringify(result.fates)}  upstream aborts ${aborted}  heap ${(heap / 1048576).toFixed(1)} MB  rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`,
      );
    }
  } finally {
    await h.close();
  }
}

function runTests(files: string[]): Promise<void> {
  const runner = fileURLToPath(new URL("../../scripts/run-tests.mjs", import.meta.url));
  const env = { ...process.env, FUZZ_RUNS: String(FUZZ_RUNS), FUZZ_SEED: String(SEED), RELIABILITY_SEED: String(SEED) };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [runner, ...files.map((f) => fileURLToPath(new URL(f, import.meta.url)))], { env, stdio: "inherit" });
    child.on("exit", (code) => (code === 0 ? resolve() : fail(`the fault and bad-input tests failed (exit ${code})`)));
  });
}

await disconnectRounds();
console.log(`soak: fault matrix, bad input and hostile bodies, FUZZ_RUNS=${FUZZ_RUNS}, FUZZ_SEED=${SEED}`);
await runTests(["../test/routes/faults-matrix.test.js", "../test/routes/bad-input.test.js", "../test/unit/hostile-bodies.test.js", "../test/routes/disconnects.test.js"]);
console.log("soak: passed");

// Tools for the reliability tests and the soak: a seeded random source, an event-loop wait for a
// condition (no sleeps), heap measurement after a forced collection, and listener snapshots.
import v8 from "node:v8";
import vm from "node:vm";

/** mulberry32: a small seeded PRNG, so a failing mix of disconnects can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Yields to the event loop (setImmediate, so pending I/O such as socket closes is processed) until
 * `predicate` holds. Bounded in turns and time; throws with `what` if it never holds.
 */
export async function until(predicate: () => boolean, what: string, maxMs = 10_000): Promise<void> {
  const start = performance.now();
  while (!predicate()) {
    if (performance.now() - start > maxMs) throw new Error(`timed out after ${maxMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

let gcFn: (() => void) | undefined;

/**
 * A forced full collection without a command-line flag: the test runner starts each file's process
 * itself, so --expose-gc is switched on at run time and the `gc` function taken from a fresh context.
 */
export function forceGc(): void {
  if (!gcFn) {
    v8.setFlagsFromString("--expose-gc");
    gcFn = vm.runInNewContext("gc") as () => void;
  }
  gcFn();
  gcFn();
}

/** heapUsed in bytes after a forced collection. */
export function settledHeap(): number {
  forceGc();
  return process.memoryUsage().heapUsed;
}

/** How many listeners `process` has, per event: a snapshot to compare before and after. */
export function processListeners(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of process.eventNames()) out[String(name)] = process.listenerCount(name);
  return out;
}

/** Listeners subscribed to the runtime's recorder (dashboard streams, metrics, the request log). */
export function recorderListeners(recorder: object): number {
  const r = recorder as { listenerCount?: number; listeners?: Set<unknown> };
  return typeof r.listenerCount === "number" ? r.listenerCount : (r.listeners?.size ?? 0);
}

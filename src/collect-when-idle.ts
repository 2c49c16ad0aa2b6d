import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Logger } from "./log.js";
import type { Recorder } from "./observability/recorder.js";

/**
 * A full garbage collection once traffic has stopped, when the process has grown since the last one.
 *
 * After a burst of requests V8 keeps its grown heap (a 32 MB young generation, old-space pages)
 * until a GC that does not come: an idle server runs no JavaScript that allocates, so nothing
 * triggers one, and V8's own idle-time memory reducer was not seen to run under Node 20 (RSS
 * unchanged after 40 s idle; docs/benchmark.md). One full GC then gives back tens of MB. It runs
 * only after IDLE_MS without a finished request and only when RSS is GROWTH_BYTES above what it
 * was after start or after the previous one, so a server answering now and then is not collected
 * after every answer. A request that arrives during it waits for it (a few ms for this heap).
 */
export const IDLE_MS = 5_000;
export const GROWTH_BYTES = 16 * 1024 * 1024;
const AGAIN_AFTER_MS = 1_000;

export interface IdleCollectorOptions {
  idleMs?: number;
  growthBytes?: number;
  log?: Logger;
  /** For tests: the collection and the resident size. */
  collect?: () => void;
  rss?: () => number;
  now?: () => number;
}

/** Watches the recorder's finished requests; returns a function that stops watching. */
export function collectWhenIdle(recorder: Recorder, options: IdleCollectorOptions = {}): () => void {
  const collect = options.collect ?? fullCollection();
  const rss = options.rss ?? (() => process.memoryUsage.rss());
  if (!collect) return () => {};
  const idleMs = options.idleMs ?? IDLE_MS;
  const growth = options.growthBytes ?? GROWTH_BYTES;
  const now = options.now ?? Date.now;
  let baseline = rss();
  let lastRequest = 0;
  let requests = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const check = () => {
    timer = undefined;
    const quiet = now() - lastRequest;
    if (quiet < idleMs) {
      arm(idleMs - quiet);
      return;
    }
    const before = rss();
    if (before - baseline < growth) return;
    collect();
    // Once more a moment later: what the first collection freed (the shrunk young generation's
    // pages among it) is only given back to the system by the next one.
    timer = setTimeout(() => {
      timer = undefined;
      collect();
      baseline = rss();
      options.log?.debug(`Idle after ${requests} requests: full GC, RSS ${mb(before)} -> ${mb(baseline)} MB`);
      requests = 0;
    }, AGAIN_AFTER_MS);
    timer.unref?.();
  };
  const arm = (ms: number) => {
    timer = setTimeout(check, ms);
    // Never what keeps the process alive.
    timer.unref?.();
  };
  const unsubscribe = recorder.subscribe(() => {
    lastRequest = now();
    requests += 1;
    if (!timer) arm(idleMs);
  });
  return () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
}

const mb = (bytes: number) => (bytes / 1048576).toFixed(1);

/**
 * A synchronous full GC: Bun's own, or V8's `gc()`, which Node only gives to a context made after
 * --expose-gc is set: the flag is set for the moment a throwaway context is made and run, then unset.
 * undefined where neither is available.
 */
export function fullCollection(): (() => void) | undefined {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun) return () => bun.gc(true);
  return () => {
    setFlagsFromString("--expose-gc");
    try {
      runInNewContext("gc()");
    } finally {
      setFlagsFromString("--no-expose-gc");
    }
  };
}

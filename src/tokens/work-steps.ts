// Counting as steps that can pause, so that a large or hostile body never holds the event loop.
//
// The counters are generators: they add up "work" (characters tokenized plus merge steps, see
// bpe-count.ts) on a meter and `yield` once a slice of it is done. runToEnd() drives them straight
// through (the synchronous API, warm-up, benches); runSliced() gives the event loop a turn at every
// pause, so /health and every other request are served between two slices of a long count.
// Work is counted, not time, so the pauses fall at the same places on every machine.

export type Steps<T> = Generator<void, T, void>;

export interface WorkMeter {
  /** Work done since the last pause. */
  work: number;
  /** Work after which a step pauses. */
  readonly slice: number;
}

/**
 * Work per slice: about 1-3 ms of tokenizing on a slow core (16,000 characters of prose, or a run of
 * one character class of ~3,000 characters).
 */
export const SLICE_WORK = 16_000;

export function slicedMeter(slice = SLICE_WORK): WorkMeter {
  return { work: 0, slice };
}

/** A meter that never pauses. */
export function unslicedMeter(): WorkMeter {
  return { work: 0, slice: Number.POSITIVE_INFINITY };
}

/** Runs `steps` to the end without pausing. */
export function runToEnd<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Runs `steps`, letting the event loop run (I/O included) at every pause. Once `signal` is aborted
 * it stops at the next pause and rejects with an AbortError.
 */
export async function runSliced<T>(steps: Steps<T>, signal?: AbortSignal): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (signal?.aborted) {
      steps.return(undefined as T);
      throw new DOMException("The request was aborted while its tokens were counted", "AbortError");
    }
  }
}

// Work that may be large (a body of 300,000 items, a 32 MB text) done in slices: the caller counts
// what it has done, and every `slice` units the event loop gets a turn, so that /health and every
// other request and stream are served in between. Work is counted, not timed, so the pauses fall at
// the same places on every machine.

export const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Items (messages, input items, contents) handled between two turns of the loop: ~1-3 ms of per-item work. */
export const ITEMS_PER_SLICE = 2_000;

export class WorkSlices {
  private work = 0;

  constructor(
    private readonly slice: number,
    private readonly pause: () => Promise<void> = nextTurn,
  ) {}

  /** Counts `units` of work done; resolves at once, or after a turn of the loop once a slice is full. */
  done(units: number): Promise<void> | undefined {
    this.work += units;
    if (this.work < this.slice) return undefined;
    this.work = 0;
    return this.pause();
  }
}

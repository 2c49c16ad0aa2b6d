import type { Row } from "./ledger.js";

/** Rows waiting to be written, at most (~300 bytes each): past it the oldest are dropped, and said so. */
export const MAX_QUEUE = 20_000;
/** A batch this large is written at once rather than on the timer. */
export const BATCH = 500;
export const FLUSH_INTERVAL_MS = 1000;

/**
 * The ledgers' write queue (SQLite and PostgreSQL alike): a ring buffer of at most `max` rows, so
 * that dropping the oldest and putting a failed batch back are O(1) a row rather than a shift of the
 * whole array, and a timer that calls `flush` a second after the first row queued, or at once when
 * a batch is full.
 */
export class RowQueue {
  private readonly rows: (Row | undefined)[];
  private head = 0;
  private size = 0;
  private dropped = 0;
  private timer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly flush: () => void,
    private readonly max = MAX_QUEUE,
  ) {
    this.rows = new Array<Row | undefined>(max);
  }

  get length(): number {
    return this.size;
  }

  /** Queues a row, dropping the oldest when full, and schedules a write. */
  add(row: Row): void {
    if (this.size === this.max) {
      this.rows[this.head] = undefined;
      this.head = (this.head + 1) % this.max;
      this.size--;
      this.dropped++;
    }
    this.rows[(this.head + this.size) % this.max] = row;
    this.size++;
    if (this.size >= BATCH) {
      this.stopTimer();
      this.later(0);
    } else {
      this.later(FLUSH_INTERVAL_MS);
    }
  }

  /** Takes up to `n` of the oldest rows out. */
  take(n = this.size): Row[] {
    const out: Row[] = [];
    while (out.length < n && this.size > 0) {
      out.push(this.rows[this.head]!);
      this.rows[this.head] = undefined;
      this.head = (this.head + 1) % this.max;
      this.size--;
    }
    return out;
  }

  /** Puts rows taken out back in front, as many of the oldest as there is room for (a failed write). */
  putBack(rows: Row[]): void {
    for (let i = Math.min(rows.length, this.max - this.size) - 1; i >= 0; i--) {
      this.head = (this.head - 1 + this.max) % this.max;
      this.rows[this.head] = rows[i];
      this.size++;
    }
  }

  /** How many rows were dropped since the last call. */
  takeDropped(): number {
    const n = this.dropped;
    this.dropped = 0;
    return n;
  }

  /** Schedules `flush` in `ms`, unless one is already scheduled. */
  later(ms: number): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, ms);
    this.timer.unref?.();
  }

  stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

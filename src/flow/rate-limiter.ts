export type Clock = () => number;
export type SetTimer = (fn: () => void, ms: number) => unknown;
export type ClearTimer = (handle: unknown) => void;

export type TryAcquireResult = { ok: true } | { ok: false; retryAfterMs: number };

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

const defaultClear: ClearTimer = (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>);

/**
 * Admits one request per interval, concurrent ones included. The original kept one timestamp and
 * no queue, so requests that arrived together all waited the same time and then fired together
 * (known-failures R6). Here every admission moves `nextFree`, and waiters form a FIFO queue served
 * by a single timer, so two requests are never closer than the interval.
 *
 * The clock and timer are injected so that tests can drive time by hand.
 */
export class RateLimiter {
  /** The earliest time the next request may be admitted. */
  private nextFree = Number.NEGATIVE_INFINITY;
  private readonly queue: Waiter[] = [];
  private timer: unknown;
  private timerSet = false;

  constructor(
    readonly intervalMs: number,
    private readonly now: Clock = Date.now,
    private readonly setTimer: SetTimer = setTimeout,
    private readonly clearTimer: ClearTimer = defaultClear,
  ) {
    if (!(intervalMs > 0)) throw new Error(`RateLimiter interval must be greater than 0, got ${intervalMs}`);
  }

  /** The limiter's own clock, so that messages quote times consistent with retry-after. */
  currentTime(): number {
    return this.now();
  }

  /** Requests waiting their turn. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Admits now, or says how long until a slot would be free (counting everyone already queued). */
  tryAcquire(): TryAcquireResult {
    const now = this.now();
    if (this.queue.length === 0 && now >= this.nextFree) {
      this.nextFree = now + this.intervalMs;
      return { ok: true };
    }
    const retryAfterMs = Math.max(0, this.nextFree - now) + this.queue.length * this.intervalMs;
    return { ok: false, retryAfterMs };
  }

  /**
   * Resolves when it is this caller's turn (FIFO). Rejects with the signal's reason if the signal
   * aborts first, and the caller then leaves the queue, so a client that went away holds no slot.
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryAcquire().ok) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          if (this.queue.length === 0) this.cancelTimer();
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timerSet || this.queue.length === 0) return;
    this.timerSet = true;
    // Called unbound: some runtimes' setTimeout refuses a foreign `this`.
    const setTimer = this.setTimer;
    this.timer = setTimer(() => {
      this.timerSet = false;
      this.pump();
    }, Math.max(0, this.nextFree - this.now()));
  }

  /** Admits the head of the queue if its time has come, then waits for the next slot. */
  private pump(): void {
    const now = this.now();
    // A timer may fire a little early (or the clock may be coarse): then just wait again.
    if (now >= this.nextFree) {
      const head = this.queue.shift();
      if (head) {
        this.nextFree = now + this.intervalMs;
        if (head.onAbort) head.signal?.removeEventListener("abort", head.onAbort);
        head.resolve();
      }
    }
    this.schedule();
  }

  private cancelTimer(): void {
    if (!this.timerSet) return;
    const clearTimer = this.clearTimer;
    clearTimer(this.timer);
    this.timerSet = false;
  }
}

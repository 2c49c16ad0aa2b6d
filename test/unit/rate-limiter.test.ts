import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RateLimiter } from "../../src/flow/rate-limiter.js";

/** A hand-driven clock: timers fire only when the test advances time. */
class FakeClock {
  time = 1_000_000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  readonly now = () => this.time;
  readonly setTimer = (fn: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  };
  readonly clearTimer = (handle: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== handle);
  };
  get pendingTimers(): number {
    return this.timers.length;
  }
  /**
   * Moves time forward, firing due timers in order (each may set new ones). After each timer, the
   * promise callbacks it released run while the clock still reads that timer's time.
   */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.timers.shift();
      this.time = Math.max(this.time, due.at);
      due.fn();
      await settle();
    }
    this.time = end;
  }
}

/** Lets promise callbacks that are already due run (no timers involved). */
function settle(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

function limiter(intervalMs = 1000) {
  const clock = new FakeClock();
  return { clock, limiter: new RateLimiter(intervalMs, clock.now, clock.setTimer, clock.clearTimer) };
}

describe("RateLimiter.tryAcquire", () => {
  test("admits the first request and refuses a concurrent one with the time left", async () => {
    const { clock, limiter: l } = limiter(1000);
    assert.deepEqual(l.tryAcquire(), { ok: true });
    assert.deepEqual(l.tryAcquire(), { ok: false, retryAfterMs: 1000 });
    await clock.advance(400);
    assert.deepEqual(l.tryAcquire(), { ok: false, retryAfterMs: 600 });
    await clock.advance(600);
    assert.deepEqual(l.tryAcquire(), { ok: true });
  });

  test("a refusal does not consume the slot", async () => {
    const { clock, limiter: l } = limiter(1000);
    l.tryAcquire();
    for (let i = 0; i < 5; i++) assert.equal(l.tryAcquire().ok, false);
    await clock.advance(1000);
    assert.equal(l.tryAcquire().ok, true);
  });

  test("retry-after counts the requests already queued", () => {
    const { limiter: l } = limiter(1000);
    l.tryAcquire();
    const queued = l.acquire();
    assert.equal(l.waiting, 1);
    assert.deepEqual(l.tryAcquire(), { ok: false, retryAfterMs: 2000 });
    queued.catch(() => {});
  });

  test("refuses a zero or negative interval", () => {
    assert.throws(() => new RateLimiter(0));
    assert.throws(() => new RateLimiter(-5));
  });
});

describe("RateLimiter.acquire", () => {
  test("concurrent requests are admitted one per interval, in FIFO order", async () => {
    const { clock, limiter: l } = limiter(1000);
    const admitted: string[] = [];
    const all = ["a", "b", "c", "d"].map((name) => l.acquire().then(() => admitted.push(`${name}@${clock.time}`)));
    await settle();
    const t0 = clock.time;
    assert.deepEqual(admitted, [`a@${t0}`]);
    assert.equal(l.waiting, 3);

    await clock.advance(999);
    await settle();
    assert.equal(admitted.length, 1, "nobody is admitted before the interval has passed");

    await clock.advance(1);
    await settle();
    assert.deepEqual(admitted, [`a@${t0}`, `b@${t0 + 1000}`]);

    await clock.advance(2000);
    await Promise.all(all);
    assert.deepEqual(admitted, [`a@${t0}`, `b@${t0 + 1000}`, `c@${t0 + 2000}`, `d@${t0 + 3000}`]);
    assert.equal(l.waiting, 0);
    assert.equal(clock.pendingTimers, 0, "no timer is left behind once the queue is empty");
  });

  test("a late timer stretches the spacing instead of bunching the next requests", async () => {
    const { clock, limiter: l } = limiter(1000);
    await l.acquire();
    const order: number[] = [];
    const b = l.acquire().then(() => order.push(clock.time));
    const c = l.acquire().then(() => order.push(clock.time));
    const t0 = clock.time;
    await clock.advance(1500); // b's timer fires at t0+1000; c's turn is then t0+2000
    await settle();
    assert.deepEqual(order, [t0 + 1000]);
    await clock.advance(500);
    await Promise.all([b, c]);
    assert.deepEqual(order, [t0 + 1000, t0 + 2000]);
  });

  test("a request arriving after an idle period goes straight through", async () => {
    const { clock, limiter: l } = limiter(1000);
    await l.acquire();
    await clock.advance(5000);
    await l.acquire();
    assert.equal(clock.pendingTimers, 0);
  });

  test("an aborted waiter leaves the queue and the next one takes its slot", async () => {
    const { clock, limiter: l } = limiter(1000);
    await l.acquire();
    const t0 = clock.time;
    const gone = new AbortController();
    const b = l.acquire(gone.signal);
    const admitted: number[] = [];
    const c = l.acquire().then(() => admitted.push(clock.time));
    assert.equal(l.waiting, 2);

    gone.abort(new Error("client went away"));
    await assert.rejects(b, /client went away/);
    assert.equal(l.waiting, 1);

    await clock.advance(1000);
    await c;
    assert.deepEqual(admitted, [t0 + 1000], "c is admitted in the slot b would have had");
  });

  test("aborting the only waiter cancels the timer (no leak)", async () => {
    const { clock, limiter: l } = limiter(1000);
    await l.acquire();
    const gone = new AbortController();
    const b = l.acquire(gone.signal);
    assert.equal(clock.pendingTimers, 1);
    gone.abort();
    await assert.rejects(b);
    assert.equal(l.waiting, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  test("an already aborted signal is refused without queueing", async () => {
    const { limiter: l } = limiter(1000);
    const gone = new AbortController();
    gone.abort(new Error("already gone"));
    await assert.rejects(l.acquire(gone.signal), /already gone/);
    assert.equal(l.waiting, 0);
    assert.equal(l.tryAcquire().ok, true, "the refused request took no slot");
  });

  test("a waiter admitted normally leaves no abort listener behind", async () => {
    const { clock, limiter: l } = limiter(1000);
    await l.acquire();
    const controller = new AbortController();
    const b = l.acquire(controller.signal);
    await clock.advance(1000);
    await b;
    controller.abort(); // must not disturb the queue or throw
    assert.equal(l.waiting, 0);
  });
});

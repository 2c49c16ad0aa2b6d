import type { RedisLink } from "../shared-state/redis-link.js";
import type { RateLimiter, TryAcquireResult } from "./rate-limiter.js";

/**
 * One slot per interval across every instance using the same Redis key. A Lua script reads Redis'
 * own clock, so instances whose clocks disagree still space requests by the interval. With
 * `reserve`, the slot after the last one taken is booked and the caller waits until it comes
 * (FIFO across instances by booking order); without it, a busy slot is only reported.
 */
const SLOT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local nextFree = tonumber(redis.call('GET', KEYS[1]) or '0')
if nextFree <= now then
  redis.call('SET', KEYS[1], now + interval, 'PX', interval + 60000)
  return 0
end
if ARGV[2] == '1' then
  redis.call('SET', KEYS[1], nextFree + interval, 'PX', nextFree + interval - now + 60000)
end
return nextFree - now
`;

/**
 * --rate-limit shared through Redis (--redis-url). While Redis is unreachable the instance's own
 * limiter takes over (each instance then allows one request per interval: degraded, not refused).
 */
export class SharedRateLimiter {
  private sleeping = 0;

  constructor(
    private readonly local: RateLimiter,
    private readonly redis: RedisLink,
  ) {}

  get intervalMs(): number {
    return this.local.intervalMs;
  }

  currentTime(): number {
    return this.local.currentTime();
  }

  get waiting(): number {
    return this.local.waiting + this.sleeping;
  }

  async tryAcquire(): Promise<TryAcquireResult> {
    const wait = await this.slot(false);
    if (wait === undefined) return this.local.tryAcquire();
    return wait <= 0 ? { ok: true } : { ok: false, retryAfterMs: wait };
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    const wait = await this.slot(true);
    if (wait === undefined) return this.local.acquire(signal);
    if (wait <= 0) return;
    // The booked slot is spent even if this client leaves: others booked after it keep their turn.
    this.sleeping += 1;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(done, wait);
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal!.reason);
        };
        function done() {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    } finally {
      this.sleeping -= 1;
    }
  }

  private async slot(reserve: boolean): Promise<number | undefined> {
    const key = `${this.redis.prefix}rate-limit`;
    const result = await this.redis.run((c) => c.eval(SLOT_SCRIPT, 1, key, String(this.local.intervalMs), reserve ? "1" : "0"));
    return typeof result === "number" ? result : undefined;
  }
}

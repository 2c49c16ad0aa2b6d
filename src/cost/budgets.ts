import { ApiError } from "../errors.js";
import type { Logger } from "../log.js";
import type { RequestRecord } from "../observability/recorder.js";
import type { BudgetSpec } from "./budget-spec.js";
import type { RedisLink } from "../shared-state/redis-link.js";

export type BudgetState = "ok" | "warning" | "exceeded";

/** One budget as /usage shows it. */
export interface BudgetView {
  scope: string;
  period: "day" | "month";
  limitCredits: number;
  spentCredits: number;
  resetsAt: string;
  state: BudgetState;
}

interface Budget extends BudgetSpec {
  /** "global" or "key:<name>". */
  scope: string;
  keyName?: string;
  /** Start of the period the running total is for (ms). */
  periodStart: number;
  spentNano: number;
  /** Spent here but not yet added to the shared total (Redis was away, or refused the write). */
  unshared: number;
  warned: boolean;
}

/**
 * Adds this instance's unshared spend to a shared total and raises the total to at least what this
 * instance knows was spent (a Redis restarted empty, or counts lost while it was away); no instance's
 * view is ever more than what was really spent, so the floor never over-counts.
 * KEYS: total. ARGV: nano to add, floor, ttl ms.
 */
const ADD_SCRIPT = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if total < tonumber(ARGV[2]) then
  redis.call('SET', KEYS[1], ARGV[2])
  total = tonumber(ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return total
`;

const WARN_AT = 0.8;

/** Start of the local calendar day or month holding `t`, and the start of the next one. */
export function periodBounds(t: number, period: "day" | "month"): { start: number; end: number } {
  const d = new Date(t);
  if (period === "day") {
    return { start: new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime(), end: new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime() };
  }
  return { start: new Date(d.getFullYear(), d.getMonth(), 1).getTime(), end: new Date(d.getFullYear(), d.getMonth() + 1, 1).getTime() };
}

/** ISO 8601 in the server's local time with its offset, e.g. 2026-12-02T00:00:00.000+01:00. */
export function isoLocal(t: number): string {
  const d = new Date(t);
  const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, "0");
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}` +
    `${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`
  );
}

function describeWait(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.ceil((seconds % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

/** Credits for a message: cents-like precision for whole credits, three significant digits below one. */
const fmtCredits = (n: number) => (n >= 1 || n === 0 ? Math.round(n * 100) / 100 : Number(n.toPrecision(3))).toString();

/**
 * Spending limits in AI credits per local day or month, for the whole server and per API key.
 * Running totals live in memory, fed by every finished request's cost and seeded from the ledger at
 * start (without the ledger they count from the start only). A budget that is spent refuses new
 * requests with a 429 until it resets; a request already running, a stream included, is never cut.
 */
export class Budgets {
  private readonly budgets: Budget[] = [];
  /** With --redis-url: running totals shared by every instance. */
  private shared?: RedisLink;
  private readonly writes = new Set<Promise<unknown>>();

  constructor(
    global: readonly BudgetSpec[],
    byKey: ReadonlyMap<string, readonly BudgetSpec[]>,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    const make = (spec: BudgetSpec, keyName?: string): Budget => ({
      ...spec,
      scope: keyName === undefined ? "global" : `key:${keyName}`,
      keyName,
      periodStart: periodBounds(this.now(), spec.period).start,
      spentNano: 0,
      unshared: 0,
      warned: false,
    });
    for (const spec of global) this.budgets.push(make(spec));
    for (const [name, specs] of byKey) for (const spec of specs) this.budgets.push(make(spec, name));
  }

  get size(): number {
    return this.budgets.length;
  }

  /**
   * Shares the running totals through Redis (--redis-url): each instance adds its requests' cost
   * to one counter per budget and period, and reads them all before checking. While Redis is
   * away, each instance goes on with its own totals (never below what it saw last), and what it
   * spent meanwhile is added to the shared totals once Redis is back.
   */
  share(redis: RedisLink): void {
    this.shared = redis;
    redis.onChange((up) => {
      if (up) for (const b of this.budgets) this.addShared(b);
    });
  }

  /** Seeds each running total with what the ledger counted since its period began. */
  async seed(spentSince: (from: number, keyName?: string) => number | Promise<number>): Promise<void> {
    for (const b of this.budgets) {
      this.roll(b);
      b.spentNano = await spentSince(b.periodStart, b.keyName);
      // The first instance up seeds the shared counter; the others take what it holds.
      const held = await this.shared?.run(async (c) => {
        await c.set(this.key(b), String(Math.round(b.spentNano)), "PX", this.ttl(b), "NX");
        return c.get(this.key(b));
      });
      if (held) b.spentNano = Math.max(b.spentNano, Number(held));
      b.warned = b.spentNano >= this.limitNano(b) * WARN_AT;
    }
  }

  /** Reads the shared totals (one round trip) before a check; nothing without Redis. */
  async sync(): Promise<void> {
    const shared = this.shared;
    if (!shared || this.budgets.length === 0) return;
    for (const b of this.budgets) this.roll(b);
    const values = await shared.run((c) => c.mget(...this.budgets.map((b) => this.key(b))));
    if (!values) return;
    values.forEach((v, i) => {
      const b = this.budgets[i]!;
      if (v !== null) b.spentNano = Math.max(b.spentNano, Number(v));
    });
  }

  /** Settles once every shared total written so far has landed (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.writes]);
  }

  private key(b: Budget): string {
    return `${this.shared?.prefix ?? ""}budget:${b.scope}:${b.period}:${b.periodStart}`;
  }

  /** A counter outlives its period by a day, then Redis forgets it. */
  private ttl(b: Budget): number {
    return Math.max(1, periodBounds(this.now(), b.period).end - this.now() + 86_400_000);
  }

  /** A finished request's cost (a recorder listener). */
  add(record: RequestRecord): void {
    if (!record.nanoAiu) return;
    for (const b of this.budgets) {
      if (b.keyName !== undefined && b.keyName !== record.keyName) continue;
      this.roll(b);
      b.spentNano += record.nanoAiu;
      b.unshared += record.nanoAiu;
      if (this.shared) this.addShared(b);
      if (!b.warned && b.spentNano >= this.limitNano(b) * WARN_AT) {
        b.warned = true;
        this.log.warn(
          `${this.name(b)} is at ${Math.floor((b.spentNano / this.limitNano(b)) * 100)}%: ${fmtCredits(b.spentNano / 1e9)} of ${fmtCredits(b.limitCredits)} AI credits spent; it resets at ${isoLocal(periodBounds(this.now(), b.period).end)}`,
        );
      }
    }
  }

  /** Adds what this instance spent since the last write that landed (kept for the next one if this fails). */
  private addShared(b: Budget): void {
    this.roll(b);
    const key = this.key(b);
    const { periodStart } = b;
    const nano = Math.round(b.unshared);
    b.unshared = 0;
    const write = this.shared!.run((c) => c.eval(ADD_SCRIPT, 1, key, String(nano), String(Math.round(b.spentNano)), String(this.ttl(b))) as Promise<number>).then((total) => {
      if (total === undefined) {
        if (b.periodStart === periodStart) b.unshared += nano;
        return;
      }
      if (b.periodStart === periodStart) b.spentNano = Math.max(b.spentNano, Number(total));
    });
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  /** Throws a 429 naming the first spent budget that applies to a request with this key. */
  check(keyName: string | undefined): void {
    for (const b of this.budgets) {
      if (b.keyName !== undefined && b.keyName !== keyName) continue;
      this.roll(b);
      if (b.spentNano < this.limitNano(b)) continue;
      const resetsAt = periodBounds(this.now(), b.period).end;
      const wait = Math.max(1, Math.ceil((resetsAt - this.now()) / 1000));
      throw new ApiError({
        kind: "rate_limit",
        status: 429,
        code: "budget_exceeded",
        retryAfter: String(wait),
        message:
          `${this.name(b)} is spent: ${fmtCredits(b.spentNano / 1e9)} of ${fmtCredits(b.limitCredits)} AI credits used this ${b.period}. ` +
          `It resets at ${isoLocal(resetsAt)} (in ${describeWait(wait)}). The budget is set with --budget or in the config file.`,
      });
    }
  }

  snapshot(): BudgetView[] {
    return this.budgets.map((b) => {
      this.roll(b);
      const limit = this.limitNano(b);
      return {
        scope: b.scope,
        period: b.period,
        limitCredits: b.limitCredits,
        spentCredits: b.spentNano / 1e9,
        resetsAt: isoLocal(periodBounds(this.now(), b.period).end),
        state: b.spentNano >= limit ? "exceeded" : b.spentNano >= limit * WARN_AT ? "warning" : "ok",
      };
    });
  }

  private name(b: Budget): string {
    const per = b.period === "day" ? "per day" : "per month";
    return b.keyName === undefined ? `The budget of ${fmtCredits(b.limitCredits)} AI credits ${per}` : `API key "${b.keyName}"'s budget of ${fmtCredits(b.limitCredits)} AI credits ${per}`;
  }

  private limitNano(b: Budget): number {
    return b.limitCredits * 1e9;
  }

  /** A new day or month starts from zero. */
  private roll(b: Budget): void {
    const { start } = periodBounds(this.now(), b.period);
    if (start !== b.periodStart) {
      b.periodStart = start;
      b.spentNano = 0;
      b.unshared = 0;
      b.warned = false;
    }
  }
}

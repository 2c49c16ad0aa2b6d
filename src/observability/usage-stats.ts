import type { Recorder, RequestRecord } from "./recorder.js";

export interface Tally {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
}

export interface LatencySummary {
  /** How many of the recent requests the percentiles are taken over. */
  sample: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface ServerUsage {
  startedAt: string;
  uptimeSeconds: number;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  byModel: Record<string, Tally>;
  byApi: Record<string, Tally>;
  /** Whole-request durations in ms over the recent ring, not since start. */
  latencyMs: LatencySummary;
  /** Time to the response headers in ms, same sample. */
  ttfbMs: LatencySummary;
}

/** A failed request: an error status, or a stream that broke after its 200. */
export function isError(r: RequestRecord): boolean {
  return r.status >= 400 || r.error !== undefined;
}

/** Nearest-rank percentile of sorted values (the one a reader can check by hand). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarise(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (v: number | null) => (v === null ? null : Math.round(v));
  return {
    sample: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
  };
}

const empty = (): Tally => ({ requests: 0, errors: 0, inputTokens: 0, outputTokens: 0 });

/**
 * Counts since start, per model and per client API, fed by the recorder. Only API requests reach
 * the recorder (observe() sits on the API routes), so the dashboard's own polling never counts.
 */
export class UsageStats {
  private readonly total = empty();
  private readonly byModel = new Map<string, Tally>();
  private readonly byApi = new Map<string, Tally>();
  readonly unsubscribe: () => void;

  constructor(
    private readonly recorder: Recorder,
    private readonly startedAt: number,
    private readonly now: () => number = Date.now,
  ) {
    this.unsubscribe = recorder.subscribe((r) => this.add(r));
  }

  private add(r: RequestRecord): void {
    const failed = isError(r);
    const tallies = [this.total, this.tally(this.byApi, r.api)];
    if (r.model) tallies.push(this.tally(this.byModel, r.model));
    for (const t of tallies) {
      t.requests += 1;
      if (failed) t.errors += 1;
      t.inputTokens += r.inputTokens ?? 0;
      t.outputTokens += r.outputTokens ?? 0;
    }
  }

  private tally(map: Map<string, Tally>, key: string): Tally {
    let t = map.get(key);
    if (!t) map.set(key, (t = empty()));
    return t;
  }

  snapshot(): ServerUsage {
    const recent = this.recorder.recent();
    const copy = (m: Map<string, Tally>) => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, { ...v }]));
    return {
      startedAt: new Date(this.startedAt).toISOString(),
      uptimeSeconds: Math.max(0, Math.floor((this.now() - this.startedAt) / 1000)),
      ...this.total,
      byModel: copy(this.byModel),
      byApi: copy(this.byApi),
      latencyMs: summarise(recent.map((r) => r.durationMs)),
      ttfbMs: summarise(recent.map((r) => r.ttfbMs)),
    };
  }
}

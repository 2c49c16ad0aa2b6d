import type { Recorder, RefusalReason, RequestRecord } from "./recorder.js";
import { Counter, Gauge, Histogram, type Metric, renderMetrics } from "./prom-text.js";
import { isError } from "./usage-stats.js";

/** Seconds. A Claude Code turn can stream for minutes, so the top buckets are long. */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const TTFB_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The /metrics families, fed by the recorder. Labels come from the resolved model id, the client API,
 * the upstream endpoint and the status: all bounded sets, never the raw path (unbounded cardinality).
 * A request that failed before its model was known has model="".
 */
export class Metrics {
  readonly requests = new Counter("copilot_api_requests_total", "Finished API requests, by client API, model, upstream endpoint and status.", [
    "api",
    "model",
    "endpoint",
    "status",
  ] as const);
  readonly errors = new Counter("copilot_api_request_errors_total", "API requests that failed: an error status, or a stream that broke after it began.", [
    "api",
    "model",
  ] as const);
  readonly aborted = new Counter("copilot_api_requests_aborted_total", "API requests whose client disconnected before the end of the response.", [
    "api",
  ] as const);
  readonly duration = new Histogram("copilot_api_request_duration_seconds", "Time from the request to the last byte of the response.", ["api"] as const, DURATION_BUCKETS);
  readonly ttfb = new Histogram("copilot_api_time_to_first_byte_seconds", "Time from the request to the response headers.", ["api"] as const, TTFB_BUCKETS);
  readonly tokens = new Counter(
    "copilot_api_tokens_total",
    "Tokens reported by Copilot; kind=input is the whole prompt, cache_read and cache_write included.",
    ["model", "api", "kind"] as const,
  );
  readonly cost = new Counter(
    "copilot_api_cost_nano_aiu_total",
    "What requests cost in nano-AIU (1 AI credit = 1e9 nano-AIU = $0.01): Copilot's own figure, or an estimate from list prices when it sent none.",
    ["model", "api", "initiator"] as const,
  );
  readonly upstream = new Counter(
    "copilot_api_upstream_responses_total",
    "Requests that were sent to Copilot, by Copilot endpoint and the status answered to the client (Copilot's own status for upstream errors).",
    ["endpoint", "status"] as const,
  );
  private readonly all: Metric[];
  readonly unsubscribe: () => void;

  /** `startedAt`: when the process started (ms since the epoch), not when the first request came. */
  constructor(recorder: Recorder, startedAt: number, memory: () => number = () => process.memoryUsage().rss) {
    this.all = [
      this.requests,
      this.errors,
      this.aborted,
      this.duration,
      this.ttfb,
      this.tokens,
      this.cost,
      this.upstream,
      new RefusedCounter(() => recorder.refusals()),
      new Gauge("process_resident_memory_bytes", "Resident memory size in bytes.", memory),
      new Gauge("process_start_time_seconds", "Start time of the process since the Unix epoch in seconds.", () => Math.floor(startedAt / 1000)),
    ];
    this.unsubscribe = recorder.subscribe((r) => this.add(r));
  }

  private add(r: RequestRecord): void {
    const model = r.model ?? "";
    const endpoint = r.endpoint ?? "";
    this.requests.inc({ api: r.api, model, endpoint, status: String(r.status) });
    if (isError(r)) this.errors.inc({ api: r.api, model });
    if (r.aborted) this.aborted.inc({ api: r.api });
    this.duration.observe({ api: r.api }, r.durationMs / 1000);
    this.ttfb.observe({ api: r.api }, r.ttfbMs / 1000);
    if (r.endpoint) this.upstream.inc({ endpoint, status: String(r.status) });
    // input already includes cache reads (observe.ts adds them); cache_read is the part served from cache.
    const kinds = { input: r.inputTokens, output: r.outputTokens, cache_read: r.cacheReadTokens, cache_write: r.cacheWriteTokens };
    for (const [kind, n] of Object.entries(kinds)) if (n) this.tokens.inc({ model, api: r.api, kind }, n);
    if (r.nanoAiu) this.cost.inc({ model, api: r.api, initiator: r.initiator ?? "" }, r.nanoAiu);
  }

  render(): string {
    return renderMetrics(this.all);
  }
}

/** Requests refused by access control, counted by the recorder (they are never recorded as traffic). */
class RefusedCounter implements Metric {
  constructor(private readonly read: () => ReadonlyMap<RefusalReason, number>) {}

  render(): string[] {
    const counter = new Counter("copilot_api_refused_requests_total", "Requests refused by access control (no or invalid API key, host guard, origin), by reason.", ["reason"] as const);
    for (const [reason, n] of this.read()) counter.inc({ reason }, n);
    return counter.render();
  }
}

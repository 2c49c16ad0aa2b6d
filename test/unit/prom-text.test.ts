import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Counter, Gauge, Histogram, renderMetrics } from "../../src/observability/prom-text.js";
import { Metrics } from "../../src/observability/metrics.js";
import { Recorder, type RequestRecord } from "../../src/observability/recorder.js";

/** One sample line of the text format: name, optional {labels}, value. */
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*)?\})? (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN|\+Inf|-Inf)$/;

describe("Prometheus text format", () => {
  test("label values escape backslash, quote and newline; HELP escapes backslash and newline", () => {
    const c = new Counter("x_total", "a \\ help\nline", ["v"] as const);
    c.inc({ v: 'a"b\\c\nd' }, 2);
    const text = renderMetrics([c]);
    assert.equal(text, '# HELP x_total a \\\\ help\\nline\n# TYPE x_total counter\nx_total{v="a\\"b\\\\c\\nd"} 2\n');
    for (const line of text.trimEnd().split("\n")) if (!line.startsWith("#")) assert.match(line, SAMPLE);
  });

  test("histogram buckets are cumulative and end with +Inf, _sum and _count", () => {
    const h = new Histogram("d_seconds", "d", ["api"] as const, [1, 0.1, 10]);
    for (const v of [0.05, 0.5, 0.7, 20]) h.observe({ api: "chat" }, v);
    const lines = renderMetrics([h]).trimEnd().split("\n");
    assert.deepEqual(lines.slice(2), [
      'd_seconds_bucket{api="chat",le="0.1"} 1',
      'd_seconds_bucket{api="chat",le="1"} 3',
      'd_seconds_bucket{api="chat",le="10"} 3',
      'd_seconds_bucket{api="chat",le="+Inf"} 4',
      'd_seconds_sum{api="chat"} 21.25',
      'd_seconds_count{api="chat"} 4',
    ]);
  });

  test("gauges are read at render time", () => {
    let v = 1;
    const g = new Gauge("g", "g", () => v);
    assert.match(renderMetrics([g]), /^g 1$/m);
    v = Number.POSITIVE_INFINITY;
    assert.match(renderMetrics([g]), /^g \+Inf$/m);
  });

  test("Metrics counts records by labels, tokens by kind, errors and aborts", () => {
    const recorder = new Recorder();
    const m = new Metrics(recorder, 0, () => 1234);
    const base: RequestRecord = { id: 1, time: 0, method: "POST", path: "/v1/chat/completions", api: "chat", status: 200, durationMs: 1500, ttfbMs: 20 };
    recorder.record({ ...base, model: "gpt-4.1", endpoint: "/chat/completions", inputTokens: 30, outputTokens: 5, cacheReadTokens: 10 });
    recorder.record({ ...base, model: "gpt-4.1", endpoint: "/chat/completions", error: "stream broke", aborted: true });
    recorder.record({ ...base, status: 404 });
    assert.equal(m.requests.get({ api: "chat", model: "gpt-4.1", endpoint: "/chat/completions", status: "200" }), 2);
    assert.equal(m.requests.get({ api: "chat", model: "", endpoint: "", status: "404" }), 1);
    assert.equal(m.errors.get({ api: "chat", model: "gpt-4.1" }), 1);
    assert.equal(m.errors.get({ api: "chat", model: "" }), 1);
    assert.equal(m.aborted.get({ api: "chat" }), 1);
    assert.equal(m.tokens.get({ model: "gpt-4.1", api: "chat", kind: "input" }), 30);
    assert.equal(m.tokens.get({ model: "gpt-4.1", api: "chat", kind: "cache_read" }), 10);
    assert.equal(m.upstream.get({ endpoint: "/chat/completions", status: "200" }), 2);
    const text = m.render();
    assert.match(text, /^process_resident_memory_bytes 1234$/m);
    assert.match(text, /^copilot_api_request_duration_seconds_bucket\{api="chat",le="2\.5"\} 3$/m);
    for (const line of text.trimEnd().split("\n")) if (!line.startsWith("#")) assert.match(line, SAMPLE, line);
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Recorder, type RequestRecord } from "../../src/observability/recorder.js";
import { percentile, UsageStats } from "../../src/observability/usage-stats.js";

const rec = (over: Partial<RequestRecord>): RequestRecord => ({
  id: 0,
  time: 0,
  method: "POST",
  path: "/x",
  api: "chat",
  status: 200,
  durationMs: 100,
  ttfbMs: 10,
  ...over,
});

describe("UsageStats", () => {
  test("nearest-rank percentiles", () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(v, 50), 50);
    assert.equal(percentile(v, 95), 95);
    assert.equal(percentile(v, 99), 99);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 50), null);
  });

  test("counts per model and per API since start; latency over the ring", () => {
    const recorder = new Recorder(3);
    const stats = new UsageStats(recorder, 4_000, () => 10_000);
    recorder.record(rec({ model: "a", inputTokens: 10, outputTokens: 2, durationMs: 100 }));
    recorder.record(rec({ model: "b", api: "messages", inputTokens: 5, outputTokens: 1, durationMs: 300 }));
    recorder.record(rec({ model: "a", status: 500, durationMs: 200 }));
    recorder.record(rec({ status: 404, durationMs: 400 }));
    recorder.record(rec({ model: "a", error: "stream broke", durationMs: 900 }));
    const s = stats.snapshot();
    assert.equal(s.requests, 5);
    assert.equal(s.errors, 3);
    assert.equal(s.uptimeSeconds, 6);
    assert.deepEqual(s.byModel.a, { requests: 3, errors: 2, inputTokens: 10, outputTokens: 2 });
    assert.deepEqual(s.byModel.b, { requests: 1, errors: 0, inputTokens: 5, outputTokens: 1 });
    assert.deepEqual(s.byApi.chat, { requests: 4, errors: 3, inputTokens: 10, outputTokens: 2 });
    assert.equal(s.byApi.messages?.requests, 1);
    // the ring holds the last 3: 200, 400, 900
    assert.deepEqual(s.latencyMs, { sample: 3, p50: 400, p95: 900, p99: 900 });
    stats.unsubscribe();
    assert.equal(recorder.listenerCount, 0);
  });

  test("the ring keeps no bodies, listeners still get them", () => {
    const recorder = new Recorder();
    let seen: RequestRecord | undefined;
    recorder.subscribe((r) => (seen = r));
    recorder.record(rec({ bodies: { request: "big prompt" } }));
    assert.equal(seen?.bodies?.request, "big prompt");
    assert.equal(recorder.recent()[0]?.bodies, undefined);
  });
});

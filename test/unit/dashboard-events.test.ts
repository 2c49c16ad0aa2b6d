import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Hono } from "hono";
import { dashboardEvents } from "../../src/observability/dashboard-events.js";
import { Recorder, type RequestRecord } from "../../src/observability/recorder.js";

const rec = (id: number, over: Partial<RequestRecord> = {}): RequestRecord => ({
  id,
  time: 0,
  method: "POST",
  path: "/v1/chat/completions",
  api: "chat",
  model: "gpt-4.1",
  status: 200,
  durationMs: 5,
  ttfbMs: 1,
  ...over,
});

/** Reads SSE text from a stream until `until` matches what was read so far. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, until: (text: string) => boolean): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  while (!until(text)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended before the expected event; got:\n${text}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

function app(recorder: Recorder, pingMs = 15_000) {
  const a = new Hono();
  a.get("/events", dashboardEvents(recorder, 0, { backlog: 2, pingMs }));
  return a;
}

describe("dashboard events stream", () => {
  test("hello, the backlog (without bodies, redacted), ready, then live records; cancel releases the listener", { timeout: 10_000 }, async () => {
    const recorder = new Recorder();
    recorder.record(rec(1));
    recorder.record(rec(2, { bodies: { request: "private prompt" } }));
    recorder.record(rec(3, { error: "Bearer abcdefgh12345678 rejected" }));
    const res = await app(recorder).request("/events");
    assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    assert.equal(res.headers.get("cache-control"), "no-store");
    const reader = res.body!.getReader();
    const first = await readUntil(reader, (t) => t.includes("event: ready"));
    assert.match(first, /event: hello/);
    assert.ok(!first.includes("id: 1\n"), "only the last `backlog` records are replayed");
    assert.match(first, /id: 2\nevent: record/);
    assert.ok(!first.includes("private prompt"));
    assert.ok(!first.includes("abcdefgh12345678"));
    assert.equal(recorder.listenerCount, 1);
    recorder.record(rec(4, { model: "claude-sonnet-4.5" }));
    const next = await readUntil(reader, (t) => t.includes("id: 4\n"));
    assert.match(next, /"model":"claude-sonnet-4.5"/);
    await reader.cancel();
    assert.equal(recorder.listenerCount, 0);
  });

  test("pings keep a quiet stream open", { timeout: 10_000 }, async () => {
    const recorder = new Recorder();
    const res = await app(recorder, 5).request("/events");
    const reader = res.body!.getReader();
    await readUntil(reader, (t) => t.includes(": ping\n\n"));
    await reader.cancel();
    assert.equal(recorder.listenerCount, 0);
  });

  test("the request's abort signal also releases the listener", { timeout: 10_000 }, async () => {
    const recorder = new Recorder();
    const abort = new AbortController();
    const res = await app(recorder).request(new Request("http://x/events", { signal: abort.signal }));
    const reader = res.body!.getReader();
    await readUntil(reader, (t) => t.includes("event: ready"));
    assert.equal(recorder.listenerCount, 1);
    abort.abort();
    assert.equal(recorder.listenerCount, 0);
    assert.equal((await reader.read()).done, true, "the stream is closed");
  });

  test("recorder.shutdown() ends open streams (a graceful drain must not wait for dashboards) and refuses new ones", { timeout: 10_000 }, async () => {
    const recorder = new Recorder();
    const res = await app(recorder).request("/events");
    const reader = res.body!.getReader();
    await readUntil(reader, (t) => t.includes("event: ready"));
    recorder.shutdown();
    assert.equal(recorder.listenerCount, 0);
    assert.equal((await reader.read()).done, true);
    assert.equal((await app(recorder).request("/events")).status, 503);
  });

  test("HEAD does not subscribe", async () => {
    const recorder = new Recorder();
    const res = await app(recorder).request("/events", { method: "HEAD" });
    assert.equal(res.status, 200);
    assert.equal(recorder.listenerCount, 0);
  });

  test("a client that stops reading is dropped instead of buffered without bound", { timeout: 10_000 }, async () => {
    const recorder = new Recorder();
    const a = new Hono();
    a.get("/events", dashboardEvents(recorder, 0, { maxQueued: 5 }));
    const res = await a.request("/events");
    assert.equal(recorder.listenerCount, 1);
    for (let i = 1; i <= 20; i++) recorder.record(rec(i));
    assert.equal(recorder.listenerCount, 0);
    await res.body!.cancel();
  });
});

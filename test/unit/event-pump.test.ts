import assert from "node:assert/strict";
import { mock, test } from "node:test";
import { pumpEvents } from "../../src/sse/event-pump.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A source the test feeds by hand. */
function source() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled: unknown = "not cancelled";
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c;
    },
    cancel: (reason) => {
      cancelled = reason;
    },
  });
  return { stream, push: (s: string) => controller.enqueue(enc.encode(s)), end: () => controller.close(), fail: (e: Error) => controller.error(e), cancelled: () => cancelled };
}

const echo = {
  onEvent: (ev: { event?: string; data: string }) => [`<${ev.event ?? ""}:${ev.data}>`],
  onEnd: () => ["<end>"],
  onError: (e: unknown) => [`<error:${(e as Error).message}>`],
};

test("events pass through as they arrive, split anywhere", async () => {
  const src = source();
  const reader = pumpEvents(src.stream, echo).getReader();
  src.push("event: a\nda");
  src.push("ta: 1\n\ndata: 2\n");
  assert.equal(dec.decode((await reader.read()).value), "<a:1>");
  src.push("\n");
  assert.equal(dec.decode((await reader.read()).value), "<:2>");
  src.end();
  assert.equal(dec.decode((await reader.read()).value), "<end>");
  assert.equal((await reader.read()).done, true);
});

test("a silent upstream gets a ping after the interval, and the stream goes on afterwards", { timeout: 5000 }, async () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const src = source();
    const reader = pumpEvents(src.stream, echo, { pingIntervalMs: 10_000, ping: () => "<ping>" }).getReader();
    const first = reader.read();
    // Let the pump start waiting on the source, then move the clock past the interval.
    await new Promise<void>((r) => setImmediate(r));
    mock.timers.tick(10_000);
    assert.equal(dec.decode((await first).value), "<ping>");
    src.push("data: x\n\n");
    assert.equal(dec.decode((await reader.read()).value), "<:x>");
  } finally {
    mock.timers.reset();
  }
});

test("an upstream failure mid-stream becomes the error frames and a clean close", async () => {
  const src = source();
  const reader = pumpEvents(src.stream, echo).getReader();
  src.push("data: 1\n\n");
  assert.equal(dec.decode((await reader.read()).value), "<:1>");
  src.fail(new Error("socket reset"));
  assert.equal(dec.decode((await reader.read()).value), "<error:socket reset>");
  assert.equal((await reader.read()).done, true);
});

test("a client that leaves cancels the upstream", async () => {
  const src = source();
  const out = pumpEvents(src.stream, echo);
  const reader = out.getReader();
  src.push("data: 1\n\n");
  await reader.read();
  await reader.cancel("client left");
  assert.equal(src.cancelled(), "client left");
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isAuthErrorEvent, withFirstEventAuthRetry } from "../../src/upstream/first-event-auth.js";

const bytes = (s: string) => new TextEncoder().encode(s);

function sseResponse(chunks: string[]): Response {
  return new Response(
    new ReadableStream<Uint8Array>({
      start(c) {
        for (const chunk of chunks) c.enqueue(bytes(chunk));
        c.close();
      },
    }),
    { status: 200, headers: { "content-type": "text/event-stream" } },
  );
}

describe("a 401 as a stream's first event", () => {
  it("is recognised in each dialect's error shape, and nothing else is", () => {
    for (const data of [
      { error: { message: "unauthorized: token expired", code: "unauthorized", type: "authentication_error" } },
      { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } },
      { type: "error", code: "unauthorized", message: "token expired", sequence_number: 0 },
      { type: "response.failed", response: { status: "failed", error: { code: "token_expired", message: "…" } } },
      { error: { status: 401, message: "nope" } },
    ]) {
      assert.ok(isAuthErrorEvent(JSON.stringify(data)), JSON.stringify(data));
    }
    for (const data of [
      { error: { message: "Overloaded", type: "overloaded_error" } },
      { type: "response.created", response: { id: "r", error: null } },
      { choices: [{ delta: { content: "the error said unauthorized" } }] },
      "[DONE]",
      "{not json",
    ]) {
      assert.ok(!isAuthErrorEvent(typeof data === "string" ? data : JSON.stringify(data)), JSON.stringify(data));
    }
  });

  it("passes any other first event on byte for byte, split anywhere, without calling retry", async () => {
    const text = 'event: message_start\ndata: {"type":"message_start"}\n\nevent: ping\ndata: {"type":"ping"}\n\n';
    const res = withFirstEventAuthRetry(sseResponse([text.slice(0, 7), text.slice(7, 40), text.slice(40)]), () => assert.fail("no retry"));
    assert.equal(await res.text(), text);
  });

  it("swaps in the retried stream when the first event is a 401", async () => {
    let retried = 0;
    const res = withFirstEventAuthRetry(sseResponse(['data: {"error":{"message":"unauthorized: token expired","code":"unauthorized"}}\n', "\n"]), async () => {
      retried += 1;
      return sseResponse(["data: ok\n\n"]);
    });
    assert.equal(await res.text(), "data: ok\n\n");
    assert.equal(retried, 1);
  });
});

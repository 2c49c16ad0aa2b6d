import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { guardStream } from "../../src/sse/guard-stream.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = "";
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) out += dec.decode(chunk, { stream: true });
  return out + dec.decode();
}

describe("guardStream", () => {
  it("passes a healthy stream through unchanged", async () => {
    const source = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode("data: 1\n\n"));
        c.enqueue(enc.encode("data: 2\n\n"));
        c.close();
      },
    });
    let called = false;
    assert.equal(await readAll(guardStream(source, () => ((called = true), undefined))), "data: 1\n\ndata: 2\n\n");
    assert.equal(called, false);
  });

  it("a mid-stream failure ends the client stream with the dialect's tail, not a cut", async () => {
    let pulls = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        pulls++;
        if (pulls === 1) c.enqueue(enc.encode("data: partial\n\n"));
        else c.error(Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }));
      },
    });
    const errors: unknown[] = [];
    const out = await readAll(
      guardStream(source, (e) => {
        errors.push(e);
        return enc.encode('event: error\ndata: {"type":"error"}\n\n');
      }),
    );
    assert.equal(out, 'data: partial\n\nevent: error\ndata: {"type":"error"}\n\n');
    assert.equal(errors.length, 1);
    assert.match((errors[0] as Error).message, /other side closed/);
  });

  it("onError may choose to add nothing", async () => {
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        c.error(new Error("reset"));
      },
    });
    assert.equal(await readAll(guardStream(source, () => undefined)), "");
  });

  it("cancelling the client stream cancels the upstream", async () => {
    let cancelled: unknown;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(enc.encode("x"));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const reader = guardStream(source, () => undefined).getReader();
    await reader.read();
    await reader.cancel("client left");
    assert.equal(cancelled, "client left");
  });
});

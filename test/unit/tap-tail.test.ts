import assert from "node:assert/strict";
import { test } from "node:test";
import { lastChatUsage, tapTail } from "../../src/sse/tap-tail.js";

test("tapTail passes every byte and keeps only the last N, across chunk sizes", async () => {
  const text = Array.from({ length: 300 }, (_, i) => `data: {"i":${i}}\n\n`).join("");
  const bytes = new TextEncoder().encode(text);
  for (const size of [1, 7, 100, 5000]) {
    let tail = "";
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
    const out = await new Response(
      new ReadableStream({
        start(c) {
          for (const ch of chunks) c.enqueue(ch);
          c.close();
        },
      }).pipeThrough(tapTail(64, (t) => (tail = t))),
    ).text();
    assert.equal(out, text);
    assert.equal(tail, text.slice(-64));
  }
});

test("lastChatUsage finds the usage chunk before [DONE] and ignores a cut first line", () => {
  const tail = `{"choices":[],"usage":{"prompt_`+`\n\ndata: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7}}\n\ndata: [DONE]\n\n`;
  assert.deepEqual(lastChatUsage(tail), { prompt_tokens: 5, completion_tokens: 7 });
  assert.equal(lastChatUsage("data: [DONE]\n\n"), undefined);
});

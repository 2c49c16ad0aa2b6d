// Clients that read slower than Copilot writes: the server holds the upstream socket back (backpressure)
// and resumes it as they catch up. Each stream must arrive whole, and the server must stay responsive
// (a resumed socket with nothing buffered once fed empty reads to the stream pump, which spun on them).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent } from "undici";
import { type Harness, startHarness } from "../helpers/harness.js";

const CHUNKS = 1500;

describe("slow clients on long streams", () => {
  let h: Harness;
  const agent = new Agent({ connections: 32 });
  before(async () => {
    h = await startHarness({ fake: { chunkSplit: false } });
  });
  after(async () => {
    await agent.close();
    await h.close();
  });

  async function read(path: string, body: object, slow: boolean): Promise<string> {
    const res = await agent.request({
      origin: h.url,
      path,
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify(body),
    });
    let text = "";
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      text += chunk.toString();
      if (slow) await sleep(1);
    }
    return text;
  }

  it("translated (/v1/messages) and passthrough (/v1/chat/completions) streams arrive whole", { timeout: 60_000 }, async () => {
    const prompt = `Count. [[chunks:${CHUNKS}]]`;
    const messages = (slow: boolean) => read("/v1/messages", { model: "gpt-4.1", max_tokens: 100, stream: true, messages: [{ role: "user", content: prompt }] }, slow);
    const chat = (slow: boolean) => read("/v1/chat/completions", { model: "gpt-4.1", stream: true, messages: [{ role: "user", content: prompt }] }, slow);
    const texts = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? messages(i % 4 === 1) : chat(i % 4 === 0))));
    for (const [i, text] of texts.entries()) {
      const deltas = [...text.matchAll(i % 2 ? /"text_delta","text":"(w\d+ )"/g : /"content":"(w\d+ )"/g)].map((m) => m[1]);
      assert.equal(deltas.length, CHUNKS, `stream ${i}: ${deltas.length} of ${CHUNKS} deltas`);
      assert.equal(deltas.at(-1), `w${CHUNKS} `);
      assert.ok(i % 2 ? text.includes("event: message_stop") : text.trimEnd().endsWith("data: [DONE]"), `stream ${i} is complete`);
    }
  });
});

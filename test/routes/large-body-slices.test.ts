// Large bodies (300,000 tiny items, or one string near the 32 MB limit) must not hold the event loop:
// they are decoded, copied, stored and sent on in slices. Measured in this process, where the server
// runs: a ticker that yields with setImmediate records the most CPU time the process spent between
// two of its turns, from when the request is sent until the fake Copilot starts receiving our call
// (by then all of the server's work before the call is done; the fake's parsing comes after). CPU
// time rather than wall time: on a busy machine the wall time of the same hold doubles or triples.
//
// Before slicing, on a 2-core machine at load 7: the 300,000-item Responses body held the loop for
// 2.5 s of CPU, a 31 MB text for 0.5-1 s, and 300,000 messages translated from /v1/messages or
// Gemini took 0.7-0.8 s and then failed with a 500 (a spread of every message overflowed the
// stack). Sliced: 50-235 ms. With every decoder, encoder and interceptor resumable (pausing every
// 2,000 items): 30-190 ms, but /v1/messages translated to chat still 200-260 ms (docs/large-bodies.md).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { suiteHarness } from "../helpers/harness.js";
import { until } from "../helpers/reliability.js";

const BOUND_MS = 450;

describe("large bodies are handled in slices", () => {
  const h = suiteHarness();

  /** The longest hold of the event loop (CPU ms; wall ms for the message) before our call reaches the fake, and the answer. */
  async function longestHold(path: string, body: Uint8Array<ArrayBuffer>): Promise<{ holdMs: number; wallMs: number; status: number; text: string }> {
    await h.fake.whenIdle();
    let longest = 0;
    let longestWall = 0;
    let measuring = true;
    let last = process.cpuUsage();
    let lastWall = performance.now();
    const ticker = (async () => {
      while (measuring) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        const now = process.cpuUsage();
        const wall = performance.now();
        if (measuring) {
          longest = Math.max(longest, (now.user - last.user + now.system - last.system) / 1000);
          longestWall = Math.max(longestWall, wall - lastWall);
        }
        last = now;
        lastWall = wall;
        if (h.fake.activeRequests > 0) measuring = false;
      }
    })();
    const res = await fetch(`${h.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body,
    });
    const text = await res.text();
    measuring = false;
    await ticker;
    return { holdMs: longest, wallMs: longestWall, status: res.status, text: text.slice(0, 300) };
  }

  const tiny = (n: number, role: (i: number) => string) => Array.from({ length: n }, (_, i) => ({ role: role(i), content: "hi" }));
  const turn = (i: number) => (i % 2 ? "assistant" : "user");

  const cases: { name: string; path: string; body: () => object }[] = [
    { name: "/v1/responses, 300,000 input items (passthrough, stored)", path: "/v1/responses", body: () => ({ model: "gpt-5.4", input: tiny(300_000, turn), max_output_tokens: 16 }) },
    { name: "/v1/chat/completions, 300,000 messages", path: "/v1/chat/completions", body: () => ({ model: "gpt-4.1", messages: tiny(300_000, turn) }) },
    { name: "/v1/chat/completions to a Responses-only model, 300,000 messages (translated)", path: "/v1/chat/completions", body: () => ({ model: "gpt-5.4", messages: tiny(300_000, turn) }) },
    // One more than 300,000: the last must be a user message (no prefill on Copilot's /v1/messages).
    { name: "/v1/messages, 300,001 messages (native)", path: "/v1/messages", body: () => ({ model: "claude-sonnet-4.6", max_tokens: 16, messages: tiny(300_001, turn) }) },
    { name: "/v1/messages, 300,000 messages (translated to chat)", path: "/v1/messages", body: () => ({ model: "gpt-4.1", max_tokens: 16, messages: tiny(300_000, turn) }) },
    {
      name: "Gemini generateContent, 300,000 contents (translated to chat)",
      path: "/v1beta/models/gpt-4.1:generateContent",
      body: () => ({ contents: Array.from({ length: 300_000 }, (_, i) => ({ role: i % 2 ? "model" : "user", parts: [{ text: "hi" }] })) }),
    },
    { name: "Ollama /api/chat, 300,000 messages (translated to chat)", path: "/api/chat", body: () => ({ model: "gpt-4.1", stream: false, messages: tiny(300_000, turn) }) },
    { name: "/v1/responses to a Claude model, 300,000 items (translated, stored)", path: "/v1/responses", body: () => ({ model: "claude-sonnet-4.6", input: tiny(300_000, turn), max_output_tokens: 16 }) },
    {
      // All one role: the Anthropic encoder merged the run by copying the merged list each time,
      // quadratic (over a minute); now appended in place.
      name: "/v1/responses to a Claude model, 300,000 user items in a row (translated, stored)",
      path: "/v1/responses",
      body: () => ({ model: "claude-sonnet-4.6", input: tiny(300_000, () => "user"), max_output_tokens: 16 }),
    },
    {
      name: "/v1/messages, one text of 31 MB (native)",
      path: "/v1/messages",
      body: () => ({ model: "claude-sonnet-4.6", max_tokens: 16, messages: [{ role: "user", content: "The quick brown fox, \u00e9t\u00e9 \u2014 jumps over the lazy dog.\n".repeat(31 * 2 ** 20 / 60) }] }),
    },
    {
      name: "/v1/responses, one text of 31 MB (passthrough, stored)",
      path: "/v1/responses",
      body: () => ({ model: "gpt-5.4", input: [{ role: "user", content: "word ".repeat(31 * 2 ** 20 / 5) }], max_output_tokens: 16 }),
    },
  ];

  for (const c of cases) {
    it(c.name, { timeout: 120_000 }, async () => {
      const body = new TextEncoder().encode(JSON.stringify(c.body()));
      assert.ok(body.length < 32 * 2 ** 20, `${body.length} bytes: within the body limit`);
      const { holdMs, wallMs, status, text } = await longestHold(c.path, body);
      assert.equal(status, 200, text);
      assert.ok(holdMs < BOUND_MS, `the event loop was held for ${holdMs.toFixed(0)} ms of CPU, ${wallMs.toFixed(0)} ms of wall time (bound ${BOUND_MS} ms of CPU)`);
      await until(() => h.fake.activeRequests === 0, "the fake to finish");
    });
  }
});

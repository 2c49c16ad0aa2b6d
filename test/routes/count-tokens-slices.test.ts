// A count_tokens body shaped to be slow to tokenize (long runs of one character class, which made the
// byte-pair merge quadratic) must not hold the event loop: /health, asked while the count runs, is
// answered before it. The server runs in this process, so nothing here can run while the count holds
// the loop: if it did, the check for "counting has started" would only be seen once it had ended.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import { tokenCountCacheStats } from "../../src/tokens/count-tokens.js";
import { suiteHarness } from "../helpers/harness.js";

describe("token counting in slices", () => {
  const h = suiteHarness();

  for (const path of ["/v1/messages/count_tokens", "/v1/messages"]) {
    it(`${path}: /health is answered while a pathological body is counted`, { timeout: 120_000 }, async () => {
      // Three messages of 150,000 characters: one run each of letters, `=` and spaces.
      const runs = ["a", "=", " "].map((ch, i) => ({ role: i % 2 ? "assistant" : "user", content: `${path} ${ch.repeat(150_000)}.` }));
      // gpt-4.1 is served on /chat/completions: /v1/messages translates, and counts the body for its message_start.
      const body = { model: "gpt-4.1", max_tokens: 16, messages: runs };
      const order: string[] = [];
      const { misses, entries } = tokenCountCacheStats();
      const counted = fetch(`${h.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify(body),
      }).then(async (res) => {
        const json = (await res.json()) as { input_tokens?: number; usage?: { input_tokens?: number } };
        order.push("count");
        return { status: res.status, json };
      });
      // Wait until the server is counting (its first message has been looked up in the piece cache).
      while (tokenCountCacheStats().misses === misses && order.length === 0) await nextTurn();
      let countedWhenHealthy = 0;
      const health = await fetch(`${h.url}/health`).then(async (res) => {
        await res.text();
        order.push("health");
        // Each message's count goes into the piece cache once it is done.
        countedWhenHealthy = tokenCountCacheStats().entries - entries;
        return res.status;
      });
      const count = await counted;
      assert.equal(health, 200);
      assert.equal(count.status, 200, JSON.stringify(count.json));
      const tokens = count.json.input_tokens ?? count.json.usage?.input_tokens;
      assert.ok(typeof tokens === "number" && tokens > 1_000, `counted ${tokens}`);
      assert.deepEqual(order, ["health", "count"], "the count held the event loop until it ended");
      assert.ok(countedWhenHealthy < runs.length, `/health waited for ${countedWhenHealthy} of ${runs.length} messages to be counted`);
    });
  }
});

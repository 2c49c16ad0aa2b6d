import assert from "node:assert/strict";
import { describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { parseConfigFile } from "../../src/config.js";
import { startHarness } from "../helpers/harness.js";

const ALICE = "k-alice-0000000000";
const BOB = "k-bob-00000000000";

describe("allowed models per API key", () => {
  test("a key limited to some models is refused others with a 403 naming the model, in each dialect; other keys go on", { timeout: 30_000 }, async () => {
    const h = await startHarness({
      config: {
        apiKeys: [{ key: ALICE, name: "alice", models: ["gpt-4.1", "claude-sonnet-*"] }, BOB],
        modelAliases: { sonnet: "claude-sonnet-4.5" },
      },
    });
    try {
      const openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: ALICE, maxRetries: 0 });
      const ok = await openai.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] });
      assert.ok(ok.choices.length > 0);
      await assert.rejects(
        openai.chat.completions.create({ model: "gpt-5.4", messages: [{ role: "user", content: "hi" }] }),
        (e: InstanceType<typeof OpenAI.APIError>) => e.status === 403 && e.code === "model_not_allowed" && /may not use the model "gpt-5.4"/.test(e.message),
      );
      await assert.rejects(
        openai.responses.create({ model: "gpt-5.4", input: "hi" }),
        (e: InstanceType<typeof OpenAI.APIError>) => e.status === 403 && /gpt-5\.4/.test(e.message),
      );

      const anthropic = new Anthropic({ baseURL: h.url, apiKey: ALICE, maxRetries: 0 });
      // An alias resolving to an allowed family passes.
      const msg = await anthropic.messages.create({ model: "sonnet", max_tokens: 16, messages: [{ role: "user", content: "hi" }] });
      assert.equal(msg.type, "message");
      await assert.rejects(
        anthropic.messages.create({ model: "claude-haiku-4.5", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }),
        (e: InstanceType<typeof Anthropic.APIError>) =>
          e.status === 403 && (e.error as { error?: { type?: string } }).error?.type === "permission_error" && /claude-haiku-4\.5/.test(e.message),
      );

      // Gemini's and Ollama's dialects go through the same check.
      const gemini = await fetch(`${h.url}/v1beta/models/gpt-5.4:generateContent`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ALICE}` },
        body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
      });
      assert.equal(gemini.status, 403);
      assert.match(await gemini.text(), /may not use the model \\?"gpt-5\.4/);
      const ollama = await fetch(`${h.url}/api/chat`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ALICE}` },
        body: JSON.stringify({ model: "gpt-5.4", stream: false, messages: [{ role: "user", content: "hi" }] }),
      });
      assert.equal(ollama.status, 403);
      assert.match(await ollama.text(), /gpt-5\.4/);

      const bob = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: BOB, maxRetries: 0 });
      const other = await bob.chat.completions.create({ model: "gpt-5.4", messages: [{ role: "user", content: "hi" }] });
      assert.ok(other.choices.length > 0, "a key without a list may use any model");
    } finally {
      await h.close();
    }
  });

  test("the config file's models list is checked", () => {
    assert.deepEqual(parseConfigFile(JSON.stringify({ apiKeys: [{ key: "k1", models: ["gpt-4.1"] }] }), "c.json").apiKeys, [{ key: "k1", models: ["gpt-4.1"] }]);
    assert.throws(() => parseConfigFile(JSON.stringify({ apiKeys: [{ key: "k1", models: [] }] }), "c.json"), /"apiKeys" must be an array of keys/);
    assert.throws(() => parseConfigFile(JSON.stringify({ apiKeys: [{ key: "k1", models: "gpt-4.1" }] }), "c.json"), /"models": \["gpt-4.1"/);
  });
});

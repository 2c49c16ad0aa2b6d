import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, isStepCount, streamText, tool } from "ai";
import { z } from "zod";
import { suiteHarness } from "../helpers/harness.js";
import { MODEL_PER_ENDPOINT } from "../helpers/sdk-clients.js";

/**
 * The Vercel AI SDK (`ai` + `@ai-sdk/openai`) with its defaults: `provider(model)` speaks the
 * Responses API with `store: true`, so after the first step it sends `item_reference` items in
 * place of the reasoning and text it got (and opencode, built on it, matches streamed reasoning
 * parts by item id). A multi-step tool run must work on a responses-only model (pass-through), a
 * Claude model and a chat-only model (translated).
 */
describe("Vercel AI SDK, default OpenAI provider (Responses API, store: true)", () => {
  const h = suiteHarness();
  let provider: ReturnType<typeof createOpenAI>;
  const executed: string[] = [];
  const tools = {
    exec_command: tool({
      description: "Runs a shell command.",
      inputSchema: z.object({ cmd: z.string() }),
      execute: async ({ cmd }) => {
        executed.push(cmd);
        return "hi";
      },
    }),
  };
  const reasoning = { openai: { reasoningEffort: "low", reasoningSummary: "auto" } };

  before(async () => {
    provider = createOpenAI({ baseURL: `${h.url}/v1`, apiKey: "x" });
  });

  for (const [model, endpoint] of MODEL_PER_ENDPOINT) {
    test(`${model} on ${endpoint}: generateText and streamText run the tool and answer`, async () => {
      executed.length = 0;
      const calls = h.fake.callsTo(endpoint).length;
      const r = await generateText({ model: provider(model), tools, prompt: "[[think]] run echo hi", stopWhen: isStepCount(3), providerOptions: reasoning, maxRetries: 0 });
      assert.deepEqual(executed, ["echo hi"]);
      assert.equal(r.steps.length, 2);
      assert.match(r.text, /Tool result: "?hi"?/);
      assert.equal(h.fake.callsTo(endpoint).length, calls + 2);
      const second = JSON.stringify(h.fake.calls.at(-1)!.body);
      assert.ok(!second.includes("item_reference"), "references were expanded before Copilot saw them");
      assert.ok(second.includes("echo hi"), "the first step's call went back");

      executed.length = 0;
      const errors: unknown[] = [];
      const reasoningIds = new Set<string>();
      const s = streamText({ model: provider(model), tools, prompt: "[[think]] run echo hi", stopWhen: isStepCount(3), providerOptions: reasoning, maxRetries: 0, onError: ({ error }) => void errors.push(error) });
      for await (const part of s.fullStream) {
        if (part.type === "error") errors.push(part.error);
        if (part.type === "reasoning-start") reasoningIds.add(part.id);
      }
      assert.deepEqual(errors, []);
      assert.deepEqual(executed, ["echo hi"]);
      assert.match(await s.text, /Tool result: "?hi"?/);
      if (model !== "gpt-4.1") assert.ok(reasoningIds.size > 0, "reasoning parts were streamed");
    });
  }

  test("a chat-only model through provider.chat() (Chat Completions) runs the tool too", async () => {
    executed.length = 0;
    const r = await generateText({ model: provider.chat("gpt-4.1"), tools, prompt: "run echo hi", stopWhen: isStepCount(3), maxRetries: 0 });
    assert.deepEqual(executed, ["echo hi"]);
    assert.match(r.text, /Tool result: "?hi"?/);
  });
});

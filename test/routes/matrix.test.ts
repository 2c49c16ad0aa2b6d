import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { defaultModels, type FakeModel } from "../fake-upstream/models.js";
import { type Harness, startHarness } from "../helpers/harness.js";

/**
 * Every client dialect against every Copilot endpoint: for each cell, the request must reach the
 * endpoint the model lists, stream and non-stream, through a tool round trip, via the official SDK.
 * A model served only on /v1/messages is added to the fake so that cell exists.
 */
const messagesOnly: FakeModel = {
  ...(defaultModels().find((m) => m.id === "claude-sonnet-4.5") as FakeModel),
  id: "claude-messages-only",
  supported_endpoints: ["/v1/messages"],
};

const CELLS = {
  chat: [
    ["gpt-4.1", "/chat/completions"],
    ["claude-messages-only", "/v1/messages"],
  ],
  messages: [
    ["claude-sonnet-4.5", "/v1/messages"],
    ["gpt-4.1", "/chat/completions"],
  ],
} as const;

describe("dialect × endpoint matrix", () => {
  let h: Harness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    h = await startHarness({ fake: { models: [...defaultModels(), messagesOnly] } });
    openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: "x", maxRetries: 0, timeout: 10_000 });
    anthropic = new Anthropic({ baseURL: h.url, apiKey: "x", maxRetries: 0, timeout: 10_000 });
  });
  after(async () => {
    await h.close();
  });

  const lastRoute = () => h.fake.calls.filter((c) => c.method === "POST").at(-1)!.route;

  for (const [model, endpoint] of CELLS.chat) {
    describe(`chat client → ${model} on ${endpoint}`, () => {
      const tools: OpenAI.ChatCompletionTool[] = [
        { type: "function", function: { name: "bash", parameters: { type: "object", properties: { command: { type: "string" } } } } },
      ];

      test("non-stream text", async () => {
        const r = await openai.chat.completions.create({ model, messages: [{ role: "user", content: "hello" }] });
        assert.match(r.choices[0]?.message.content ?? "", /Hello from fake Copilot/);
        assert.equal(r.choices[0]?.finish_reason, "stop");
        assert.ok((r.usage?.prompt_tokens ?? 0) > 0);
        assert.equal(lastRoute(), endpoint);
      });

      test("stream with usage, then a tool round trip", async () => {
        const stream = await openai.chat.completions.create({
          model,
          messages: [{ role: "user", content: "x [[chunks:12]]" }],
          stream: true,
          stream_options: { include_usage: true },
        });
        let text = "";
        let usage = false;
        for await (const ch of stream) {
          text += ch.choices[0]?.delta?.content ?? "";
          if (ch.usage) usage = true;
        }
        assert.equal(text.trim().split(/\s+/).length, 12);
        assert.ok(usage);

        const first = await openai.chat.completions.stream({ model, tools, messages: [{ role: "user", content: "run echo hi" }] }).finalChatCompletion();
        const call = first.choices[0]?.message.tool_calls?.[0];
        assert.equal(first.choices[0]?.finish_reason, "tool_calls");
        assert.ok(call && call.type === "function");
        assert.deepEqual(JSON.parse(call.function.arguments), { command: "echo hi" });
        const second = await openai.chat.completions.create({
          model,
          tools,
          messages: [
            { role: "user", content: "run echo hi" },
            first.choices[0]!.message as OpenAI.ChatCompletionMessageParam,
            { role: "tool", tool_call_id: call.id, content: "hi" },
          ],
        });
        assert.match(second.choices[0]?.message.content ?? "", /Tool result: hi/);
        assert.equal(lastRoute(), endpoint);
        assert.equal(h.fake.calls.at(-1)!.headers["x-initiator"], "agent");
      });
    });
  }

  for (const [model, endpoint] of CELLS.messages) {
    describe(`messages client → ${model} on ${endpoint}`, () => {
      const tools: Anthropic.Tool[] = [{ name: "Bash", input_schema: { type: "object", properties: { command: { type: "string" } } } }];

      test("non-stream and stream text", async () => {
        const m = await anthropic.messages.create({ model, max_tokens: 100, messages: [{ role: "user", content: "hello" }] });
        assert.match(m.content[0]?.type === "text" ? m.content[0].text : "", /Hello from fake Copilot/);
        const s = await anthropic.messages.stream({ model, max_tokens: 100, messages: [{ role: "user", content: "hello" }] }).finalMessage();
        assert.match(s.content[0]?.type === "text" ? s.content[0].text : "", /Hello from fake Copilot/);
        assert.equal(lastRoute(), endpoint);
      });

      test("tool round trip", async () => {
        const first = await anthropic.messages.stream({ model, max_tokens: 100, tools, messages: [{ role: "user", content: "run echo hi" }] }).finalMessage();
        const use = first.content.find((b) => b.type === "tool_use");
        assert.ok(use && use.type === "tool_use");
        const second = await anthropic.messages.create({
          model,
          max_tokens: 100,
          tools,
          messages: [
            { role: "user", content: "run echo hi" },
            { role: "assistant", content: first.content },
            { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "hi" }] },
          ],
        });
        assert.match(second.content.find((b) => b.type === "text")?.type === "text" ? (second.content.find((b) => b.type === "text") as Anthropic.TextBlock).text : "", /Tool result: hi/);
        assert.equal(lastRoute(), endpoint);
      });
    });
  }
});

import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { defaultModels, type FakeModel } from "../fake-upstream/models.js";
import { suiteHarness } from "../helpers/harness.js";
import { anthropicFor, openaiFor } from "../helpers/sdk-clients.js";

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
    ["gpt-5.4", "/responses"],
    ["claude-messages-only", "/v1/messages"],
  ],
  messages: [
    ["claude-sonnet-4.5", "/v1/messages"],
    ["gpt-5.4", "/responses"],
    ["gpt-4.1", "/chat/completions"],
  ],
  responses: [
    ["gpt-5.4", "/responses"],
    ["claude-sonnet-4.5", "/v1/messages"],
    ["gpt-4.1", "/chat/completions"],
  ],
} as const;

describe("dialect × endpoint matrix", () => {
  const h = suiteHarness(() => ({ fake: { models: [...defaultModels(), messagesOnly] } }));
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    openai = openaiFor(h);
    anthropic = anthropicFor(h);
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

  for (const [model, endpoint] of CELLS.responses) {
    describe(`responses client → ${model} on ${endpoint}`, () => {
      const tools: OpenAI.Responses.Tool[] = [
        { type: "function", name: "exec_command", strict: false, parameters: { type: "object", properties: { cmd: { type: "string" } } } },
      ];

      test("non-stream and stream text with usage", async () => {
        const r = await openai.responses.create({ model, input: "hello" });
        assert.match(r.output_text, /Hello from fake Copilot/);
        assert.ok((r.usage?.input_tokens ?? 0) > 0);
        const final = await openai.responses.stream({ model, input: [{ role: "user", content: "x [[chunks:15]]" }] }).finalResponse();
        assert.equal(final.output_text.trim().split(/\s+/).length, 15);
        assert.equal(final.status, "completed");
        assert.equal(lastRoute(), endpoint);
      });

      test("function call round trip", async () => {
        const first = await openai.responses.stream({ model, tools, input: [{ role: "user", content: "run echo hi" }] }).finalResponse();
        const call = first.output.find((o) => o.type === "function_call");
        assert.ok(call && call.type === "function_call", JSON.stringify(first.output));
        assert.deepEqual(JSON.parse(call.arguments), { cmd: "echo hi" });
        const second = await openai.responses.create({
          model,
          tools,
          input: [
            { role: "user", content: "run echo hi" },
            { type: "function_call", call_id: call.call_id, name: call.name, arguments: call.arguments },
            { type: "function_call_output", call_id: call.call_id, output: "hi" },
          ],
        });
        assert.match(second.output_text, /Tool result: hi/);
        assert.equal(lastRoute(), endpoint);
        assert.equal(h.fake.calls.at(-1)!.headers["x-initiator"], "agent");
      });
    });
  }

  test("Anthropic thinking on a responses-only model comes back as thinking blocks, and its state round-trips", async () => {
    const params = { model: "gpt-5.4", max_tokens: 4000, thinking: { type: "enabled" as const, budget_tokens: 2000 } };
    const first = await anthropic.messages.stream({ ...params, messages: [{ role: "user", content: "[[think]] why" }] }).finalMessage();
    const thinking = first.content.find((b) => b.type === "thinking");
    assert.ok(thinking?.type === "thinking" && thinking.thinking.length > 0, JSON.stringify(first.content));
    const sent = h.fake.calls.at(-1)!.body as { reasoning?: { effort?: string; summary?: string } };
    assert.ok(sent.reasoning?.effort, "thinking maps to a reasoning effort");
    // The fake rejects encrypted reasoning it did not issue, so success proves the state came back byte-exact.
    const second = await anthropic.messages.create({
      ...params,
      messages: [
        { role: "user", content: "[[think]] why" },
        { role: "assistant", content: first.content },
        { role: "user", content: "go on" },
      ],
    });
    assert.ok(second.content.length > 0);
    assert.ok(h.fake.calls.at(-1)!.rawBody.includes("encrypted_content"), "the reasoning item went back");
  });

  test("Codex's custom apply_patch tool: sent as a function tool, answered as a custom_tool_call with raw input", async () => {
    const grammar = { type: "custom" as const, name: "apply_patch", description: "patch", format: { type: "grammar" as const, syntax: "lark" as const, definition: "start: /.+/" } };
    const r = await openai.responses.create({ model: "gpt-5.4", tools: [grammar], input: "run *** Begin Patch" });
    const sentTools = (h.fake.calls.at(-1)!.body as { tools: { type: string; name: string }[] }).tools;
    assert.deepEqual(sentTools.map((t) => t.type), ["function"]);
    const call = r.output.find((o) => o.type === "custom_tool_call");
    assert.ok(call && call.type === "custom_tool_call", JSON.stringify(r.output));
    assert.equal(call.name, "apply_patch");
    assert.equal(typeof call.input, "string");
  });

  test("previous_response_id gets a clear 400; a WebSocket upgrade gets 405, not 404", async () => {
    await assert.rejects(
      openai.responses.create({ model: "gpt-5.4", input: "hi", previous_response_id: "resp_1" }),
      (e: InstanceType<typeof OpenAI.APIError>) => e.status === 400 && /previous_response_id/.test(e.message),
    );
    // What Codex's built-in provider sends first (real-clients.md 2.1); fetch can't send Upgrade.
    const ws = await new Promise<{ status?: number; allow?: string; body: string }>((resolve, reject) => {
      const req = httpRequest(`${h.url}/v1/responses`, {
        headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "openai-beta": "responses_websockets=2026-02-06" },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode, allow: res.headers.allow, body }));
      });
      req.on("upgrade", () => reject(new Error("the server accepted a WebSocket upgrade")));
      req.on("error", reject);
      req.end();
    });
    assert.equal(ws.status, 405);
    assert.equal(ws.allow, "POST");
    assert.match(ws.body, /POST \/v1\/responses/);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import OpenAI from "openai";
import { ChatStreamDecoder } from "../../src/dialects/openai-chat/decode-stream.js";
import { encodeChatCompletion } from "../../src/dialects/openai-chat/encode-completion.js";
import { ChatStreamEncoder } from "../../src/dialects/openai-chat/encode-stream.js";
import { ApiError } from "../../src/errors.js";
import { accumulate } from "../../src/ir/accumulate.js";
import type { StreamPart } from "../../src/ir/stream.js";
import { SseParser } from "../../src/sse/sse-decoder.js";

const OPTIONS = { id: "chatcmpl-x", model: "claude-sonnet-4.6", created: 1700000000 };

const ANSWER: StreamPart[] = [
  { type: "start", id: "msg_1", model: "claude-sonnet-4-6" },
  { type: "reasoning-start", id: "r0" },
  { type: "reasoning-delta", id: "r0", delta: "think" },
  { type: "reasoning-end", id: "r0", signature: "sig", origin: "openai-chat" },
  { type: "text-start", id: "t0" },
  { type: "text-delta", id: "t0", delta: "héllo 🌍" },
  { type: "text-end", id: "t0" },
  { type: "tool-input-start", id: "toolu_1", name: "get_weather" },
  { type: "tool-input-delta", id: "toolu_1", delta: '{"city":' },
  { type: "tool-input-delta", id: "toolu_1", delta: '"Paris"}' },
  { type: "tool-input-end", id: "toolu_1", input: '{"city":"Paris"}' },
  { type: "tool-input-start", id: "toolu_2", name: "noop" },
  { type: "tool-input-end", id: "toolu_2", input: "{}", thoughtSignature: "ts" },
  { type: "finish", reason: "tool-calls", raw: "tool_use", usage: { inputTokens: 10, cacheReadTokens: 5, outputTokens: 3 } },
];

function encodeAll(parts: StreamPart[], includeUsage: boolean): string {
  const encoder = new ChatStreamEncoder({ ...OPTIONS, includeUsage });
  return parts.flatMap((p) => encoder.encode(p)).join("");
}

function dataLines(sse: string): string[] {
  return new SseParser().push(sse).map((e) => e.data);
}

describe("ChatStreamEncoder", () => {
  it("writes role, content, tool-call and finish chunks, then usage and [DONE]", () => {
    const data = dataLines(encodeAll(ANSWER, true));
    assert.equal(data[data.length - 1], "[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Record<string, any>);
    for (const c of chunks) {
      assert.equal(c.id, "chatcmpl-x");
      assert.equal(c.object, "chat.completion.chunk");
      assert.equal(c.model, "claude-sonnet-4.6");
      assert.equal(c.created, 1700000000);
    }
    assert.deepEqual(
      chunks.map((c) => (c.choices.length ? [c.choices[0].delta, c.choices[0].finish_reason] : ["usage", c.usage])),
      [
        [{ role: "assistant", content: "" }, null],
        [{ reasoning_content: "think" }, null],
        [{ reasoning_opaque: "sig" }, null],
        [{ content: "héllo 🌍" }, null],
        [{ tool_calls: [{ index: 0, id: "toolu_1", type: "function", function: { name: "get_weather", arguments: "" } }] }, null],
        [{ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, null],
        [{ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, null],
        [{ tool_calls: [{ index: 1, id: "toolu_2", type: "function", function: { name: "noop", arguments: "" } }] }, null],
        // nothing was streamed for toolu_2: its normalised input is sent so the arguments parse
        [{ tool_calls: [{ index: 1, function: { arguments: "{}" } }] }, null],
        [{ tool_calls: [{ index: 1, function: { thought_signature: "ts" } }] }, null],
        [{}, "tool_calls"],
        [
          "usage",
          {
            prompt_tokens: 15,
            completion_tokens: 3,
            total_tokens: 18,
            prompt_tokens_details: { cached_tokens: 5 },
            completion_tokens_details: { reasoning_tokens: 0 },
          },
        ],
      ],
    );
  });

  it("without include_usage there is no usage chunk; separate text blocks read as paragraphs", () => {
    const data = dataLines(
      encodeAll(
        [
          { type: "start" },
          { type: "text-start", id: "a" },
          { type: "text-delta", id: "a", delta: "One." },
          { type: "text-end", id: "a" },
          { type: "text-start", id: "b" },
          { type: "text-delta", id: "b", delta: "Two." },
          { type: "text-end", id: "b" },
          { type: "finish", reason: "stop", usage: {} },
        ],
        false,
      ),
    );
    assert.deepEqual(
      data.map((d) => (d === "[DONE]" ? d : JSON.parse(d).choices[0].delta.content ?? JSON.parse(d).choices[0].finish_reason)),
      ["", "One.", "\n\nTwo.", "stop", "[DONE]"],
    );
  });

  it("an error part becomes an OpenAI error object and ends the stream", () => {
    const encoder = new ChatStreamEncoder(OPTIONS);
    encoder.encode({ type: "start" });
    const frames = encoder.encode({ type: "error", error: new ApiError({ kind: "rate_limit", status: 429, message: "Slow down", code: "rate_limited" }) });
    assert.deepEqual(frames.map((f) => JSON.parse(dataLines(f)[0]!)), [
      { error: { message: "Slow down", type: "rate_limit_error", param: null, code: "rate_limited" } },
    ]);
    assert.deepEqual(encoder.encode({ type: "finish", reason: "stop", usage: {} }), []);
  });

  it("round-trips through ChatStreamDecoder to the same answer", () => {
    const decoder = new ChatStreamDecoder();
    const parts: StreamPart[] = [];
    for (const d of dataLines(encodeAll(ANSWER, true))) parts.push(...(d === "[DONE]" ? decoder.done() : decoder.push(JSON.parse(d))));
    const back = accumulate(parts).result();
    const original = accumulate(ANSWER).result();
    assert.deepEqual(back.content, original.content);
    assert.equal(back.finishReason, "tool-calls");
    assert.deepEqual(back.usage, { inputTokens: 10, cacheReadTokens: 5, outputTokens: 3, reasoningTokens: 0 });
  });

  it("the openai SDK reassembles the stream (.stream().finalChatCompletion())", async () => {
    const sse = encodeAll(ANSWER, true);
    const client = new OpenAI({
      apiKey: "test",
      baseURL: "http://127.0.0.1:1/v1",
      maxRetries: 0,
      fetch: async () => new Response(sse, { status: 200, headers: { "content-type": "text/event-stream" } }),
    });
    const stream = client.chat.completions.stream({
      model: "claude-sonnet-4.6",
      messages: [{ role: "user", content: "hi" }],
      stream_options: { include_usage: true },
    });
    const completion = await stream.finalChatCompletion();
    const message = completion.choices[0]!.message;
    assert.equal(message.content, "héllo 🌍");
    assert.deepEqual(
      message.tool_calls?.map((c) => (c.type === "function" ? [c.id, c.function.name, c.function.arguments] : [])),
      [
        ["toolu_1", "get_weather", '{"city":"Paris"}'],
        ["toolu_2", "noop", "{}"],
      ],
    );
    assert.equal(completion.choices[0]!.finish_reason, "tool_calls");
    assert.equal(completion.usage?.prompt_tokens, 15);
  });
});

describe("encodeChatCompletion", () => {
  it("folds an answer into one chat.completion", () => {
    const answer = accumulate([
      ...ANSWER.slice(0, -1),
      { type: "tool-input-start", id: "p1", name: "apply_patch", custom: true },
      { type: "tool-input-delta", id: "p1", delta: "*** Begin Patch" },
      { type: "tool-input-end", id: "p1", input: "*** Begin Patch" },
      ANSWER[ANSWER.length - 1]!,
    ]).result();
    assert.deepEqual(encodeChatCompletion(answer, "claude-sonnet-4.6", { created: 1700000000 }), {
      id: "msg_1",
      object: "chat.completion",
      created: 1700000000,
      model: "claude-sonnet-4.6",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "héllo 🌍",
            refusal: null,
            reasoning_content: "think",
            reasoning_opaque: "sig",
            tool_calls: [
              { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
              { id: "toolu_2", type: "function", function: { name: "noop", arguments: "{}", thought_signature: "ts" } },
              { id: "p1", type: "custom", custom: { name: "apply_patch", input: "*** Begin Patch" } },
            ],
          },
          logprobs: null,
          finish_reason: "tool_calls",
        },
      ],
      usage: {
        prompt_tokens: 15,
        completion_tokens: 3,
        total_tokens: 18,
        prompt_tokens_details: { cached_tokens: 5 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
  });

  it("a text-only answer has no tool_calls and maps length", () => {
    const body = encodeChatCompletion(
      { content: [{ type: "text", text: "a" }, { type: "text", text: "b" }], finishReason: "length", usage: {} },
      "m",
      { id: "fixed", created: 1 },
    );
    assert.equal(body.id, "fixed");
    assert.deepEqual(body.choices[0]!.message, { role: "assistant", content: "a\n\nb", refusal: null });
    assert.equal(body.choices[0]!.finish_reason, "length");
  });
});

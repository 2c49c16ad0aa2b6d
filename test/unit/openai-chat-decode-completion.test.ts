import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { decodeChatCompletion } from "../../src/dialects/openai-chat/decode-completion.js";
import { accumulate } from "../../src/ir/accumulate.js";
import { sample } from "../helpers/samples.js";

const SAMPLE = sample("copilot-chat-response-tool-call.json");

describe("decodeChatCompletion", () => {
  it("decodes Copilot's real tool-call reply (padding and content_filter_results ignored)", (t) => {
    if (!existsSync(SAMPLE)) return t.skip(`${SAMPLE} is absent`);
    const parts = decodeChatCompletion(JSON.parse(readFileSync(SAMPLE, "utf8")));
    assert.deepEqual(parts, [
      { type: "start", id: "chatcmpl-DEqoxtV6YeiL5d6QdvqUFV5KDoM0n", model: "gpt-4o-2024-11-20" },
      { type: "tool-input-start", id: "call_xMrquKCGiAdJpthTnrQNbVpq", name: "get_weather" },
      { type: "tool-input-delta", id: "call_xMrquKCGiAdJpthTnrQNbVpq", delta: '{"location":"Tokyo"}' },
      { type: "tool-input-end", id: "call_xMrquKCGiAdJpthTnrQNbVpq", input: '{"location":"Tokyo"}' },
      { type: "finish", reason: "tool-calls", raw: "tool_calls", usage: { inputTokens: 57, cacheReadTokens: 0, outputTokens: 15 } },
    ]);
  });

  it("merges Claude's split choices into one answer: text, then the tool call (T1)", () => {
    const answer = accumulate(
      decodeChatCompletion({
        id: "c",
        model: "claude-sonnet-4.6",
        choices: [
          { index: 0, message: { role: "assistant", content: "Let me look." }, finish_reason: "stop" },
          {
            index: 1,
            message: { role: "assistant", tool_calls: [{ id: "toolu_1", type: "function", function: { name: "Read", arguments: "" } }] },
            finish_reason: "tool_calls",
          },
        ],
        usage: { prompt_tokens: 10, completion_tokens: 4 },
      }),
    ).result();
    assert.deepEqual(answer, {
      id: "c",
      model: "claude-sonnet-4.6",
      content: [
        { type: "text", text: "Let me look." },
        { type: "tool-call", id: "toolu_1", name: "Read", input: "{}" },
      ],
      finishReason: "tool-calls",
      rawFinishReason: "tool_calls",
      usage: { inputTokens: 10, outputTokens: 4 },
    });
  });

  it("keeps reasoning_text/reasoning_opaque and Gemini thought signatures", () => {
    const answer = accumulate(
      decodeChatCompletion({
        id: "g",
        model: "gemini-3-pro",
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: "Searching.",
              reasoning_text: "I should search.",
              reasoning_opaque: "opaque-1",
              tool_calls: [
                { id: "call_1", type: "function", function: { name: "search", arguments: '{"q":"a"}', thought_signature: "ts-1" } },
                { id: "call_2", type: "function", function: { name: "search", arguments: "[]" } },
              ],
            },
            finish_reason: "tool_calls",
          },
        ],
      }),
    ).result();
    assert.deepEqual(answer.content, [
      { type: "reasoning", text: "I should search.", signature: "opaque-1", origin: "openai-chat" },
      { type: "text", text: "Searching." },
      { type: "tool-call", id: "call_1", name: "search", input: '{"q":"a"}', thoughtSignature: "ts-1" },
      { type: "tool-call", id: "call_2", name: "search", input: "{}" },
    ]);
    assert.equal(answer.finishReason, "tool-calls");
  });

  it("a thinking-only answer (choices: [], completion tokens > 0) is a valid stop (T13)", () => {
    const parts = decodeChatCompletion({ id: "x", model: "m", choices: [], usage: { prompt_tokens: 5, completion_tokens: 50 } });
    assert.deepEqual(parts, [
      { type: "start", id: "x", model: "m" },
      { type: "finish", reason: "stop", usage: { inputTokens: 5, outputTokens: 50 } },
    ]);
  });

  it("an error body inside a 200 becomes an error part", () => {
    const parts = decodeChatCompletion({ error: { message: "prompt token count of 9 exceeds the limit of 5", code: "model_max_prompt_tokens_exceeded", status: 400 } });
    assert.deepEqual(parts.map((p) => p.type), ["start", "error"]);
    const e = parts[1]!;
    assert.ok(e.type === "error");
    if (e.type !== "error") return;
    assert.equal(e.error.status, 400);
    assert.equal(e.error.kind, "context_window");
  });

  it("a body that isn't an object is an error", () => {
    assert.deepEqual(decodeChatCompletion("<html>").map((p) => p.type), ["start", "error"]);
  });
});

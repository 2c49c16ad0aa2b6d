import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeAnthropicUsage, encodeAnthropicDeltaUsage, encodeAnthropicUsage } from "../../src/dialects/anthropic/convert-usage.js";
import { decodeAnthropicRequest } from "../../src/dialects/anthropic/decode-request.js";
import { encodeAnthropicMessage } from "../../src/dialects/anthropic/encode-message.js";
import { mapFinishReason, mapStopReason } from "../../src/dialects/anthropic/map-stop-reason.js";
import { decodeThinkingSignature, encodeThinkingSignature } from "../../src/dialects/anthropic/wire.js";
import type { Answer } from "../../src/ir/accumulate.js";
import type { FinishReason } from "../../src/ir/stream.js";

const ids = () => {
  let n = 0;
  return (prefix: "msg" | "toolu") => `${prefix}_gen${++n}`;
};

describe("encodeAnthropicMessage", () => {
  it("encodes an answer with reasoning, text and tool calls", () => {
    const answer: Answer = {
      id: "chatcmpl-9",
      content: [
        { type: "reasoning", text: "think", signature: "SIG", origin: "anthropic" },
        { type: "reasoning", text: "" },
        { type: "text", text: "" },
        { type: "text", text: "Doing it." },
        { type: "tool-call", id: "call_1", name: "Read", input: '{"path":"a"}' },
        { type: "tool-call", id: "", name: "Glob", input: "[]" },
      ],
      finishReason: "tool-calls",
      usage: { inputTokens: 50, outputTokens: 20, cacheReadTokens: 1000 },
    };
    assert.deepEqual(encodeAnthropicMessage(answer, "claude-sonnet-4-6", ids()), {
      id: "msg_gen1",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-6",
      content: [
        { type: "thinking", thinking: "think", signature: "SIG" },
        { type: "text", text: "Doing it." },
        { type: "tool_use", id: "call_1", name: "Read", input: { path: "a" } },
        { type: "tool_use", id: "toolu_gen2", name: "Glob", input: {} },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 50, output_tokens: 20, cache_read_input_tokens: 1000 },
    });
  });

  it("demotes tool-calls without tool blocks (T8) and keeps reasoning-only answers valid (T19)", () => {
    const msg = encodeAnthropicMessage(
      { content: [{ type: "reasoning", text: "only thoughts", signature: "opaque", origin: "openai-chat" }], finishReason: "tool-calls", usage: {} },
      "m",
      ids(),
    );
    assert.equal(msg.stop_reason, "end_turn");
    assert.equal(msg.content.length, 1);
    assert.equal(msg.content[0]?.type, "thinking");
    assert.deepEqual(msg.usage, { input_tokens: 0, output_tokens: 0 });
    // and Claude Code's echo of it decodes back to the original state
    const back = decodeAnthropicRequest({ model: "m", messages: [{ role: "assistant", content: msg.content }] });
    assert.deepEqual(back.messages[0]?.content, [{ type: "reasoning", text: "only thoughts", signature: "opaque", origin: "openai-chat" }]);
  });
});

describe("thinking signature codec", () => {
  it("round-trips every origin and field", () => {
    const cases = [
      { signature: "EqQB", origin: "anthropic" as const },
      { signature: "op:aq/ue+==", origin: "openai-chat" as const },
      { itemId: "rs_1", encryptedContent: "gAAA:B/C+=", origin: "openai-responses" as const },
      { redactedData: "R", signature: "S", origin: "openai-chat" as const },
    ];
    for (const state of cases) {
      const encoded = encodeThinkingSignature(state);
      assert.ok(encoded);
      assert.deepEqual(decodeThinkingSignature(encoded), state);
    }
    assert.equal(encodeThinkingSignature({ origin: "openai-chat" }), undefined);
    assert.deepEqual(decodeThinkingSignature(""), {});
    assert.equal(decodeThinkingSignature("cpk:gemini:e30"), undefined);
    assert.equal(decodeThinkingSignature("cpk:openai-chat:bm90IGpzb24"), undefined);
    assert.equal(decodeThinkingSignature("cpk:openai-chat"), undefined);
  });
});

describe("stop reasons", () => {
  it("maps IR finish reasons to Anthropic and back", () => {
    const table: [FinishReason, string][] = [
      ["stop", "end_turn"],
      ["length", "max_tokens"],
      ["tool-calls", "tool_use"],
      ["content-filter", "refusal"],
      ["refusal", "refusal"],
      ["pause", "pause_turn"],
      ["context-window", "model_context_window_exceeded"],
      ["error", "end_turn"],
      ["other", "end_turn"],
    ];
    for (const [ir, wire] of table) assert.equal(mapFinishReason(ir), wire, ir);
    assert.equal(mapFinishReason("stop", "stop_sequence"), "stop_sequence");
    for (const wire of ["end_turn", "max_tokens", "tool_use", "pause_turn", "refusal", "model_context_window_exceeded"]) {
      assert.equal(mapFinishReason(mapStopReason(wire), wire), wire);
    }
    assert.equal(mapFinishReason(mapStopReason("stop_sequence"), "stop_sequence"), "stop_sequence");
    assert.equal(mapStopReason(null), "other");
    assert.equal(mapStopReason("something_new"), "other");
  });
});

describe("usage", () => {
  it("excludes cache reads from input_tokens (T25) and round-trips cache writes", () => {
    assert.deepEqual(encodeAnthropicUsage({ inputTokens: 100, cacheReadTokens: 900, outputTokens: 5 }), {
      input_tokens: 100,
      output_tokens: 5,
      cache_read_input_tokens: 900,
    });
    assert.deepEqual(encodeAnthropicUsage({}, 77), { input_tokens: 77, output_tokens: 0 });
    assert.deepEqual(encodeAnthropicDeltaUsage({}), { output_tokens: 0 });
    const wire = { input_tokens: 10, cache_creation_input_tokens: 30, cache_read_input_tokens: 60, output_tokens: 4 };
    const ir = decodeAnthropicUsage(wire);
    assert.deepEqual(ir, { inputTokens: 10, outputTokens: 4, cacheReadTokens: 60, cacheWriteTokens: 30 });
    assert.deepEqual(encodeAnthropicUsage(ir), wire);
    assert.deepEqual(decodeAnthropicUsage({ input_tokens: "x", output_tokens: -1 }), {});
  });
});

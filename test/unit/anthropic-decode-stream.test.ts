import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { AnthropicStreamDecoder, anthropicDecoderOptions, decodeAnthropicMessage } from "../../src/dialects/anthropic/decode-stream.js";
import { AnthropicStreamEncoder } from "../../src/dialects/anthropic/encode-stream.js";
import { ApiError } from "../../src/errors.js";
import { accumulate } from "../../src/ir/accumulate.js";
import type { StreamPart } from "../../src/ir/stream.js";

const SAMPLES = new URL("../../../../shared/reference/upstream-samples/", import.meta.url);
const sample = (name: string) => new URL(name, SAMPLES);
const hasSamples = existsSync(sample("anthropic-messages-stream-text.jsonl"));

/** A .jsonl sample as SSE events: the event name is the data's type, as Anthropic sends it. */
function sampleEvents(name: string): { event?: string; data: string }[] {
  return readFileSync(sample(name), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((data) => ({ event: (JSON.parse(data) as { type: string }).type, data }));
}

const ev = (data: Record<string, unknown>) => ({ event: String(data.type), data: JSON.stringify(data) });

function decodeAll(events: { event?: string; data: string }[]): StreamPart[] {
  const d = new AnthropicStreamDecoder();
  return [...events.flatMap((e) => d.push(e)), ...d.end()];
}

describe("AnthropicStreamDecoder on real Anthropic streams", { skip: hasSamples ? false : "reference samples are absent" }, () => {
  it("decodes the text sample, ignoring ping", () => {
    const parts = decodeAll(sampleEvents("anthropic-messages-stream-text.jsonl"));
    assert.deepEqual(parts[0], {
      type: "start",
      id: "msg_01QC4g3HwBThD4BaNtBckFDJ",
      model: "claude-sonnet-4-5-20250929",
      usage: { inputTokens: 12, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
    assert.deepEqual(
      parts.map((p) => p.type),
      ["start", "text-start", ...Array(6).fill("text-delta"), "text-end", "usage", "finish"],
    );
    assert.deepEqual(parts.at(-1), {
      type: "finish",
      reason: "stop",
      raw: "end_turn",
      usage: { inputTokens: 12, outputTokens: 30, cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
    const answer = accumulate(parts).result();
    assert.deepEqual(answer.content, [
      { type: "text", text: "Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?" },
    ]);
  });

  it("decodes a tool call with no arguments as input {}", () => {
    const parts = decodeAll(sampleEvents("anthropic-messages-stream-tool-no-args.jsonl"));
    const answer = accumulate(parts).result();
    assert.deepEqual(answer.content, [
      { type: "text", text: "I'll update the issue list for you." },
      { type: "tool-call", id: "toolu_01QE1WLsSVp5hy5Q3GmGTmjP", name: "updateIssueList", input: "{}" },
    ]);
    assert.equal(answer.finishReason, "tool-calls");
  });

  it("re-encodes both samples into the same Anthropic content (decoder → encoder)", () => {
    for (const name of ["anthropic-messages-stream-text.jsonl", "anthropic-messages-stream-tool-no-args.jsonl"]) {
      const original = sampleEvents(name).map((e) => JSON.parse(e.data) as Record<string, unknown>);
      const enc = new AnthropicStreamEncoder({ model: "claude-sonnet-4-5-20250929" });
      const out = decodeAll(sampleEvents(name))
        .flatMap((p) => enc.encode(p))
        .map((f) => JSON.parse(f.split("\n")[1]!.slice("data: ".length)) as Record<string, unknown>);
      const blocks = (events: Record<string, unknown>[]) =>
        events.filter((e) => e.type === "content_block_start" || e.type === "content_block_stop").map((e) => JSON.stringify(e));
      assert.deepEqual(blocks(out), blocks(original), name);
      const stop = (events: Record<string, unknown>[]) => (events.find((e) => e.type === "message_delta")?.delta as { stop_reason: string }).stop_reason;
      assert.equal(stop(out), stop(original));
    }
  });
});

describe("AnthropicStreamDecoder on Copilot's extras", () => {
  it("handles thinking with signature_delta, Copilot fields, server tool blocks and the trailing [DONE]", () => {
    const parts = decodeAll([
      ev({ type: "message_start", message: { id: "msg_1", model: "claude-sonnet-4-6", usage: { input_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 1 } } }),
      ev({ type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }),
      ev({ type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "hmm" } }),
      ev({ type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "SIG" } }),
      ev({ type: "content_block_stop", index: 0 }),
      ev({ type: "content_block_start", index: 1, content_block: { type: "server_tool_use", id: "srvtoolu_1", name: "tool_search_tool_regex", input: {} } }),
      ev({ type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"q":"x"}' } }),
      ev({ type: "content_block_stop", index: 1 }),
      ev({ type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "toolu_7", name: "Read", input: {} } }),
      ev({ type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"path":' }, copilot_annotations: {} }),
      ev({ type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '"a"}' } }),
      ev({ type: "content_block_stop", index: 2 }),
      ev({ type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null, stop_details: null }, usage: { output_tokens: 40 }, copilot_usage: { x: 1 } }),
      ev({ type: "message_stop", "amazon-bedrock-invocationMetrics": {} }),
      { event: "message", data: "[DONE]" },
    ]);
    const answer = accumulate(parts).result();
    assert.deepEqual(answer.content, [
      { type: "reasoning", text: "hmm", signature: "SIG", origin: "anthropic" },
      { type: "tool-call", id: "toolu_7", name: "Read", input: '{"path":"a"}' },
    ]);
    assert.equal(answer.finishReason, "tool-calls");
    // input_tokens excludes cache reads and writes on the wire; the IR's inputTokens includes writes.
    assert.deepEqual(answer.usage, { inputTokens: 5, outputTokens: 40, cacheReadTokens: 100, cacheWriteTokens: 20 });
    assert.equal(parts.filter((p) => p.type === "finish").length, 1);
  });

  it("maps stop reasons", () => {
    const finishOf = (stop: string | null) =>
      decodeAll([ev({ type: "message_start", message: { usage: {} } }), ev({ type: "message_delta", delta: { stop_reason: stop }, usage: { output_tokens: 1 } }), ev({ type: "message_stop" })]).at(-1);
    assert.deepEqual(finishOf("max_tokens"), { type: "finish", reason: "length", raw: "max_tokens", usage: { outputTokens: 1 } });
    assert.equal((finishOf("refusal") as { reason: string }).reason, "refusal");
    assert.equal((finishOf("pause_turn") as { reason: string }).reason, "pause");
    assert.equal((finishOf("model_context_window_exceeded") as { reason: string }).reason, "context-window");
    assert.deepEqual(finishOf("stop_sequence"), { type: "finish", reason: "stop", raw: "stop_sequence", usage: { outputTokens: 1 } });
  });

  it("turns an error event into an error part, last", () => {
    const d = new AnthropicStreamDecoder();
    const parts = [
      ...d.push(ev({ type: "message_start", message: { id: "msg_1", usage: { input_tokens: 1, output_tokens: 0 } } })),
      ...d.push({ event: "error", data: JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }) }),
      ...d.push(ev({ type: "message_stop" })),
      ...d.end(),
    ];
    assert.deepEqual(parts.map((p) => p.type), ["start", "error"]);
    const error = (parts[1] as { error: ApiError }).error;
    assert.ok(error instanceof ApiError);
    assert.equal(error.kind, "overloaded");
    assert.equal(error.status, 529);
    assert.equal(error.message, "Overloaded");
    assert.equal(error.upstream, true);
  });

  it("finishes a stream without message_stop once the stop reason came, and fails one cut short", () => {
    const lenient = decodeAll([
      ev({ type: "message_start", message: { usage: { input_tokens: 1, output_tokens: 0 } } }),
      ev({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
      ev({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "hi" } }),
      ev({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 2 } }),
    ]);
    assert.deepEqual(lenient.slice(-2).map((p) => p.type), ["text-end", "finish"]);

    const cut = decodeAll([
      ev({ type: "message_start", message: { usage: {} } }),
      ev({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
      ev({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "hi" } }),
    ]);
    const last = cut.at(-1) as { type: string; error: ApiError };
    assert.equal(last.type, "error");
    assert.equal(last.error.code, "stream_truncated");
    assert.equal(cut.filter((p) => p.type === "error").length, 1);
  });

  it("reports a malformed event as an error", () => {
    const d = new AnthropicStreamDecoder();
    const parts = [...d.push({ event: "message_start", data: '{"type":"message_start",' }), ...d.end()];
    assert.equal(parts.length, 1);
    assert.equal(parts[0]?.type, "error");
    const plain = new AnthropicStreamDecoder().push({ event: "error", data: "upstream exploded" });
    assert.equal((plain[0] as { error: ApiError }).error.message, "upstream exploded");
  });
});

describe("AnthropicStreamDecoder with custom tools", () => {
  it("unwraps a custom tool's {input} back to raw text, whole at the end", () => {
    const d = new AnthropicStreamDecoder(
      anthropicDecoderOptions({ tools: [{ type: "custom", name: "apply_patch" }, { type: "function", name: "Read", parameters: {} }] }),
    );
    const parts = [
      ev({ type: "message_start", message: { usage: { input_tokens: 1, output_tokens: 0 } } }),
      ev({ type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_p", name: "apply_patch", input: {} } }),
      ev({ type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"input":"*** Begin' } }),
      ev({ type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: ' Patch\\n"}' } }),
      ev({ type: "content_block_stop", index: 0 }),
      ev({ type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 3 } }),
      ev({ type: "message_stop" }),
    ].flatMap((e) => d.push(e));
    assert.deepEqual(parts.slice(1, 4), [
      { type: "tool-input-start", id: "toolu_p", name: "apply_patch", custom: true },
      { type: "tool-input-delta", id: "toolu_p", delta: "*** Begin Patch\n" },
      { type: "tool-input-end", id: "toolu_p", input: "*** Begin Patch\n" },
    ]);
    assert.deepEqual(accumulate(parts).result().content, [{ type: "tool-call", id: "toolu_p", name: "apply_patch", input: "*** Begin Patch\n", custom: true }]);
  });
});

describe("decodeAnthropicMessage", () => {
  it("replays a non-streaming message through the stream steps", () => {
    const parts = decodeAnthropicMessage({
      id: "msg_2",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-6",
      content: [
        { type: "thinking", thinking: "plan", signature: "S1" },
        { type: "redacted_thinking", data: "R1" },
        { type: "text", text: "Let me read it." },
        { type: "tool_use", id: "toolu_3", name: "Read", input: { path: "x" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 7, output_tokens: 11, cache_read_input_tokens: 3 },
      copilot_usage: {},
    });
    assert.equal(parts[0]?.type, "start");
    const acc = accumulate(parts);
    assert.equal(acc.finished, true);
    const answer = acc.result();
    assert.equal(answer.id, "msg_2");
    assert.deepEqual(answer.content, [
      { type: "reasoning", text: "plan", signature: "S1", origin: "anthropic" },
      { type: "reasoning", text: "", redactedData: "R1", origin: "anthropic" },
      { type: "text", text: "Let me read it." },
      { type: "tool-call", id: "toolu_3", name: "Read", input: '{"path":"x"}' },
    ]);
    assert.equal(answer.finishReason, "tool-calls");
    assert.deepEqual(answer.usage, { inputTokens: 7, outputTokens: 11, cacheReadTokens: 3 });
  });

  it("turns an error body into an error part", () => {
    const parts = decodeAnthropicMessage({ type: "error", error: { type: "invalid_request_error", message: "prompt is too long: 200000 tokens > 128000 maximum" } });
    assert.equal(parts.length, 1);
    const error = (parts[0] as { error: ApiError }).error;
    assert.equal(error.kind, "context_window");
    assert.equal(error.status, 400);
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { GeminiStreamEncoder } from "../../src/dialects/gemini/encode-stream.js";
import { encodeGeminiAnswer } from "../../src/dialects/gemini/encode-answer.js";
import { ApiError } from "../../src/errors.js";
import { accumulate } from "../../src/ir/accumulate.js";
import type { StreamPart } from "../../src/ir/stream.js";
import { unpackOpaqueState } from "../../src/ir/opaque-state.js";

const PARTS: StreamPart[] = [
  { type: "start", id: "x", model: "m" },
  { type: "reasoning-start", id: "r" },
  { type: "reasoning-delta", id: "r", delta: "hmm " },
  { type: "reasoning-delta", id: "r", delta: "ok" },
  { type: "reasoning-end", id: "r", signature: "sig", origin: "anthropic" },
  { type: "text-start", id: "t" },
  { type: "text-delta", id: "t", delta: "Hi" },
  { type: "text-end", id: "t" },
  { type: "tool-input-start", id: "call_1", name: "sh" },
  { type: "tool-input-delta", id: "call_1", delta: '{"command":' },
  { type: "tool-input-end", id: "call_1", input: '{"command":"ls"}' },
  { type: "finish", reason: "tool-calls", usage: { inputTokens: 10, cacheReadTokens: 5, outputTokens: 20, reasoningTokens: 8 } },
];

const sse = (frames: string[]) => frames.map((f) => JSON.parse(f.replace(/^data: /, "")) as Record<string, any>);

describe("GeminiStreamEncoder", () => {
  test("SSE: thoughts when asked for, text, a whole call carrying the reasoning state, then finish with usage", () => {
    const enc = new GeminiStreamEncoder({ model: "claude", responseId: "r1", includeThoughts: true, form: "sse" });
    const chunks = sse(PARTS.flatMap((p) => enc.encode(p)));
    const parts = chunks.map((c) => c.candidates[0].content.parts);
    assert.deepEqual(parts[0], [{ text: "hmm ", thought: true }]);
    assert.deepEqual(parts[1], [{ text: "ok", thought: true }]);
    assert.equal(parts[2][0].thought, true);
    assert.deepEqual(parts[3], [{ text: "Hi" }]);
    const call = parts[4][0];
    assert.deepEqual(call.functionCall, { id: "call_1", name: "sh", args: { command: "ls" } });
    assert.deepEqual(unpackOpaqueState(call.thoughtSignature, ["anthropic"]), { origin: "anthropic", signature: "sig", text: "hmm ok" });
    const last = chunks.at(-1)!;
    assert.equal(last.candidates[0].finishReason, "STOP");
    assert.deepEqual(last.usageMetadata, { promptTokenCount: 15, candidatesTokenCount: 12, totalTokenCount: 35, cachedContentTokenCount: 5, thoughtsTokenCount: 8 });
    assert.ok(chunks.every((c) => c.modelVersion === "claude" && c.responseId === "r1"));
    assert.equal(enc.finished, true);
    assert.deepEqual(enc.encode({ type: "text-delta", id: "t", delta: "late" }), []);
  });

  test("without includeThoughts no thought part is sent, but the call still carries the state", () => {
    const enc = new GeminiStreamEncoder({ model: "m", responseId: "r", includeThoughts: false, form: "sse" });
    const chunks = sse(PARTS.flatMap((p) => enc.encode(p)));
    const parts = chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []);
    assert.ok(!parts.some((p: { thought?: boolean }) => p.thought));
    assert.ok(parts.find((p: { functionCall?: unknown }) => p.functionCall).thoughtSignature.startsWith("cpk:anthropic:"));
  });

  test("array form: one JSON array, whole only at the end; an error closes it too", () => {
    const enc = new GeminiStreamEncoder({ model: "m", responseId: "r", includeThoughts: false, form: "array" });
    const text = PARTS.flatMap((p) => enc.encode(p)).join("");
    const array = JSON.parse(text) as unknown[];
    assert.equal(array.length, 3);
    const failing = new GeminiStreamEncoder({ model: "m", responseId: "r", includeThoughts: false, form: "array" });
    const out = [
      ...failing.encode({ type: "text-delta", id: "t", delta: "a" }),
      ...failing.encode({ type: "error", error: new ApiError({ kind: "rate_limit", status: 429, message: "slow down" }) }),
    ].join("");
    const [, err] = JSON.parse(out) as [unknown, { error: unknown }];
    assert.deepEqual(err.error, { code: 429, message: "slow down", status: "RESOURCE_EXHAUSTED" });
    assert.equal(failing.ping(), "\n");
  });

  test("a whole answer has the same parts as the stream, folded", () => {
    const answer = accumulate(PARTS).result();
    const body = encodeGeminiAnswer(answer, "m", { includeThoughts: true, responseId: "r" });
    const parts = body.candidates[0]!.content.parts as Record<string, any>[];
    assert.deepEqual(parts.map((p) => Object.keys(p).sort().join(",")), ["text,thought,thoughtSignature", "text", "functionCall,thoughtSignature"]);
    assert.equal(body.usageMetadata.thoughtsTokenCount, 8);
    assert.equal(body.candidates[0]!.finishReason, "STOP");
  });

  test("finish reasons: length is MAX_TOKENS, content filter SAFETY", () => {
    for (const [reason, want] of [["length", "MAX_TOKENS"], ["content-filter", "SAFETY"], ["stop", "STOP"]] as const) {
      const enc = new GeminiStreamEncoder({ model: "m", responseId: "r", includeThoughts: false, form: "sse" });
      const [frame] = enc.encode({ type: "finish", reason, usage: {} });
      assert.equal(sse([frame!])[0]!.candidates[0].finishReason, want);
    }
  });
});

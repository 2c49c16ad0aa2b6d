import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeOllamaChat, decodeOllamaGenerate } from "../../src/dialects/ollama/decode-request.js";
import { OllamaStreamEncoder } from "../../src/dialects/ollama/encode-stream.js";
import { encodeOllamaAnswer } from "../../src/dialects/ollama/encode-answer.js";
import { copilotModelName } from "../../src/dialects/ollama/model-name.js";
import { ApiError } from "../../src/errors.js";
import { accumulate } from "../../src/ir/accumulate.js";
import type { StreamPart } from "../../src/ir/stream.js";

const PNG = "iVBORw0KGgoAAAANSUhEUg";
const JPEG = "/9j/4AAQSkZJRg";

function refuses(fn: () => unknown, field: RegExp) {
  assert.throws(fn, (e: unknown) => e instanceof ApiError && e.status === 400 && field.test(e.message));
}

describe("decodeOllamaChat", () => {
  test("roles, images by magic bytes, tool calls with made-up ids answered in order, options", () => {
    const { req, think } = decodeOllamaChat({
      model: "gpt-4.1:latest",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "look", images: [PNG, `data:image/webp;base64,UklGR`] },
        { role: "assistant", content: "", tool_calls: [{ function: { name: "a", arguments: { x: 1 } } }, { function: { name: "b", arguments: "{\"y\":2}" } }] },
        { role: "tool", content: "for b", tool_name: "b" },
        { role: "tool", content: "for a" },
        { role: "user", content: "so?", images: [JPEG] },
      ],
      options: { temperature: 0.1, top_p: 0.5, top_k: 3, num_predict: 64, stop: "END", num_ctx: 8192, seed: 1 },
      format: "json",
    });
    assert.equal(think, false);
    assert.equal(req.model, "gpt-4.1");
    assert.equal(req.stream, true, "Ollama streams by default");
    assert.deepEqual(req.system, [{ type: "text", text: "Be brief." }]);
    assert.deepEqual(req.messages[0]!.content.slice(1), [
      { type: "image", source: { kind: "base64", mediaType: "image/png", data: PNG } },
      { type: "image", source: { kind: "base64", mediaType: "image/webp", data: "UklGR" } },
    ]);
    assert.deepEqual(req.messages[1]!.content, [
      { type: "tool-call", id: "call_2_0", name: "a", input: '{"x":1}' },
      { type: "tool-call", id: "call_2_1", name: "b", input: '{"y":2}' },
    ]);
    const results = req.messages[2]!.content;
    assert.deepEqual(results.map((p) => (p.type === "tool-result" ? p.callId : p.type)), ["call_2_1", "call_2_0", "text", "image"]);
    assert.equal(req.temperature, 0.1);
    assert.equal(req.topK, 3);
    assert.equal(req.maxOutputTokens, 64);
    assert.deepEqual(req.stopSequences, ["END"]);
    assert.deepEqual(req.responseFormat, { type: "json_object" });
  });

  test("think, format as a schema, stream false, num_predict -1", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const { req, think } = decodeOllamaChat({ model: "m", messages: [{ role: "user", content: "x" }], think: "high", format: schema, stream: false, options: { num_predict: -1 } });
    assert.equal(think, true);
    assert.deepEqual(req.reasoning, { mode: "adaptive", effort: "high" });
    assert.deepEqual(req.responseFormat, { type: "json_schema", name: "response", schema });
    assert.equal(req.stream, false);
    assert.equal(req.maxOutputTokens, undefined);
    assert.deepEqual(decodeOllamaChat({ model: "m", messages: [{ role: "user", content: "x" }], think: false }).req.reasoning, { mode: "disabled" });
  });

  test("bad input is a 400 naming the field", () => {
    refuses(() => decodeOllamaChat({ messages: [] }), /`model`/);
    refuses(() => decodeOllamaChat({ model: "m" }), /`messages`/);
    refuses(() => decodeOllamaChat({ model: "m", messages: [{ role: "user", content: "x", images: ["AAAA"] }] }), /messages\[0\]\.images\[0\].*PNG/);
    refuses(() => decodeOllamaChat({ model: "m", messages: [{ role: "wizard", content: "x" }] }), /messages\[0\]\.role/);
    refuses(() => decodeOllamaChat({ model: "m", messages: [{ role: "user", content: "x" }], think: "very" }), /`think`/);
    refuses(() => decodeOllamaChat({ model: "m", messages: [{ role: "user", content: "x" }], format: 3 }), /`format`/);
    refuses(() => decodeOllamaChat({ model: "m", messages: [{ role: "user", content: "x" }], options: { temperature: "hot" } }), /options\.temperature/);
    refuses(() => decodeOllamaChat({ model: "m", messages: [{ role: "user", content: "x" }], tools: [{ function: {} }] }), /tools\[0\]\.function\.name/);
  });
});

describe("decodeOllamaGenerate", () => {
  test("prompt, system and images make one user turn", () => {
    const { req } = decodeOllamaGenerate({ model: "m:latest", prompt: "hi", system: "sys", images: [PNG], stream: false });
    assert.deepEqual(req.system, [{ type: "text", text: "sys" }]);
    assert.equal(req.messages.length, 1);
    assert.deepEqual(req.messages[0]!.content.map((p) => p.type), ["text", "image"]);
    refuses(() => decodeOllamaGenerate({ model: "m", prompt: "a", suffix: "b" }), /suffix/);
  });
  test("model names drop :latest only", () => {
    assert.equal(copilotModelName("gpt-4.1:latest"), "gpt-4.1");
    assert.equal(copilotModelName("llama3:8b"), "llama3:8b");
  });
});

describe("OllamaStreamEncoder", () => {
  const PARTS: StreamPart[] = [
    { type: "start" },
    { type: "reasoning-start", id: "r" },
    { type: "reasoning-delta", id: "r", delta: "hmm" },
    { type: "reasoning-end", id: "r" },
    { type: "text-start", id: "t" },
    { type: "text-delta", id: "t", delta: "Hi" },
    { type: "text-end", id: "t" },
    { type: "tool-input-start", id: "c1", name: "sh" },
    { type: "tool-input-delta", id: "c1", delta: "{" },
    { type: "tool-input-end", id: "c1", input: '{"command":"ls"}' },
    { type: "finish", reason: "length", usage: { inputTokens: 7, cacheReadTokens: 3, outputTokens: 11 } },
  ];
  const lines = (frames: string[]) => frames.join("").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);

  test("chat: one JSON object per line, thinking when asked, tool calls whole, done with counts", () => {
    const enc = new OllamaStreamEncoder({ model: "x:latest", form: "chat", think: true, startedAt: performance.now() });
    const out = lines(PARTS.flatMap((p) => enc.encode(p)));
    assert.deepEqual(out.map((l) => l.message), [
      { role: "assistant", content: "", thinking: "hmm" },
      { role: "assistant", content: "Hi" },
      { role: "assistant", content: "", tool_calls: [{ id: "c1", function: { name: "sh", arguments: { command: "ls" } } }] },
      { role: "assistant", content: "" },
    ]);
    assert.ok(out.slice(0, -1).every((l) => l.done === false && l.model === "x:latest"));
    const last = out.at(-1)!;
    assert.equal(last.done, true);
    assert.equal(last.done_reason, "length");
    assert.equal(last.prompt_eval_count, 10);
    assert.equal(last.eval_count, 11);
    assert.ok(last.total_duration >= 0);
  });

  test("generate: `response` and no thinking unless asked; an error is one {error} line", () => {
    const enc = new OllamaStreamEncoder({ model: "x", form: "generate", think: false, startedAt: performance.now() });
    const out = lines(PARTS.slice(0, 7).flatMap((p) => enc.encode(p)));
    assert.deepEqual(out.map((l) => l.response), ["Hi"]);
    const err = lines(enc.encode({ type: "error", error: new ApiError({ kind: "upstream", status: 502, message: "broke" }) }));
    assert.deepEqual(err, [{ error: "broke" }]);
    assert.equal(enc.finished, true);
  });

  test("a whole answer folds the same lines", () => {
    const body = encodeOllamaAnswer(accumulate(PARTS).result(), { model: "x", form: "chat", think: false, startedAt: performance.now() });
    assert.deepEqual(body.message, { role: "assistant", content: "Hi", tool_calls: [{ id: "c1", function: { name: "sh", arguments: { command: "ls" } } }] });
    assert.equal(body.done, true);
  });
});

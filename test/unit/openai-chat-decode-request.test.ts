import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeChatRequest, wantsStreamUsage } from "../../src/dialects/openai-chat/decode-request.js";
import { ApiError } from "../../src/errors.js";

const rejects = (body: unknown, param: string | undefined, message?: RegExp) =>
  assert.throws(
    () => decodeChatRequest(body),
    (e: unknown) => e instanceof ApiError && e.status === 400 && e.param === param && (!message || message.test(e.message)),
  );

describe("decodeChatRequest", () => {
  it("decodes a full tool-loop conversation", () => {
    const req = decodeChatRequest({
      model: "gpt-5.4",
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: "system", content: "You are terse." },
        { role: "developer", content: [{ type: "text", text: "Use tools." }] },
        { role: "user", content: [{ type: "text", text: "weather?" }, null, { type: "image_url", image_url: null }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } }] },
        {
          role: "assistant",
          content: null,
          reasoning_text: "need weather",
          reasoning_opaque: "opq",
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}', thought_signature: "ts" } },
            { id: "call_2", type: "function", function: { name: "get_time", arguments: "[]" } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
        { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "noon" }] },
        { role: "user", content: "thanks" },
        { role: "developer", content: "mid-conversation" },
      ],
      tools: [
        { type: "function", function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: true } },
        { type: "custom", custom: { name: "apply_patch", description: "Patch", format: { type: "text" } } },
      ],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      parallel_tool_calls: false,
      max_tokens: 100,
      max_completion_tokens: 200,
      temperature: 0.5,
      top_p: 0.9,
      stop: "END",
      user: "u",
      reasoning_effort: "high",
      response_format: { type: "json_schema", json_schema: { name: "out", schema: { type: "object" }, strict: true } },
    });
    assert.deepEqual(req, {
      model: "gpt-5.4",
      stream: true,
      system: [
        { type: "text", text: "You are terse." },
        { type: "text", text: "Use tools." },
      ],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "weather?" },
            { type: "image", source: { kind: "base64", mediaType: "image/png", data: "AAAA" }, detail: "low" },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "reasoning", text: "need weather", signature: "opq", origin: "openai-chat" },
            { type: "tool-call", id: "call_1", name: "get_weather", input: '{"city":"Paris"}', thoughtSignature: "ts" },
            { type: "tool-call", id: "call_2", name: "get_time", input: "{}" },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool-result", callId: "call_1", content: [{ type: "text", text: "sunny" }] },
            { type: "tool-result", callId: "call_2", content: [{ type: "text", text: "noon" }] },
            { type: "text", text: "thanks" },
          ],
        },
        { role: "system", content: [{ type: "text", text: "mid-conversation" }] },
      ],
      tools: [
        { type: "function", name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: true },
        { type: "custom", name: "apply_patch", description: "Patch", format: { type: "text" } },
      ],
      toolChoice: { type: "tool", name: "get_weather" },
      parallelToolCalls: false,
      maxOutputTokens: 200,
      temperature: 0.5,
      topP: 0.9,
      stopSequences: ["END"],
      user: "u",
      reasoning: { mode: "adaptive", effort: "high" },
      responseFormat: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true },
    });
  });

  it("reads reasoning_effort none as disabled, max_tokens alone, a URL image and a file part", () => {
    const req = decodeChatRequest({
      model: "m",
      reasoning_effort: "none",
      max_tokens: 10,
      messages: [
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: "https://x/y.png" } },
            { type: "file", file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBER" } },
          ],
        },
      ],
    });
    assert.deepEqual(req.reasoning, { mode: "disabled" });
    assert.equal(req.maxOutputTokens, 10);
    assert.equal(req.stream, false);
    assert.deepEqual(req.messages[0]!.content, [
      { type: "image", source: { kind: "url", url: "https://x/y.png", field: "messages[0].content[0].image_url.url" } },
      { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBER" }, title: "a.pdf" },
    ]);
  });

  it("rejects malformed bodies with a 400 naming the field", () => {
    rejects([], undefined);
    rejects({ messages: [{ role: "user", content: "x" }] }, "model");
    rejects({ model: "m", messages: [] }, "messages");
    rejects({ model: "m", messages: [{ role: "bot", content: "x" }] }, "messages[0].role");
    rejects({ model: "m", messages: [{ role: "tool", content: "x" }] }, "messages[0].tool_call_id");
    rejects({ model: "m", messages: [{ role: "user", content: [{ type: "input_audio" }] }] }, "messages[0].content[0].type", /input_audio/);
    rejects({ model: "m", messages: [{ role: "user", content: "x" }], max_tokens: 0 }, "max_tokens");
    rejects({ model: "m", messages: [{ role: "user", content: "x" }], reasoning_effort: "ultra" }, "reasoning_effort");
    rejects({ model: "m", messages: [{ role: "user", content: "x" }], tools: [{ type: "function", function: {} }] }, "tools[0].function.name");
    rejects({ model: "m", messages: [{ role: "user", content: "x" }], tool_choice: "sometimes" }, "tool_choice");
    rejects({ model: "m", messages: [{ role: "user", content: "x" }], n: 2 }, "n");
    rejects({ model: "m", messages: [{ role: "assistant", tool_calls: [{ id: "c", function: { arguments: "{}" } }] }] }, "messages[0].tool_calls[0].function.name");
  });

  it("wantsStreamUsage reads stream_options.include_usage", () => {
    assert.equal(wantsStreamUsage({ stream_options: { include_usage: true } }), true);
    assert.equal(wantsStreamUsage({ stream: true }), false);
  });
});

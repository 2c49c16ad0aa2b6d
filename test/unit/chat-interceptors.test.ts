import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ChatBody, chatInterceptors, interceptChat } from "../../src/interceptors/chat/index.js";
import { withCleanContentParts } from "../../src/interceptors/chat/with-clean-content-parts.js";
import { withMaxCompletionTokens } from "../../src/interceptors/chat/with-max-completion-tokens.js";
import { objectArguments, withObjectToolArguments } from "../../src/interceptors/chat/with-object-tool-arguments.js";
import { padSchema, withPaddedToolSchemas } from "../../src/interceptors/chat/with-padded-tool-schemas.js";
import { withSingleSamplingParam } from "../../src/interceptors/chat/with-single-sampling-param.js";
import type { CopilotModel } from "../../src/upstream/model-catalog.js";

const openai: CopilotModel = { id: "gpt-5-mini", vendor: "Azure OpenAI", capabilities: { type: "chat" } };
const claude: CopilotModel = { id: "claude-sonnet-4.5", vendor: "Anthropic", capabilities: { type: "chat" } };
const gemini: CopilotModel = { id: "gemini-2.5-pro", vendor: "Google", capabilities: { type: "chat" } };

const body = (extra: Partial<ChatBody> = {}): ChatBody => ({ model: "x", messages: [{ role: "user", content: "hi" }], ...extra });

describe("withMaxCompletionTokens (T20)", () => {
  it("OpenAI models: max_tokens moves to max_completion_tokens", () => {
    const b = body({ max_tokens: 512 });
    withMaxCompletionTokens(b, openai);
    assert.equal(b.max_completion_tokens, 512);
    assert.ok(!("max_tokens" in b));
  });
  it("an explicit max_completion_tokens wins over max_tokens", () => {
    const b = body({ max_tokens: 512, max_completion_tokens: 100 });
    withMaxCompletionTokens(b, { ...openai, vendor: "OpenAI" });
    assert.equal(b.max_completion_tokens, 100);
    assert.ok(!("max_tokens" in b));
  });
  it("other vendors keep max_tokens", () => {
    for (const model of [claude, gemini]) {
      const b = body({ max_tokens: 512 });
      withMaxCompletionTokens(b, model);
      assert.equal(b.max_tokens, 512);
      assert.equal(b.max_completion_tokens, undefined);
    }
  });
});

describe("withSingleSamplingParam (T21)", () => {
  it("Claude: temperature + top_p -> temperature only", () => {
    const b = body({ temperature: 0.2, top_p: 0.9 });
    withSingleSamplingParam(b, claude);
    assert.equal(b.temperature, 0.2);
    assert.ok(!("top_p" in b));
  });
  it("Claude: top_p alone stays", () => {
    const b = body({ top_p: 0.9 });
    withSingleSamplingParam(b, claude);
    assert.equal(b.top_p, 0.9);
  });
  it("other vendors keep both", () => {
    const b = body({ temperature: 0.2, top_p: 0.9 });
    withSingleSamplingParam(b, openai);
    assert.equal(b.top_p, 0.9);
  });
});

describe("withObjectToolArguments (T5, case 3)", () => {
  it("normalises every non-object argument to a JSON object string", () => {
    assert.equal(objectArguments(""), "{}");
    assert.equal(objectArguments("   "), "{}");
    assert.equal(objectArguments("[]"), "{}");
    assert.equal(objectArguments('"str"'), "{}");
    assert.equal(objectArguments("null"), "{}");
    assert.equal(objectArguments("{bad json"), "{}");
    assert.equal(objectArguments(undefined), "{}");
    assert.equal(objectArguments(42), "{}");
    assert.equal(objectArguments([1]), "{}");
    assert.equal(objectArguments({ a: 1 }), '{"a":1}');
    assert.equal(objectArguments('{"path":"a.ts"}'), '{"path":"a.ts"}');
  });
  it("touches only assistant tool_calls", () => {
    const b = body({
      messages: [
        { role: "user", content: "x", tool_calls: [{ function: { name: "f", arguments: "[]" } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "" } }, { id: "c2", type: "function" }] },
      ],
    });
    withObjectToolArguments(b, claude);
    assert.equal(b.messages[0]?.tool_calls?.[0]?.function?.arguments, "[]");
    assert.equal(b.messages[1]?.tool_calls?.[0]?.function?.arguments, "{}");
    assert.equal(b.messages[1]?.tool_calls?.[1]?.function, undefined);
  });
});

describe("withCleanContentParts (T24, case 40)", () => {
  it("drops null parts, null image_url and non-string text; keeps the rest", () => {
    const b = body({
      messages: [
        {
          role: "user",
          content: [
            null,
            { type: "text", text: "hello" },
            { type: "image_url", image_url: null },
            { type: "image_url", image_url: { url: "data:image/png;base64,AA" } },
            { type: "text", text: null },
            "stray string",
            { type: "input_audio", input_audio: { data: "x", format: "wav" } },
          ],
        },
      ],
    });
    withCleanContentParts(b, openai);
    assert.deepEqual(b.messages[0]?.content, [
      { type: "text", text: "hello" },
      { type: "image_url", image_url: { url: "data:image/png;base64,AA" } },
      { type: "input_audio", input_audio: { data: "x", format: "wav" } },
    ]);
  });
  it("a content array left empty becomes an empty string; strings are untouched", () => {
    const b = body({ messages: [{ role: "user", content: [null, { type: "image_url", image_url: null }] }, { role: "assistant", content: "ok" }] });
    withCleanContentParts(b, openai);
    assert.equal(b.messages[0]?.content, "");
    assert.equal(b.messages[1]?.content, "ok");
  });
});

describe("withPaddedToolSchemas (T23, case 36)", () => {
  it("pads object schemas without properties and array schemas without items, recursively", () => {
    const schema = {
      type: "object",
      properties: {
        opts: { type: "object" },
        list: { type: "array" },
        nested: { type: "array", items: { type: "object" } },
        either: { anyOf: [{ type: "object" }, { type: "string" }] },
      },
    };
    assert.deepEqual(padSchema(schema), {
      type: "object",
      properties: {
        opts: { type: "object", properties: {} },
        list: { type: "array", items: {} },
        nested: { type: "array", items: { type: "object", properties: {} } },
        either: { anyOf: [{ type: "object", properties: {} }, { type: "string" }] },
      },
    });
    assert.deepEqual(schema.properties.opts, { type: "object" }, "the input is not mutated");
  });
  it("a tool with no parameters gets an empty object schema", () => {
    const b = body({ tools: [{ type: "function", function: { name: "now" } }, { type: "function", function: { name: "x", parameters: { type: "object" } } }] });
    withPaddedToolSchemas(b, openai);
    assert.deepEqual(b.tools?.[0]?.function?.parameters, { type: "object", properties: {} });
    assert.deepEqual(b.tools?.[1]?.function?.parameters, { type: "object", properties: {} });
  });
  it("object schemas inside $defs / definitions / additionalProperties are padded too", () => {
    const padded = padSchema({
      type: "object",
      properties: { a: { $ref: "#/$defs/Opts" } },
      $defs: { Opts: { type: "object" } },
      definitions: { Old: { type: "array" } },
      additionalProperties: { type: "object" },
    }) as Record<string, Record<string, unknown>>;
    assert.deepEqual(padded.$defs, { Opts: { type: "object", properties: {} } });
    assert.deepEqual(padded.definitions, { Old: { type: "array", items: {} } });
    assert.deepEqual(padded.additionalProperties, { type: "object", properties: {} });
  });
  it("absurd nesting is bounded and non-objects pass through", () => {
    let deep: Record<string, unknown> = { type: "object" };
    for (let i = 0; i < 10_000; i++) deep = { type: "object", properties: { x: deep } };
    assert.doesNotThrow(() => padSchema(deep));
    assert.equal(padSchema(true), true);
    assert.equal(padSchema(null), null);
  });
});

describe("interceptChat", () => {
  it("sets the resolved model id and runs every interceptor", () => {
    assert.equal(chatInterceptors.length, 5);
    const b = interceptChat(
      body({
        model: "gpt5mini-alias",
        max_tokens: 10,
        temperature: 1,
        top_p: 1,
        messages: [
          { role: "user", content: [null, { type: "text", text: "hi" }] },
          { role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "[]" } }] },
        ],
        tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
      }),
      openai,
    );
    assert.equal(b.model, "gpt-5-mini");
    assert.equal(b.max_completion_tokens, 10);
    assert.equal(b.top_p, 1, "OpenAI keeps both sampling params");
    assert.deepEqual(b.messages[0]?.content, [{ type: "text", text: "hi" }]);
    assert.equal(b.messages[1]?.tool_calls?.[0]?.function?.arguments, "{}");
    assert.deepEqual(b.tools?.[0]?.function?.parameters, { type: "object", properties: {} });
  });
});

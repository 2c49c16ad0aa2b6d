import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeGeminiRequest } from "../../src/dialects/gemini/decode-request.js";
import { packOpaqueState } from "../../src/ir/opaque-state.js";
import { ApiError } from "../../src/errors.js";

const decode = (body: Record<string, unknown>, stream = false) => decodeGeminiRequest(body, { model: "m", stream });

function refuses(body: Record<string, unknown>, field: RegExp) {
  assert.throws(() => decode(body), (e: unknown) => e instanceof ApiError && e.status === 400 && field.test(e.message));
}

describe("decodeGeminiRequest", () => {
  test("system, user text, images, a model turn with a call, and its response paired by name", () => {
    const { req, includeThoughts } = decode({
      systemInstruction: { role: "user", parts: [{ text: "Be brief." }, { text: "Really." }] },
      contents: [
        { role: "user", parts: [{ text: "look" }, { inlineData: { mimeType: "image/png", data: "iVBOR" } }] },
        { role: "model", parts: [{ text: "I'll look." }, { functionCall: { name: "read", args: { path: "a" } } }] },
        { role: "user", parts: [{ functionResponse: { name: "read", response: { output: "file a" } } }, { text: "and?" }] },
      ],
      generationConfig: { temperature: 0.3, topP: 0.9, topK: 40, maxOutputTokens: 100, stopSequences: ["END"] },
    });
    assert.equal(includeThoughts, false);
    assert.deepEqual(req.system.map((t) => t.text), ["Be brief.", "Really."]);
    assert.deepEqual(req.messages[0], {
      role: "user",
      content: [{ type: "text", text: "look" }, { type: "image", source: { kind: "base64", mediaType: "image/png", data: "iVBOR" } }],
    });
    assert.deepEqual(req.messages[1], {
      role: "assistant",
      content: [{ type: "text", text: "I'll look." }, { type: "tool-call", id: "call_1_1", name: "read", input: '{"path":"a"}' }],
    });
    assert.deepEqual(req.messages[2], {
      role: "user",
      content: [{ type: "tool-result", callId: "call_1_1", content: [{ type: "text", text: "file a" }] }, { type: "text", text: "and?" }],
    });
    assert.equal(req.temperature, 0.3);
    assert.equal(req.topK, 40);
    assert.equal(req.maxOutputTokens, 100);
    assert.deepEqual(req.stopSequences, ["END"]);
  });

  test("two calls of one name without ids are answered in order; ids win when present", () => {
    const { req } = decode({
      contents: [
        { role: "user", parts: [{ text: "go" }] },
        { role: "model", parts: [{ functionCall: { name: "sh", args: {} } }, { functionCall: { id: "x", name: "sh", args: {} } }] },
        { role: "user", parts: [{ functionResponse: { id: "x", name: "sh", response: { output: "second" } } }, { functionResponse: { name: "sh", response: { output: "first" } } }] },
      ],
    });
    const results = req.messages[2]!.content as { callId: string; content: { text: string }[] }[];
    assert.deepEqual(results.map((r) => [r.callId, r.content[0]!.text]), [["x", "second"], ["call_1_0", "first"]]);
  });

  test("an error response is an error result; other response objects are kept as JSON", () => {
    const { req } = decode({
      contents: [
        { role: "model", parts: [{ functionCall: { id: "a", name: "f" } }, { functionCall: { id: "b", name: "g" } }] },
        { role: "function", parts: [{ functionResponse: { id: "a", name: "f", response: { error: "boom" } } }, { functionResponse: { id: "b", name: "g", response: { n: 1, m: [2] } } }] },
      ],
    });
    const [a, b] = req.messages[1]!.content as { isError?: boolean; content: { text: string }[] }[];
    assert.equal(a!.isError, true);
    assert.equal(a!.content[0]!.text, "boom");
    assert.equal(b!.content[0]!.text, '{"n":1,"m":[2]}');
  });

  test("a packed thought signature on a call comes back as reasoning ahead of the step's text", () => {
    const sig = packOpaqueState({ origin: "anthropic", signature: "real-sig", text: "thinking text" })!;
    const { req } = decode({
      contents: [
        { role: "user", parts: [{ text: "go" }] },
        { role: "model", parts: [{ text: "ok" }, { functionCall: { id: "c", name: "f", args: {} }, thoughtSignature: sig }] },
      ],
    });
    assert.deepEqual(req.messages[1]!.content, [
      { type: "reasoning", text: "thinking text", signature: "real-sig", origin: "anthropic" },
      { type: "text", text: "ok" },
      { type: "tool-call", id: "c", name: "f", input: "{}" },
    ]);
  });

  test("a thought part and its call sharing one signature restore one reasoning part; a foreign signature stays on the call", () => {
    const sig = packOpaqueState({ origin: "openai-responses", itemId: "rs_1", encryptedContent: "enc", text: "t" })!;
    const { req } = decode({
      contents: [
        { role: "model", parts: [{ text: "t", thought: true, thoughtSignature: sig }, { functionCall: { id: "c", name: "f" }, thoughtSignature: sig }] },
        { role: "model", parts: [{ functionCall: { id: "d", name: "f" }, thoughtSignature: "google-signature" }] },
      ],
    });
    const content = req.messages[0]!.content;
    assert.equal(content.filter((p) => p.type === "reasoning").length, 1);
    assert.deepEqual(req.messages[1]!.content, [{ type: "tool-call", id: "d", name: "f", input: "{}", thoughtSignature: "google-signature" }]);
  });

  test("tools: parametersJsonSchema as is, Google's Schema converted, toolConfig mapped", () => {
    const { req } = decode({
      contents: [{ parts: [{ text: "x" }] }],
      tools: [
        {
          functionDeclarations: [
            { name: "a", parametersJsonSchema: { type: "object", properties: { x: { type: "string" } } } },
            { name: "b", description: "d", parameters: { type: "OBJECT", properties: { y: { type: "STRING", nullable: true }, z: { type: "ARRAY", items: { type: "INTEGER" } } }, propertyOrdering: ["y"] } },
            { name: "c" },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["b"] } },
    });
    assert.deepEqual(req.tools.map((t) => t.type === "function" && t.parameters), [
      { type: "object", properties: { x: { type: "string" } } },
      { type: "object", properties: { y: { type: ["string", "null"] }, z: { type: "array", items: { type: "integer" } } } },
      { type: "object", properties: {} },
    ]);
    assert.deepEqual(req.toolChoice, { type: "tool", name: "b" });
    assert.deepEqual(decode({ contents: [{ parts: [{ text: "x" }] }], toolConfig: { functionCallingConfig: { mode: "NONE" } } }).req.toolChoice, { type: "none" });
  });

  test("thinkingConfig: budgets, dynamic, off and levels; includeThoughts reported", () => {
    const think = (thinkingConfig: unknown) => decode({ contents: [{ parts: [{ text: "x" }] }], generationConfig: { thinkingConfig } });
    assert.deepEqual(think({ includeThoughts: true, thinkingBudget: 8192 }).req.reasoning, { mode: "enabled", budgetTokens: 8192 });
    assert.equal(think({ includeThoughts: true, thinkingBudget: 8192 }).includeThoughts, true);
    assert.deepEqual(think({ thinkingBudget: -1 }).req.reasoning, { mode: "adaptive" });
    assert.deepEqual(think({ thinkingBudget: 0 }).req.reasoning, { mode: "disabled" });
    assert.deepEqual(think({ thinkingLevel: "HIGH" }).req.reasoning, { mode: "adaptive", effort: "high" });
  });

  test("structured output: responseSchema converted, responseJsonSchema as is, JSON mime type alone is json_object", () => {
    const out = (generationConfig: unknown) => decode({ contents: [{ parts: [{ text: "x" }] }], generationConfig }).req.responseFormat;
    assert.deepEqual(out({ responseMimeType: "application/json", responseSchema: { type: "OBJECT", properties: { a: { type: "NUMBER" } } } }), {
      type: "json_schema",
      name: "response",
      schema: { type: "object", properties: { a: { type: "number" } } },
    });
    assert.deepEqual(out({ responseMimeType: "application/json", responseJsonSchema: { type: "object" } }), { type: "json_schema", name: "response", schema: { type: "object" } });
    assert.deepEqual(out({ responseMimeType: "application/json" }), { type: "json_object" });
    assert.equal(out({ responseMimeType: "text/plain" }), undefined);
  });

  test("what Copilot can't do is a 400 naming the field", () => {
    const contents = [{ parts: [{ text: "x" }] }];
    refuses({}, /`contents`/);
    refuses({ contents: [{ role: "robot", parts: [] }] }, /contents\[0\]\.role/);
    refuses({ contents: [{ parts: [{ executableCode: { code: "1" } }] }] }, /executableCode parts are not supported/);
    refuses({ contents: [{ parts: [{ inlineData: { mimeType: "audio/wav", data: "AA" } }] }] }, /audio\/wav/);
    refuses({ contents, tools: [{ googleSearch: {} }] }, /tools\[0\]\.googleSearch.*Google runs itself/);
    refuses({ contents, generationConfig: { candidateCount: 2 } }, /candidateCount/);
    refuses({ contents, generationConfig: { responseModalities: ["IMAGE"] } }, /responseModalities/);
    refuses({ contents, generationConfig: { responseMimeType: "text/x.enum" } }, /responseMimeType/);
    refuses({ contents, generationConfig: { temperature: "hot" } }, /temperature/);
    refuses({ contents, cachedContent: "cachedContents/1" }, /cachedContent/);
    refuses({ contents: [{ role: "model", parts: [{ functionCall: { name: "f", args: [] } }] }] }, /functionCall\.args/);
  });
});

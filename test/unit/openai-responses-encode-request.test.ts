import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeResponsesRequest } from "../../src/dialects/openai-responses/decode-request.js";
import { encodeResponsesRequest } from "../../src/dialects/openai-responses/encode-request.js";
import type { Request } from "../../src/ir/request.js";
import type { CopilotModel } from "../../src/upstream/model-catalog.js";

const GPT: CopilotModel = {
  id: "gpt-5.4",
  vendor: "OpenAI",
  capabilities: { type: "chat", limits: { max_output_tokens: 128000 }, supports: { reasoning_effort: ["low", "medium", "high", "xhigh"] } },
  supported_endpoints: ["/responses"],
};
const WITH_MAX: CopilotModel = { ...GPT, id: "gpt-5.6", capabilities: { ...GPT.capabilities, supports: { reasoning_effort: ["none", "low", "medium", "high", "xhigh", "max"] } } };
const NO_EFFORT: CopilotModel = { ...GPT, id: "gpt-4.1", capabilities: { type: "chat", supports: {} } };

const base = (over: Partial<Request> = {}): Request => ({ model: "x", system: [], messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }], tools: [], stream: true, ...over });

describe("encodeResponsesRequest", () => {
  it("writes VS Code's shape: store false, system first, no ids, no top_p, strict:false function tools", () => {
    const body = encodeResponsesRequest(
      base({
        system: [{ type: "text", text: "Be brief." }],
        tools: [{ type: "function", name: "exec", description: "Run.", parameters: { type: "object" }, strict: true }],
        toolChoice: { type: "required" },
        parallelToolCalls: false,
        maxOutputTokens: 999999,
        temperature: 0.5,
        topP: 0.9,
        topK: 3,
        stopSequences: ["END"],
        promptCacheKey: "k1",
        user: "u",
      }),
      GPT,
    );
    assert.deepEqual(body, {
      model: "gpt-5.4",
      input: [
        { type: "message", role: "system", content: [{ type: "input_text", text: "Be brief." }] },
        { type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] },
      ],
      stream: true,
      store: false,
      tools: [{ type: "function", name: "exec", description: "Run.", parameters: { type: "object", properties: {} }, strict: false }],
      tool_choice: "required",
      parallel_tool_calls: false,
      max_output_tokens: 128000,
      temperature: 0.5,
      prompt_cache_key: "k1",
    });
  });

  it("sends reasoning state only for Responses-origin encrypted content, with its id; drops other reasoning", () => {
    const body = encodeResponsesRequest(
      base({
        messages: [
          { role: "user", content: [{ type: "text", text: "go" }] },
          {
            role: "assistant",
            phase: "commentary",
            content: [
              { type: "reasoning", text: "Plan.", itemId: "rs_1", encryptedContent: "gAAAA-exact==", origin: "openai-responses" },
              { type: "reasoning", text: "claude thought", signature: "EqQB", origin: "anthropic" },
              { type: "reasoning", text: "no state", itemId: "rs_2", origin: "openai-responses" },
              { type: "text", text: "Patching." },
              { type: "tool-call", id: "call_p", name: "apply_patch", input: "*** Begin Patch", custom: true },
              { type: "tool-call", id: "call_e", name: "exec", input: "[]" },
            ],
          },
          {
            role: "user",
            content: [
              { type: "tool-result", callId: "call_p", content: [{ type: "text", text: "Done" }], custom: true },
              { type: "tool-result", callId: "call_e", content: [{ type: "text", text: "boom" }], isError: true },
            ],
          },
        ],
      }),
      GPT,
    );
    assert.deepEqual(body.input, [
      { type: "message", role: "user", content: [{ type: "input_text", text: "go" }] },
      { type: "reasoning", summary: [{ type: "summary_text", text: "Plan." }], encrypted_content: "gAAAA-exact==", id: "rs_1" },
      { type: "message", role: "assistant", phase: "commentary", content: [{ type: "output_text", text: "Patching.", annotations: [] }] },
      { type: "function_call", call_id: "call_p", name: "apply_patch", arguments: '{"input":"*** Begin Patch"}' },
      { type: "function_call", call_id: "call_e", name: "exec", arguments: "{}" },
      { type: "function_call_output", call_id: "call_p", output: "Done" },
      { type: "function_call_output", call_id: "call_e", output: "Error: boom" },
    ]);
  });

  it("custom tools become function tools with one input string carrying the grammar (cao#242)", () => {
    const body = encodeResponsesRequest(
      base({ tools: [{ type: "custom", name: "apply_patch", description: "Edit.", format: { type: "grammar", syntax: "lark", definition: "start: x" } }], toolChoice: { type: "tool", name: "apply_patch" } }),
      GPT,
    );
    const tool = body.tools![0]!;
    assert.equal(tool.type, "function");
    assert.equal(tool.name, "apply_patch");
    assert.equal(tool.strict, false);
    const params = tool.parameters as { properties: { input: { type: string; description: string } }; required: string[] };
    assert.deepEqual(params.required, ["input"]);
    assert.equal(params.properties.input.type, "string");
    assert.match(params.properties.input.description, /lark grammar:\nstart: x/);
    assert.deepEqual(body.tool_choice, { type: "function", name: "apply_patch" });
  });

  it("tool-result images go in a user message after the outputs; image detail auto → high (case 35)", () => {
    const body = encodeResponsesRequest(
      base({
        messages: [
          { role: "assistant", content: [{ type: "tool-call", id: "c1", name: "shot", input: "{}" }] },
          {
            role: "user",
            content: [
              { type: "tool-result", callId: "c1", content: [{ type: "image", source: { kind: "base64", mediaType: "image/png", data: "AAAA" }, detail: "auto" }] },
              { type: "text", text: "what is it?" },
              { type: "image", source: { kind: "url", url: "https://x/y.png" }, detail: "low" },
            ],
          },
        ],
      }),
      GPT,
    );
    assert.deepEqual(body.input, [
      { type: "function_call", call_id: "c1", name: "shot", arguments: "{}" },
      { type: "function_call_output", call_id: "c1", output: "The images are in the next message." },
      { type: "message", role: "user", content: [{ type: "input_text", text: "Images returned by tool c1:" }, { type: "input_image", image_url: "data:image/png;base64,AAAA", detail: "high" }] },
      { type: "message", role: "user", content: [{ type: "input_text", text: "what is it?" }, { type: "input_image", image_url: "https://x/y.png", detail: "low" }] },
    ]);
  });

  it("a call without a result gets an interrupted output; an orphan result is dropped (T2/T3)", () => {
    const body = encodeResponsesRequest(
      base({
        messages: [
          { role: "assistant", content: [{ type: "tool-call", id: "c1", name: "f", input: "{}" }] },
          { role: "user", content: [{ type: "tool-result", callId: "zz", content: [] }, { type: "text", text: "never mind" }] },
        ],
      }),
      GPT,
    );
    assert.deepEqual(body.input.slice(1), [
      { type: "function_call_output", call_id: "c1", output: "Error: Tool call was interrupted" },
      { type: "message", role: "user", content: [{ type: "input_text", text: "never mind" }] },
    ]);
  });

  it("maps effort onto the model's list, keeps max where listed, summary detailed, include encrypted content (T15, case 11)", () => {
    const adaptiveMax = base({ reasoning: { mode: "adaptive", effort: "max" } });
    assert.deepEqual(encodeResponsesRequest(adaptiveMax, WITH_MAX).reasoning, { effort: "max", summary: "detailed" });
    assert.deepEqual(encodeResponsesRequest(adaptiveMax, GPT).reasoning, { effort: "xhigh", summary: "detailed" });
    assert.deepEqual(encodeResponsesRequest(adaptiveMax, GPT).include, ["reasoning.encrypted_content"]);
    assert.deepEqual(encodeResponsesRequest(base({ reasoning: { mode: "enabled", budgetTokens: 2000 } }), GPT).reasoning, { effort: "low", summary: "detailed" });
    assert.deepEqual(encodeResponsesRequest(base({ reasoning: { mode: "adaptive" } }), GPT).reasoning, { effort: "medium", summary: "detailed" });
    assert.deepEqual(encodeResponsesRequest(base({ reasoning: { mode: "adaptive", effort: "minimal" } }), GPT).reasoning, { effort: "low", summary: "detailed" });
    // Disabled: "none" only where listed; otherwise the model's default, and no include.
    const off = base({ reasoning: { mode: "disabled" } });
    assert.deepEqual(encodeResponsesRequest(off, WITH_MAX).reasoning, { effort: "none" });
    assert.equal(encodeResponsesRequest(off, WITH_MAX).include, undefined);
    assert.equal(encodeResponsesRequest(off, GPT).reasoning, undefined);
    // A model that lists no effort is not a reasoning model: neither reasoning nor include.
    const noEffort = encodeResponsesRequest(base({ reasoning: { mode: "adaptive", effort: "high" }, includeEncryptedReasoning: true }), NO_EFFORT);
    assert.equal(noEffort.reasoning, undefined);
    assert.equal(noEffort.include, undefined);
    // A Codex-style include without reasoning settings.
    assert.deepEqual(encodeResponsesRequest(base({ includeEncryptedReasoning: true }), GPT).include, ["reasoning.encrypted_content"]);
  });

  it("text.format, documents, max_output_tokens floor", () => {
    const body = encodeResponsesRequest(
      base({
        responseFormat: { type: "json_schema", schema: { type: "object" }, strict: true },
        maxOutputTokens: 5,
        messages: [
          {
            role: "user",
            content: [
              { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBE" }, title: "a.pdf" },
              { type: "document", source: { type: "text", media_type: "text/plain", data: "plain" } },
            ],
          },
        ],
      }),
      GPT,
    );
    assert.deepEqual(body.text, { format: { type: "json_schema", name: "response", schema: { type: "object" }, strict: true } });
    assert.equal(body.max_output_tokens, 16);
    assert.deepEqual(body.input[0], {
      type: "message",
      role: "user",
      content: [
        { type: "input_file", filename: "a.pdf", file_data: "data:application/pdf;base64,JVBE" },
        { type: "input_text", text: "plain" },
      ],
    });
  });

  it("a decoded Codex request encodes back without ids and with custom tools as functions", () => {
    const req = decodeResponsesRequest({
      model: "gpt-5.4",
      stream: true,
      input: [
        { type: "message", id: "msg_1", role: "developer", content: [{ type: "input_text", text: "sys" }] },
        { type: "message", id: "msg_2", role: "user", content: [{ type: "input_text", text: "do it" }] },
        { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "gAAAA==" },
        { type: "custom_tool_call", id: "ctc_1", call_id: "call_p", name: "apply_patch", input: "PATCH" },
        { type: "custom_tool_call_output", id: "ctco_1", call_id: "call_p", output: "ok" },
      ],
      tools: [{ type: "custom", name: "apply_patch" }],
      include: ["reasoning.encrypted_content"],
    });
    const body = encodeResponsesRequest(req, GPT);
    assert.deepEqual(body.input, [
      { type: "message", role: "system", content: [{ type: "input_text", text: "sys" }] },
      { type: "message", role: "user", content: [{ type: "input_text", text: "do it" }] },
      { type: "reasoning", summary: [], encrypted_content: "gAAAA==", id: "rs_1" },
      { type: "function_call", call_id: "call_p", name: "apply_patch", arguments: '{"input":"PATCH"}' },
      { type: "function_call_output", call_id: "call_p", output: "ok" },
    ]);
    assert.equal(body.tools![0]!.type, "function");
    assert.deepEqual(body.include, ["reasoning.encrypted_content"]);
  });
});

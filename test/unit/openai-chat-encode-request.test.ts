import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { closestEffort, encodeChatRequest, INTERRUPTED_TOOL_RESULT } from "../../src/dialects/openai-chat/encode-request.js";
import { ApiError } from "../../src/errors.js";
import type { Message, Request } from "../../src/ir/request.js";
import type { CopilotModel } from "../../src/upstream/model-catalog.js";

const gemini: CopilotModel = {
  id: "gemini-3-pro",
  vendor: "Google",
  capabilities: { limits: { max_output_tokens: 64000 }, supports: { tool_calls: true, vision: true } },
};
const gpt: CopilotModel = {
  id: "gpt-4.1",
  vendor: "Azure OpenAI",
  capabilities: { limits: { max_output_tokens: 16384 }, supports: { reasoning_effort: ["low", "medium", "high", "xhigh"] } },
};
const claude: CopilotModel = {
  id: "claude-sonnet-4",
  vendor: "Anthropic",
  capabilities: { limits: { max_output_tokens: 32000 }, supports: { thinking: true, min_thinking_budget: 1024, max_thinking_budget: 24000 } },
};

function request(messages: Message[], extra: Partial<Request> = {}): Request {
  return { model: "m", system: [], messages, tools: [], stream: false, ...extra };
}

const call = (id: string, name = "f", input = "{}") => ({ type: "tool-call" as const, id, name, input });
const result = (callId: string, text: string, isError?: boolean) => ({
  type: "tool-result" as const,
  callId,
  content: [{ type: "text" as const, text }],
  ...(isError ? { isError } : {}),
});

describe("encodeChatRequest: messages", () => {
  it("system parts lead, inline system messages stay in place, text-only user content is a string", () => {
    const body = encodeChatRequest(
      request(
        [
          { role: "user", content: [{ type: "text", text: "hi" }, { type: "text", text: "there" }] },
          { role: "system", content: [{ type: "text", text: "be brief" }] },
          { role: "assistant", content: [{ type: "text", text: "ok" }] },
        ],
        { system: [{ type: "text", text: "You are A." }, { type: "text", text: "Rules." }] },
      ),
      gemini,
    );
    assert.deepEqual(body.messages, [
      { role: "system", content: "You are A.\n\nRules." },
      { role: "user", content: "hi\n\nthere" },
      { role: "system", content: "be brief" },
      { role: "assistant", content: "ok" },
    ]);
    assert.equal(body.model, "gemini-3-pro");
    assert.equal(body.stream, false);
    assert.equal(body.stream_options, undefined);
  });

  it("user images become image_url parts (data URI or URL, detail kept)", () => {
    const body = encodeChatRequest(
      request([
        {
          role: "user",
          content: [
            { type: "text", text: "what is this?" },
            { type: "image", source: { kind: "base64", mediaType: "image/png", data: "iVBORw0" } },
            { type: "image", source: { kind: "url", url: "https://example.com/a.jpg" }, detail: "high" },
          ],
        },
      ]),
      gemini,
    );
    assert.deepEqual(body.messages, [
      {
        role: "user",
        content: [
          { type: "text", text: "what is this?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0" } },
          { type: "image_url", image_url: { url: "https://example.com/a.jpg", detail: "high" } },
        ],
      },
    ]);
  });

  it("tool results follow their calls in call order; missing → interrupted, duplicates and orphans dropped (T2/T3)", () => {
    const body = encodeChatRequest(
      request([
        { role: "user", content: [{ type: "text", text: "go" }] },
        { role: "assistant", content: [{ type: "text", text: "running" }, call("a"), call("b"), call("c")] },
        {
          role: "user",
          content: [
            result("c", "C done"),
            result("a", "boom", true),
            result("a", "duplicate"),
            result("zzz", "orphan"),
            { type: "text", text: "and then?" },
          ],
        },
      ]),
      gemini,
    );
    assert.deepEqual(body.messages, [
      { role: "user", content: "go" },
      {
        role: "assistant",
        content: "running",
        tool_calls: ["a", "b", "c"].map((id) => ({ id, type: "function", function: { name: "f", arguments: "{}" } })),
      },
      { role: "tool", tool_call_id: "a", content: "Error: boom" },
      { role: "tool", tool_call_id: "b", content: INTERRUPTED_TOOL_RESULT },
      { role: "tool", tool_call_id: "c", content: "C done" },
      { role: "user", content: "and then?" },
    ]);
  });

  it("results spread over result-only messages are gathered; a trailing unanswered call is repaired; stray results dropped", () => {
    const body = encodeChatRequest(
      request([
        { role: "user", content: [result("early", "no call before me")] },
        { role: "assistant", content: [call("a"), call("b")] },
        { role: "user", content: [result("b", "B")] },
        { role: "system", content: [{ type: "text", text: "mid-conversation note" }] },
        { role: "user", content: [result("a", "Error: already says so", true)] },
        { role: "assistant", content: [call("c")] },
      ]),
      gemini,
    );
    assert.deepEqual(body.messages, [
      { role: "assistant", content: null, tool_calls: ["a", "b"].map((id) => ({ id, type: "function", function: { name: "f", arguments: "{}" } })) },
      { role: "tool", tool_call_id: "a", content: "Error: already says so" },
      { role: "tool", tool_call_id: "b", content: "B" },
      { role: "system", content: "mid-conversation note" },
      { role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "c", content: INTERRUPTED_TOOL_RESULT },
    ]);
  });

  it("images inside a tool result go to a user message after the tool messages", () => {
    const body = encodeChatRequest(
      request([
        { role: "assistant", content: [call("shot", "screenshot"), call("ls", "ls")] },
        {
          role: "user",
          content: [
            {
              type: "tool-result",
              callId: "shot",
              content: [
                { type: "text", text: "captured" },
                { type: "image", source: { kind: "base64", mediaType: "image/jpeg", data: "/9j/" } },
              ],
            },
            { type: "tool-result", callId: "ls", content: [{ type: "image", source: { kind: "url", url: "https://x/y.png" } }] },
            { type: "text", text: "look" },
          ],
        },
      ]),
      gemini,
    );
    assert.deepEqual(body.messages.slice(1), [
      { role: "tool", tool_call_id: "shot", content: "captured" },
      { role: "tool", tool_call_id: "ls", content: "The images are in the next message." },
      {
        role: "user",
        content: [
          { type: "text", text: "Images returned by tool shot:" },
          { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/" } },
        ],
      },
      { role: "user", content: [{ type: "text", text: "Images returned by tool ls:" }, { type: "image_url", image_url: { url: "https://x/y.png" } }] },
      { role: "user", content: "look" },
    ]);
  });

  it("documents are refused with a 400 naming the field, never dropped", () => {
    assert.throws(
      () =>
        encodeChatRequest(
          request([{ role: "user", content: [{ type: "text", text: "read" }, { type: "document", source: { type: "base64", data: "JVBER" } }] }]),
          gemini,
        ),
      (e: unknown) =>
        e instanceof ApiError &&
        e.status === 400 &&
        e.param === "messages[0].content[1]" &&
        e.message === "document blocks cannot be sent to gemini-3-pro: Copilot's chat endpoint has no document input",
    );
  });

  it("assistant history: chat reasoning echoed, foreign reasoning dropped, arguments normalised, thought signature restored", () => {
    const body = encodeChatRequest(
      request([
        {
          role: "assistant",
          content: [
            { type: "reasoning", text: "Claude thought", signature: "anthropic-sig", origin: "anthropic" },
            { type: "reasoning", text: "I will ", origin: "openai-chat" },
            { type: "reasoning", text: "search.", signature: "opaque-1", origin: "openai-chat" },
            { type: "text", text: "Searching." },
            { type: "tool-call", id: "g1", name: "search", input: "[]", thoughtSignature: "ts-1" },
          ],
        },
        { role: "user", content: [result("g1", "found")] },
        { role: "assistant", content: [{ type: "reasoning", text: "visible but foreign", origin: "openai-responses", encryptedContent: "enc" }, { type: "text", text: "Done." }] },
        { role: "assistant", content: [{ type: "reasoning", text: "no opaque state", origin: "openai-chat" }] },
      ]),
      gemini,
    );
    assert.deepEqual(body.messages, [
      {
        role: "assistant",
        content: "Searching.",
        tool_calls: [{ id: "g1", type: "function", function: { name: "search", arguments: "{}", thought_signature: "ts-1" } }],
        reasoning_text: "I will search.",
        reasoning_opaque: "opaque-1",
      },
      { role: "tool", tool_call_id: "g1", content: "found" },
      { role: "assistant", content: "Done." },
    ]);
  });
});

describe("encodeChatRequest: tools", () => {
  it("function tools get padded schemas; custom tools become a function taking {input}; tool choice maps", () => {
    const body = encodeChatRequest(
      request(
        [
          { role: "user", content: [{ type: "text", text: "patch it" }] },
          { role: "assistant", content: [{ type: "tool-call", id: "p1", name: "apply_patch", input: "*** Begin Patch\n*** End Patch", custom: true }] },
          { role: "user", content: [{ type: "tool-result", callId: "p1", content: [{ type: "text", text: "ok" }], custom: true }] },
        ],
        {
          tools: [
            { type: "function", name: "list", description: "List", parameters: { type: "object", properties: { opts: { type: "object" }, tags: { type: "array" } } }, strict: true },
            { type: "custom", name: "apply_patch", description: "Apply a patch", format: { type: "grammar", syntax: "lark", definition: "start: /.+/" } },
          ],
          toolChoice: { type: "tool", name: "list" },
          parallelToolCalls: false,
        },
      ),
      gemini,
    );
    assert.deepEqual(body.tools, [
      {
        type: "function",
        function: {
          name: "list",
          description: "List",
          parameters: { type: "object", properties: { opts: { type: "object", properties: {} }, tags: { type: "array", items: {} } } },
        },
      },
      {
        type: "function",
        function: {
          name: "apply_patch",
          description: "Apply a patch",
          parameters: {
            type: "object",
            properties: {
              input: { type: "string", description: "The raw input for this tool, as free-form text (not JSON). It must follow this lark grammar:\nstart: /.+/" },
            },
            required: ["input"],
          },
        },
      },
    ]);
    assert.deepEqual(body.tool_choice, { type: "function", function: { name: "list" } });
    assert.equal(body.parallel_tool_calls, false);
    assert.deepEqual(body.messages[1], {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "p1", type: "function", function: { name: "apply_patch", arguments: JSON.stringify({ input: "*** Begin Patch\n*** End Patch" }) } }],
    });
  });

  it("tool_choice and parallel_tool_calls are sent only with tools", () => {
    const body = encodeChatRequest(request([], { toolChoice: { type: "required" }, parallelToolCalls: true }), gemini);
    assert.equal(body.tools, undefined);
    assert.equal(body.tool_choice, undefined);
    assert.equal(body.parallel_tool_calls, undefined);
  });
});

describe("encodeChatRequest: parameters", () => {
  it("max_completion_tokens for OpenAI vendors, max_tokens otherwise, capped at the model limit (T20)", () => {
    const openai = encodeChatRequest(request([], { maxOutputTokens: 50000 }), gpt);
    assert.equal(openai.max_completion_tokens, 16384);
    assert.equal(openai.max_tokens, undefined);
    const plainOpenAI = encodeChatRequest(request([], { maxOutputTokens: 100 }), { ...gpt, vendor: "OpenAI" });
    assert.equal(plainOpenAI.max_completion_tokens, 100);
    const google = encodeChatRequest(request([], { maxOutputTokens: 100 }), gemini);
    assert.equal(google.max_tokens, 100);
    assert.equal(google.max_completion_tokens, undefined);
    const none = encodeChatRequest(request([]), gemini);
    assert.equal(none.max_tokens, undefined);
  });

  it("temperature wins over top_p for Anthropic only (T21); stop, user, response_format, stream_options", () => {
    const c = encodeChatRequest(request([], { temperature: 0.2, topP: 0.9 }), claude);
    assert.equal(c.temperature, 0.2);
    assert.equal(c.top_p, undefined);
    const g = encodeChatRequest(
      request([], {
        temperature: 0.2,
        topP: 0.9,
        topK: 5,
        stopSequences: ["END"],
        user: "u1",
        stream: true,
        responseFormat: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true },
      }),
      gemini,
    );
    assert.equal(g.top_p, 0.9);
    assert.deepEqual(g.stop, ["END"]);
    assert.equal(g.user, "u1");
    assert.equal(g.stream, true);
    assert.deepEqual(g.stream_options, { include_usage: true });
    assert.deepEqual(g.response_format, { type: "json_schema", json_schema: { name: "out", schema: { type: "object" }, strict: true } });
    assert.equal((g as unknown as Record<string, unknown>).top_k, undefined);
  });

  it("reasoning effort maps to the closest supported value, keeping max where listed (T15)", () => {
    const effort = (reasoning: Request["reasoning"], model: CopilotModel = gpt) => encodeChatRequest(request([], { reasoning }), model).reasoning_effort;
    assert.equal(effort({ mode: "enabled", effort: "max" }), "xhigh");
    assert.equal(effort({ mode: "enabled", effort: "max" }, { ...gpt, capabilities: { supports: { reasoning_effort: ["low", "high", "max"] } } }), "max");
    assert.equal(effort({ mode: "enabled", effort: "max" }, { ...gpt, capabilities: { supports: { reasoning_effort: ["low", "medium", "high"] } } }), "high");
    assert.equal(effort({ mode: "enabled", effort: "minimal" }), "low");
    assert.equal(effort({ mode: "adaptive" }), "medium");
    assert.equal(effort({ mode: "enabled", budgetTokens: 31999 }), "high");
    assert.equal(effort({ mode: "enabled", budgetTokens: 1024 }), "low");
    assert.equal(effort({ mode: "enabled", effort: "high" }, { ...gpt, capabilities: { supports: { reasoning_effort: "medium" } } }), "medium");
    assert.equal(effort({ mode: "disabled", effort: "high" }), undefined);
    assert.equal(effort(undefined), undefined);
    assert.equal(effort({ mode: "enabled", effort: "high" }, gemini), undefined);
    assert.equal(closestEffort("medium", ["low", "high"]), "low");
  });

  it("thinking_budget for thinking models without reasoning_effort: clamped to [min, max] and below max tokens [U]", () => {
    const budget = (reasoning: Request["reasoning"], maxOutputTokens?: number) =>
      encodeChatRequest(request([], { reasoning, maxOutputTokens }), claude).thinking_budget;
    assert.equal(budget({ mode: "enabled", budgetTokens: 50000 }), 24000);
    assert.equal(budget({ mode: "enabled", budgetTokens: 50000 }, 16000), 15999);
    assert.equal(budget({ mode: "enabled", budgetTokens: 100 }), 1024);
    assert.equal(budget({ mode: "enabled", budgetTokens: 4000 }, 1000), undefined);
    assert.equal(budget({ mode: "adaptive" }), 8192);
    assert.equal(budget({ mode: "disabled" }), undefined);
    assert.equal(encodeChatRequest(request([], { reasoning: { mode: "enabled", budgetTokens: 4000 } }), claude).reasoning_effort, undefined);
  });

  it("a forced tool_choice with Claude thinking is downgraded to auto (T15)", () => {
    const tools: Request["tools"] = [{ type: "function", name: "f", parameters: { type: "object", properties: {} } }];
    const forced = encodeChatRequest(request([], { tools, toolChoice: { type: "required" }, reasoning: { mode: "enabled", budgetTokens: 2048 } }), claude);
    assert.equal(forced.tool_choice, "auto");
    const noThinking = encodeChatRequest(request([], { tools, toolChoice: { type: "required" } }), claude);
    assert.equal(noThinking.tool_choice, "required");
  });
});

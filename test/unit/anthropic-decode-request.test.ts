import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeAnthropicRequest } from "../../src/dialects/anthropic/decode-request.js";
import { encodeThinkingSignature } from "../../src/dialects/anthropic/wire.js";
import { ApiError } from "../../src/errors.js";
import type { Request } from "../../src/ir/request.js";

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

/** A small body in the shape Claude Code 2.1.197 sends (real-clients.md §1.3–1.4). */
function claudeCodeBody(): Record<string, unknown> {
  return {
    model: "claude-sonnet-4-5-20250929",
    system: [
      { type: "text", text: "x-anthropic-billing-header: cc_version=2.1.197.0cf; cc_entrypoint=cli; cch=a1b2c;" },
      { type: "text", text: "You are a Claude agent.", cache_control: { type: "ephemeral" } },
      { type: "text", text: "Main prompt.", cache_control: { type: "ephemeral", ttl: "1h", scope: "turn" } },
    ],
    messages: [
      { role: "user", content: [{ type: "text", text: "<system-reminder>ctx</system-reminder>" }, { type: "text", text: "run it", cache_control: { type: "ephemeral" } }] },
      { role: "system", content: "Available agent types: claude" },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "I should run it.", signature: "EqQBCkYIBxgCKkA=" },
          { type: "text", text: "Running." },
          { type: "tool_use", id: "toolu_01", name: "Bash", input: { command: "echo hi" } },
          { type: "tool_use", id: "toolu_02", name: "Screenshot", input: "not an object" },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_01", content: "hi", is_error: false },
          {
            type: "tool_result",
            tool_use_id: "toolu_02",
            is_error: true,
            cache_control: { type: "ephemeral" },
            content: [
              { type: "text", text: "failed, partial capture:" },
              { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
            ],
          },
          { type: "text", text: "try again" },
        ],
      },
      { role: "assistant", content: [{ type: "redacted_thinking", data: "RED4CTED" }, { type: "text", text: "ok" }] },
      { role: "user", content: "thanks" },
    ],
    tools: [
      {
        name: "Bash",
        description: "Run a command",
        input_schema: {
          $schema: "https://json-schema.org/draft/2020-12/schema",
          type: "object",
          properties: { command: { type: "string" } },
          required: ["command"],
          additionalProperties: false,
        },
        cache_control: { type: "ephemeral" },
      },
    ],
    metadata: { user_id: '{"device_id":"abc","account_uuid":"","session_id":"s-1"}', other: 1 },
    max_tokens: 32000,
    thinking: { type: "enabled", budget_tokens: 31999 },
    context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }] },
    stream: true,
  };
}

function expect400(body: unknown, path: string, pattern?: RegExp): void {
  assert.throws(
    () => decodeAnthropicRequest(body),
    (e: unknown) => {
      assert.ok(e instanceof ApiError, `expected ApiError, got ${String(e)}`);
      assert.equal(e.status, 400);
      assert.equal(e.param, path);
      assert.ok(e.message.includes(path), `message "${e.message}" should name ${path}`);
      if (pattern) assert.match(e.message, pattern);
      return true;
    },
  );
}

describe("decodeAnthropicRequest", () => {
  it("decodes a Claude Code shaped body into the IR", () => {
    const expected: Request = {
      model: "claude-sonnet-4-5-20250929",
      // The billing header is dropped; scope is dropped from cache_control.
      system: [
        { type: "text", text: "You are a Claude agent.", cacheControl: { type: "ephemeral" } },
        { type: "text", text: "Main prompt.", cacheControl: { type: "ephemeral", ttl: "1h" } },
      ],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "<system-reminder>ctx</system-reminder>" },
            { type: "text", text: "run it", cacheControl: { type: "ephemeral" } },
          ],
        },
        { role: "system", content: [{ type: "text", text: "Available agent types: claude" }] },
        {
          role: "assistant",
          content: [
            { type: "reasoning", text: "I should run it.", signature: "EqQBCkYIBxgCKkA=", origin: "anthropic" },
            { type: "text", text: "Running." },
            { type: "tool-call", id: "toolu_01", name: "Bash", input: '{"command":"echo hi"}' },
            { type: "tool-call", id: "toolu_02", name: "Screenshot", input: "{}" },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool-result", callId: "toolu_01", content: [{ type: "text", text: "hi" }], isError: false },
            {
              type: "tool-result",
              callId: "toolu_02",
              isError: true,
              cacheControl: { type: "ephemeral" },
              content: [
                { type: "text", text: "failed, partial capture:" },
                { type: "image", source: { kind: "base64", mediaType: "image/png", data: PNG } },
              ],
            },
            { type: "text", text: "try again" },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "reasoning", text: "", redactedData: "RED4CTED", origin: "anthropic" },
            { type: "text", text: "ok" },
          ],
        },
        { role: "user", content: [{ type: "text", text: "thanks" }] },
      ],
      tools: [
        {
          type: "function",
          name: "Bash",
          description: "Run a command",
          parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"], additionalProperties: false },
          cacheControl: { type: "ephemeral" },
        },
      ],
      stream: true,
      maxOutputTokens: 32000,
      reasoning: { mode: "enabled", budgetTokens: 31999 },
      includeEncryptedReasoning: true,
      user: '{"device_id":"abc","account_uuid":"","session_id":"s-1"}',
    };
    assert.deepEqual(decodeAnthropicRequest(claudeCodeBody()), expected);
  });

  it("does not modify the body it decodes", () => {
    const body = claudeCodeBody();
    const copy = structuredClone(body);
    decodeAnthropicRequest(body);
    assert.deepEqual(body, copy);
  });

  it("maps sampling fields, tool_choice and parallel tool use", () => {
    const req = decodeAnthropicRequest({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      system: "be brief",
      temperature: 0.2,
      top_p: 0.9,
      top_k: 5,
      stop_sequences: ["END"],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
    });
    assert.deepEqual(req.system, [{ type: "text", text: "be brief" }]);
    assert.equal(req.temperature, 0.2);
    assert.equal(req.topP, 0.9);
    assert.equal(req.topK, 5);
    assert.deepEqual(req.stopSequences, ["END"]);
    assert.deepEqual(req.toolChoice, { type: "required" });
    assert.equal(req.parallelToolCalls, false);
    assert.equal(req.stream, false);
    assert.equal(req.maxOutputTokens, undefined);

    assert.deepEqual(decodeAnthropicRequest({ model: "m", messages: [], tool_choice: { type: "tool", name: "Read" } }).toolChoice, {
      type: "tool",
      name: "Read",
    });
    assert.deepEqual(decodeAnthropicRequest({ model: "m", messages: [], tool_choice: { type: "none" } }).toolChoice, { type: "none" });
    const auto = decodeAnthropicRequest({ model: "m", messages: [], tool_choice: { type: "auto", disable_parallel_tool_use: false } });
    assert.deepEqual(auto.toolChoice, { type: "auto" });
    assert.equal(auto.parallelToolCalls, true);
  });

  it("maps thinking modes and output_config.effort", () => {
    const decode = (extra: Record<string, unknown>) => decodeAnthropicRequest({ model: "m", messages: [], ...extra });
    assert.deepEqual(decode({ thinking: { type: "adaptive" }, output_config: { effort: "high" } }).reasoning, { mode: "adaptive", effort: "high" });
    assert.deepEqual(decode({ output_config: { effort: "max" } }).reasoning, { mode: "adaptive", effort: "max" });
    assert.deepEqual(decode({ output_config: { effort: "xhigh" } }).reasoning, { mode: "adaptive", effort: "xhigh" });
    const disabled = decode({ thinking: { type: "disabled" }, temperature: 1 });
    assert.deepEqual(disabled.reasoning, { mode: "disabled" });
    assert.equal(disabled.includeEncryptedReasoning, undefined);
    assert.equal(decode({}).reasoning, undefined);
    assert.deepEqual(decode({ output_config: { format: { type: "json_schema", schema: { type: "object" } } } }).responseFormat, {
      type: "json_schema",
      schema: { type: "object" },
    });
  });

  it("recovers the origin of a foreign signature and treats an empty one as absent", () => {
    const signature = encodeThinkingSignature({ origin: "openai-responses", itemId: "rs_1", encryptedContent: "gAAAA+/=" });
    assert.ok(signature?.startsWith("cpk:openai-responses:"));
    const req = decodeAnthropicRequest({
      model: "m",
      messages: [
        { role: "user", content: "q" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "t", signature },
            { type: "thinking", thinking: "u", signature: "" },
          ],
        },
      ],
    });
    assert.deepEqual(req.messages[1], {
      role: "assistant",
      content: [
        { type: "reasoning", text: "t", itemId: "rs_1", encryptedContent: "gAAAA+/=", origin: "openai-responses" },
        { type: "reasoning", text: "u" },
      ],
    });
  });

  it("decodes url images and documents", () => {
    const req = decodeAnthropicRequest({
      model: "m",
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "url", url: "https://example.com/a.png" } },
            { type: "document", source: { type: "text", media_type: "text/plain", data: "doc" }, title: "T" },
          ],
        },
      ],
    });
    assert.deepEqual(req.messages[0], {
      role: "user",
      content: [
        { type: "image", source: { kind: "url", url: "https://example.com/a.png", field: "messages.0.content.0.source.url" } },
        { type: "document", source: { type: "text", media_type: "text/plain", data: "doc" }, title: "T" },
      ],
    });
  });

  it("refuses server tools and other Anthropic-defined tools clearly", () => {
    const base = { model: "m", messages: [{ role: "user", content: "hi" }] };
    expect400({ ...base, tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 5 }] }, "tools.0", /web search server tool is not supported by GitHub Copilot/);
    expect400(
      { ...base, tools: [{ name: "Read", input_schema: { type: "object" } }, { type: "web_search_20260209", name: "web_search" }] },
      "tools.1",
    );
    expect400({ ...base, tools: [{ type: "bash_20250124", name: "bash" }] }, "tools.0.type", /not supported by GitHub Copilot/);
    expect400({ ...base, mcp_servers: [{ type: "url", url: "https://x", name: "x" }] }, "mcp_servers");
    // An explicit "custom" type is a plain client tool.
    assert.equal(decodeAnthropicRequest({ ...base, tools: [{ type: "custom", name: "A", input_schema: { type: "object" } }] }).tools[0]?.name, "A");
  });

  it("rejects malformed bodies with 400s naming the field path", () => {
    const ok = () => ({ model: "m", messages: [{ role: "user", content: "hi" }] });
    assert.throws(() => decodeAnthropicRequest("nope"), (e: unknown) => e instanceof ApiError && e.status === 400);
    expect400({ messages: [] }, "model");
    expect400({ model: "m" }, "messages");
    expect400({ ...ok(), messages: [{ role: "tool", content: "x" }] }, "messages.0.role");
    expect400({ ...ok(), messages: [{ role: "user", content: 5 }] }, "messages.0.content");
    expect400(
      {
        ...ok(),
        messages: [
          { role: "user", content: "a" },
          { role: "assistant", content: "b" },
          { role: "user", content: "c" },
          { role: "user", content: [{ type: "text", text: "d" }, { type: "image", source: { type: "base64", media_type: "image/png" } }] },
        ],
      },
      "messages.3.content.1.source.data",
    );
    expect400({ ...ok(), messages: [{ role: "user", content: [{ type: "image", source: { type: "file", file_id: "f" } }] }] }, "messages.0.content.0.source.type");
    expect400({ ...ok(), messages: [{ role: "user", content: [{ type: "video" }] }] }, "messages.0.content.0.type");
    expect400({ ...ok(), messages: [{ role: "assistant", content: [{ type: "server_tool_use", id: "s", name: "web_search", input: {} }] }] }, "messages.0.content.0.type", /server tools/);
    expect400({ ...ok(), messages: [{ role: "user", content: [{ type: "tool_use", id: "t", name: "n", input: {} }] }] }, "messages.0.content.0.type");
    expect400({ ...ok(), messages: [{ role: "assistant", content: [{ type: "tool_use", name: "n", input: {} }] }] }, "messages.0.content.0.id");
    expect400({ ...ok(), messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "document", source: {} }] }] }] }, "messages.0.content.0.content.0.type");
    expect400({ ...ok(), messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t", is_error: "yes" }] }] }, "messages.0.content.0.is_error");
    expect400({ ...ok(), messages: [{ role: "assistant", content: [{ type: "thinking", thinking: "x", signature: "cpk:openai-chat:%%%" }] }] }, "messages.0.content.0.signature");
    expect400({ ...ok(), messages: [{ role: "user", content: [{ type: "text", text: "x", cache_control: { type: "persistent" } }] }] }, "messages.0.content.0.cache_control.type");
    expect400({ ...ok(), system: [{ type: "image" }] }, "system.0.type");
    expect400({ ...ok(), tools: [{ name: "A" }] }, "tools.0.input_schema");
    expect400({ ...ok(), tools: [{ input_schema: {} }] }, "tools.0.name");
    expect400({ ...ok(), tool_choice: { type: "sometimes" } }, "tool_choice.type");
    expect400({ ...ok(), tool_choice: { type: "tool" } }, "tool_choice.name");
    expect400({ ...ok(), max_tokens: 0 }, "max_tokens");
    expect400({ ...ok(), max_tokens: 1.5 }, "max_tokens");
    expect400({ ...ok(), temperature: "hot" }, "temperature");
    expect400({ ...ok(), stop_sequences: ["a", 1] }, "stop_sequences.1");
    expect400({ ...ok(), stream: "yes" }, "stream");
    expect400({ ...ok(), thinking: { type: "enabled" } }, "thinking.budget_tokens");
    expect400({ ...ok(), thinking: { type: "sometimes" } }, "thinking.type");
    expect400({ ...ok(), output_config: { effort: "extreme" } }, "output_config.effort");
    expect400({ ...ok(), metadata: { user_id: 7 } }, "metadata.user_id");
  });

  it("accepts and ignores client-side hints", () => {
    const req = decodeAnthropicRequest({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      context_management: { edits: [] },
      service_tier: "auto",
      container: "c",
      mcp_servers: [],
      some_future_field: { x: 1 },
    });
    assert.deepEqual(req, { model: "m", system: [], messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }], tools: [], stream: false });
  });
});

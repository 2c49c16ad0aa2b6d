import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeAnthropicRequest } from "../../src/dialects/anthropic/decode-request.js";
import { CONTINUE_PROMPT, INTERRUPTED_TOOL_RESULT, encodeAnthropicRequest } from "../../src/dialects/anthropic/encode-request.js";
import type { Message, Request } from "../../src/ir/request.js";
import type { CopilotModel } from "../../src/upstream/model-catalog.js";

const model = (capabilities?: CopilotModel["capabilities"]) => ({ id: "claude-sonnet-4.6", capabilities });

function req(messages: Message[], extra: Partial<Request> = {}): Request {
  return { model: "claude-sonnet-4-6", system: [], messages, tools: [], stream: true, ...extra };
}

const user = (text: string): Message => ({ role: "user", content: [{ type: "text", text }] });

describe("encodeAnthropicRequest", () => {
  it("hoists system messages, strips the billing header and merges same-role messages", () => {
    const body = encodeAnthropicRequest(
      req(
        [
          user("a"),
          { role: "system", content: [{ type: "text", text: "agents: claude" }] },
          user("b"),
          { role: "assistant", content: [{ type: "text", text: "c" }] },
          { role: "assistant", content: [{ type: "text", text: "" }, { type: "text", text: "d" }] },
          user("e"),
        ],
        {
          system: [
            { type: "text", text: "x-anthropic-billing-header: cc_version=1; cch=abcde;" },
            { type: "text", text: "You are Claude.", cacheControl: { type: "ephemeral", ttl: "5m" } },
          ],
        },
      ),
      { model: model() },
    );
    assert.deepEqual(body.system, [
      { type: "text", text: "You are Claude.", cache_control: { type: "ephemeral", ttl: "5m" } },
      { type: "text", text: "agents: claude" },
    ]);
    assert.deepEqual(body.messages, [
      { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
      { role: "assistant", content: [{ type: "text", text: "c" }, { type: "text", text: "d" }] },
      { role: "user", content: [{ type: "text", text: "e" }] },
    ]);
    assert.equal(body.model, "claude-sonnet-4.6");
    assert.equal(body.stream, true);
  });

  it("keeps only thinking Claude can verify (T11, T12)", () => {
    const body = encodeAnthropicRequest(
      req([
        user("q"),
        {
          role: "assistant",
          content: [
            { type: "reasoning", text: "mine", signature: "SIG", origin: "anthropic" },
            { type: "reasoning", text: "", redactedData: "RED", origin: "anthropic" },
            { type: "reasoning", text: "", signature: "SIGONLY", origin: "anthropic" },
            { type: "reasoning", text: "unsigned", origin: "anthropic" },
            { type: "reasoning", text: "gpt", encryptedContent: "enc", origin: "openai-responses" },
            { type: "reasoning", text: "gemini", signature: "opaque", origin: "openai-chat" },
            { type: "text", text: "answer" },
          ],
        },
        user("next"),
      ]),
      { model: model() },
    );
    assert.deepEqual(body.messages[1], {
      role: "assistant",
      content: [
        { type: "thinking", thinking: "mine", signature: "SIG" },
        { type: "redacted_thinking", data: "RED" },
        { type: "text", text: "answer" },
      ],
    });
  });

  it("pairs every tool_use with exactly one tool_result (T2, T3)", () => {
    const body = encodeAnthropicRequest(
      req([
        user("go"),
        {
          role: "assistant",
          content: [
            { type: "tool-call", id: "toolu_a", name: "Bash", input: '{"command":"ls"}' },
            { type: "tool-call", id: "toolu_b", name: "Read", input: "[]" },
          ],
        },
        {
          role: "user",
          content: [
            { type: "text", text: "I stopped b" },
            { type: "tool-result", callId: "toolu_a", content: [{ type: "text", text: "ok" }] },
            { type: "tool-result", callId: "toolu_a", content: [{ type: "text", text: "dup" }] },
            { type: "tool-result", callId: "toolu_zzz", content: [{ type: "text", text: "orphan" }] },
          ],
        },
        { role: "assistant", content: [{ type: "text", text: "fine" }] },
        { role: "user", content: [{ type: "tool-result", callId: "toolu_gone", content: [] }, { type: "text", text: "again" }] },
        { role: "assistant", content: [{ type: "tool-call", id: "call 9", name: "Bash", input: "{}" }] },
      ]),
      { model: model() },
    );
    assert.deepEqual(body.messages, [
      { role: "user", content: [{ type: "text", text: "go" }] },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "toolu_a", name: "Bash", input: { command: "ls" } },
          { type: "tool_use", id: "toolu_b", name: "Read", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_a", content: "ok" },
          { type: "tool_result", tool_use_id: "toolu_b", is_error: true, content: INTERRUPTED_TOOL_RESULT },
          { type: "text", text: "I stopped b" },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "fine" }] },
      { role: "user", content: [{ type: "text", text: "again" }] },
      // A trailing tool call gets its interrupted result, with its id made Anthropic-safe.
      { role: "assistant", content: [{ type: "tool_use", id: "call_9", name: "Bash", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "call_9", is_error: true, content: INTERRUPTED_TOOL_RESULT }] },
    ]);
  });

  it("pairs on merged turns: results anywhere in the user turn count, system messages and dropped thinking in between don't split it, ids pair once made safe", () => {
    const body = encodeAnthropicRequest(
      req([
        { role: "assistant", content: [{ type: "tool-call", id: "toolu.a", name: "Bash", input: "{}" }, { type: "tool-call", id: "toolu_b", name: "Bash", input: "{}" }] },
        { role: "assistant", content: [{ type: "reasoning", text: "foreign", origin: "openai-chat" }] },
        { role: "user", content: [{ type: "text", text: "first" }, { type: "tool-result", callId: "toolu_b", content: [{ type: "text", text: "B" }] }] },
        { role: "system", content: [{ type: "text", text: "note" }] },
        { role: "user", content: [{ type: "tool-result", callId: "toolu_a", content: [{ type: "text", text: "A" }] }] },
      ]),
      { model: model() },
    );
    // Chat and Responses, whose messages don't merge, would count "toolu_a" as a stray here (pair-tool-results.test.ts).
    assert.deepEqual(body.messages.slice(1), [
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_a", content: "A" },
          { type: "tool_result", tool_use_id: "toolu_b", content: "B" },
          { type: "text", text: "first" },
        ],
      },
    ]);
    assert.deepEqual(body.system, [{ type: "text", text: "note" }]);
  });

  it("sends custom tools as one string argument and wraps their calls in history", () => {
    const body = encodeAnthropicRequest(
      req(
        [
          user("patch it"),
          { role: "assistant", content: [{ type: "tool-call", id: "call_p", name: "apply_patch", input: "*** Begin Patch\n", custom: true }] },
          { role: "user", content: [{ type: "tool-result", callId: "call_p", custom: true, content: [{ type: "text", text: "done" }] }] },
        ],
        { tools: [{ type: "custom", name: "apply_patch", description: "Edit files", format: { type: "grammar", syntax: "lark", definition: "start: x" } }] },
      ),
      { model: model() },
    );
    assert.deepEqual(body.messages[1], {
      role: "assistant",
      content: [{ type: "tool_use", id: "call_p", name: "apply_patch", input: { input: "*** Begin Patch\n" } }],
    });
    const tool = body.tools?.[0] as { name: string; description: string; input_schema: { properties: { input: { description: string } } } };
    assert.equal(tool.name, "apply_patch");
    assert.equal(tool.description, "Edit files");
    assert.match(tool.input_schema.properties.input.description, /lark grammar:\nstart: x/);
  });

  it("never ends on an assistant message", () => {
    const body = encodeAnthropicRequest(req([user("q"), { role: "assistant", content: [{ type: "text", text: "prefill" }] }]), { model: model() });
    assert.deepEqual(body.messages.at(-1), { role: "user", content: [{ type: "text", text: CONTINUE_PROMPT }] });
  });

  it("moves cache_control out of tool_result content, drops $schema, prefers temperature over top_p", () => {
    const body = encodeAnthropicRequest(
      req(
        [
          user("q"),
          { role: "assistant", content: [{ type: "tool-call", id: "toolu_1", name: "Shot", input: "{}" }] },
          {
            role: "user",
            content: [
              {
                type: "tool-result",
                callId: "toolu_1",
                isError: true,
                content: [
                  { type: "text", text: "see", cacheControl: { type: "ephemeral" } },
                  { type: "image", source: { kind: "base64", mediaType: "image/png", data: "AAAA" }, cacheControl: { type: "ephemeral" } },
                ],
              },
            ],
          },
        ],
        {
          tools: [{ type: "function", name: "Shot", parameters: { $schema: "x", type: "object", properties: {} } }],
          temperature: 0.3,
          topP: 0.9,
          topK: 4,
          stopSequences: ["STOP"],
        },
      ),
      { model: model() },
    );
    assert.deepEqual(body.messages[2], {
      role: "user",
      content: [
        {
          type: "tool_result",
          tool_use_id: "toolu_1",
          cache_control: { type: "ephemeral" },
          is_error: true,
          content: [
            { type: "text", text: "see" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
          ],
        },
      ],
    });
    assert.deepEqual(body.tools, [{ name: "Shot", input_schema: { type: "object", properties: {} } }]);
    assert.equal(body.temperature, 0.3);
    assert.equal(body.top_p, undefined);
    assert.equal(body.top_k, 4);
    assert.deepEqual(body.stop_sequences, ["STOP"]);
  });

  it("chooses thinking from the model's capabilities", () => {
    const enabled = req([user("q")], { reasoning: { mode: "enabled", budgetTokens: 31999 }, maxOutputTokens: 16000 });
    assert.deepEqual(encodeAnthropicRequest(enabled, { model: model({ supports: { adaptive_thinking: true } }) }).thinking, { type: "adaptive" });
    assert.deepEqual(encodeAnthropicRequest(enabled, { model: model({ supports: { thinking: true, max_thinking_budget: 32000 } }) }).thinking, {
      type: "enabled",
      budget_tokens: 15999,
    });
    assert.equal(encodeAnthropicRequest(enabled, { model: model({ supports: { tool_calls: true } }) }).thinking, undefined);
    // Unknown capabilities: trust the request.
    assert.deepEqual(encodeAnthropicRequest(enabled, { model: model() }).thinking, { type: "enabled", budget_tokens: 15999 });
    const small = req([user("q")], { reasoning: { mode: "enabled", budgetTokens: 10 }, maxOutputTokens: 4000 });
    assert.deepEqual(encodeAnthropicRequest(small, { model: model() }).thinking, { type: "enabled", budget_tokens: 1024 });
    const tiny = req([user("q")], { reasoning: { mode: "enabled", budgetTokens: 2000 }, maxOutputTokens: 1000 });
    assert.equal(encodeAnthropicRequest(tiny, { model: model() }).thinking, undefined);
    const adaptive = req([user("q")], { reasoning: { mode: "adaptive" } });
    assert.deepEqual(encodeAnthropicRequest(adaptive, { model: model() }).thinking, { type: "adaptive" });
    assert.equal(encodeAnthropicRequest(req([user("q")], { reasoning: { mode: "disabled" } }), { model: model() }).thinking, undefined);
  });

  it("adjusts sampling and tool_choice when thinking is on (T15)", () => {
    const body = encodeAnthropicRequest(
      req([user("q")], {
        reasoning: { mode: "adaptive" },
        temperature: 0.5,
        topK: 3,
        tools: [{ type: "function", name: "A", parameters: { type: "object" } }],
        toolChoice: { type: "tool", name: "A" },
        parallelToolCalls: false,
      }),
      { model: model() },
    );
    assert.deepEqual(body.thinking, { type: "adaptive" });
    assert.deepEqual(body.tool_choice, { type: "auto", disable_parallel_tool_use: true });
    assert.equal(body.temperature, undefined);
    assert.equal(body.top_k, undefined);

    const plain = encodeAnthropicRequest(
      req([user("q")], { tools: [{ type: "function", name: "A", parameters: { type: "object" } }], toolChoice: { type: "required" } }),
      { model: model() },
    );
    assert.deepEqual(plain.tool_choice, { type: "any" });
  });

  it("disables thinking when the last tool turn has no thinking block to continue", () => {
    const body = encodeAnthropicRequest(
      req(
        [
          user("q"),
          { role: "assistant", content: [{ type: "reasoning", text: "gpt", origin: "openai-responses", encryptedContent: "e" }, { type: "tool-call", id: "toolu_1", name: "A", input: "{}" }] },
          { role: "user", content: [{ type: "tool-result", callId: "toolu_1", content: [{ type: "text", text: "r" }] }] },
        ],
        { reasoning: { mode: "enabled", budgetTokens: 2000 }, maxOutputTokens: 8000 },
      ),
      { model: model() },
    );
    assert.equal(body.thinking, undefined);
  });

  it("maps effort to what the model lists", () => {
    const effort = (e: NonNullable<Request["reasoning"]>["effort"], supports?: NonNullable<CopilotModel["capabilities"]>["supports"]) =>
      encodeAnthropicRequest(req([user("q")], { reasoning: { mode: "adaptive", effort: e } }), { model: model(supports ? { supports } : undefined) }).output_config;
    assert.deepEqual(effort("high"), { effort: "high" });
    assert.deepEqual(effort("minimal"), { effort: "low" });
    assert.deepEqual(effort("max", { adaptive_thinking: true, reasoning_effort: ["low", "medium", "high"] }), { effort: "high" });
    assert.deepEqual(effort("low", { adaptive_thinking: true, reasoning_effort: ["medium"] }), { effort: "medium" });
    assert.equal(effort("high", { adaptive_thinking: true }), undefined);
  });

  it("clamps max_tokens to the model's output limit and defaults it", () => {
    assert.equal(encodeAnthropicRequest(req([user("q")], { maxOutputTokens: 64000 }), { model: model({ limits: { max_output_tokens: 16000 } }) }).max_tokens, 16000);
    assert.equal(encodeAnthropicRequest(req([user("q")]), { model: model({ limits: { max_output_tokens: 16000 } }) }).max_tokens, 16000);
    assert.equal(encodeAnthropicRequest(req([user("q")], { maxOutputTokens: 500 }), { model: model() }).max_tokens, 500);
  });

  it("keeps at most four cache breakpoints, the latest ones", () => {
    const cc = { type: "ephemeral" as const };
    const body = encodeAnthropicRequest(
      req([{ role: "user", content: [{ type: "text", text: "u1", cacheControl: cc }, { type: "text", text: "u2", cacheControl: cc }] }], {
        system: [
          { type: "text", text: "s1", cacheControl: cc },
          { type: "text", text: "s2", cacheControl: cc },
        ],
        tools: [{ type: "function", name: "A", parameters: { type: "object" }, cacheControl: cc }],
      }),
      { model: model() },
    );
    assert.equal(JSON.stringify(body).split('"cache_control"').length - 1, 4);
    assert.equal(body.tools?.[0] && "cache_control" in body.tools[0], false);
  });

  it("turns a Claude Code request into a body Copilot accepts (case 12, 45)", () => {
    const ir = decodeAnthropicRequest({
      model: "claude-opus-4-8",
      system: [
        { type: "text", text: "x-anthropic-billing-header: cc_version=2.1.197.abc; cc_entrypoint=cli; cch=12345;" },
        { type: "text", text: "Prompt", cache_control: { type: "ephemeral", scope: "turn" } },
      ],
      messages: [
        { role: "user", content: [{ type: "text", text: "hi", cache_control: { type: "ephemeral" } }] },
        { role: "system", content: "Available agent types" },
      ],
      tools: [{ name: "Bash", input_schema: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties: {} } }],
      thinking: { type: "adaptive" },
      output_config: { effort: "high" },
      context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }] },
      metadata: { user_id: "{}" },
      max_tokens: 64000,
      stream: true,
    });
    const body = encodeAnthropicRequest(ir, {
      model: model({ limits: { max_output_tokens: 32000 }, supports: { adaptive_thinking: true, reasoning_effort: ["low", "medium", "high"] } }),
    });
    const text = JSON.stringify(body);
    for (const banned of ["$schema", "billing-header", "scope", "context_management", "metadata", '"role":"system"']) {
      assert.ok(!text.includes(banned), `body must not contain ${banned}`);
    }
    assert.deepEqual(body.system, [
      { type: "text", text: "Prompt", cache_control: { type: "ephemeral" } },
      { type: "text", text: "Available agent types" },
    ]);
    assert.deepEqual(body.thinking, { type: "adaptive" });
    assert.deepEqual(body.output_config, { effort: "high" });
    assert.equal(body.max_tokens, 32000);
  });
});

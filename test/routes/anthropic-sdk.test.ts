import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { type Harness, startHarness } from "../helpers/harness.js";
import { anthropicFor } from "../helpers/sdk-clients.js";

const bash: Anthropic.Tool = {
  name: "Bash",
  description: "Run a shell command",
  input_schema: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
};

describe("Anthropic Messages through the official @anthropic-ai/sdk", () => {
  let h: Harness;
  let client: Anthropic;
  before(async () => {
    h = await startHarness();
    client = anthropicFor(h, "dummy");
  });
  after(async () => {
    await h.close();
  });

  // Claude is passed through natively; GPT and Gemini are translated to /chat/completions.
  for (const [model, upstream] of [
    ["claude-sonnet-4.5", "/v1/messages"],
    ["gpt-4.1", "/chat/completions"],
    ["gemini-2.5-pro", "/chat/completions"],
  ] as const) {
    describe(`${model} (${upstream})`, () => {
      test("messages.create answers with text and usage", async () => {
        const m = await client.messages.create({ model, max_tokens: 256, messages: [{ role: "user", content: "hi there" }] });
        assert.equal(m.role, "assistant");
        assert.equal(m.stop_reason, "end_turn");
        const text = m.content.find((b) => b.type === "text");
        assert.match(text?.type === "text" ? text.text : "", /Hello from fake Copilot/);
        assert.ok(m.usage.output_tokens > 0);
        assert.equal(h.fake.calls.at(-1)!.route, upstream);
      });

      test("messages.stream().finalMessage() accepts the stream (strict parser)", async () => {
        const final = await client.messages
          .stream({ model, max_tokens: 256, messages: [{ role: "user", content: "stream [[chunks:30]]" }] })
          .finalMessage();
        const text = final.content.find((b) => b.type === "text");
        assert.equal(text?.type === "text" ? text.text.trim() : "", Array.from({ length: 30 }, (_, i) => `w${i + 1}`).join(" "));
        assert.ok(final.usage.output_tokens > 0);
        const emoji = await client.messages.stream({ model, max_tokens: 256, messages: [{ role: "user", content: "[[emoji]]" }] }).finalMessage();
        const etext = emoji.content.find((b) => b.type === "text");
        assert.ok(etext?.type === "text" && etext.text.includes("héllo 🌍 世界"), "multi-byte text survives odd byte splits");
      });

      test("raw stream is a complete event sequence", async () => {
        const stream = await client.messages.create({ model, max_tokens: 64, stream: true, messages: [{ role: "user", content: "yo" }] });
        const types: string[] = [];
        for await (const ev of stream) types.push(ev.type);
        assert.equal(types[0], "message_start");
        assert.equal(types.at(-1), "message_stop");
        assert.equal(types.at(-2), "message_delta");
        assert.ok(types.includes("content_block_start") && types.includes("content_block_stop"));
      });

      test("tool use round trip: tool_use block, then the tool_result turn", async () => {
        const first = await client.messages.stream({ model, max_tokens: 256, tools: [bash], messages: [{ role: "user", content: "run echo hi" }] }).finalMessage();
        assert.equal(first.stop_reason, "tool_use");
        const use = first.content.find((b) => b.type === "tool_use");
        assert.ok(use && use.type === "tool_use");
        assert.deepEqual(use.input, { command: "echo hi" });
        assert.equal(h.fake.calls.at(-1)!.headers["x-initiator"], "user");

        const second = await client.messages.create({
          model,
          max_tokens: 256,
          tools: [bash],
          messages: [
            { role: "user", content: "run echo hi" },
            { role: "assistant", content: first.content },
            { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "hi" }] },
          ],
        });
        const text = second.content.find((b) => b.type === "text");
        assert.match(text?.type === "text" ? text.text : "", /Tool result: hi/);
        assert.equal(h.fake.calls.at(-1)!.headers["x-initiator"], "agent");
      });

      test("thinking comes back as signed thinking blocks and round-trips unchanged", async () => {
        const params = { model, max_tokens: 4096, thinking: { type: "enabled" as const, budget_tokens: 2048 } };
        const first = await client.messages.stream({ ...params, messages: [{ role: "user", content: "[[think]] ponder" }] }).finalMessage();
        const thinking = first.content.find((b) => b.type === "thinking");
        assert.ok(thinking && thinking.type === "thinking" && thinking.thinking.length > 0 && thinking.signature.length > 0, JSON.stringify(first.content));
        // The fake rejects a thinking block whose signature it did not issue, so success proves byte-exact state.
        const second = await client.messages.create({
          ...params,
          messages: [
            { role: "user", content: "[[think]] ponder" },
            { role: "assistant", content: first.content },
            { role: "user", content: "and now?" },
          ],
        });
        assert.ok(second.content.length > 0);
      });

      test("an upstream failure mid-stream becomes an error event, not a hang", async () => {
        h.fake.fault({ path: upstream, kind: "drop-after-first-chunk" });
        await assert.rejects(
          client.messages.stream({ model, max_tokens: 64, messages: [{ role: "user", content: "x [[chunks:40]]" }] }).finalMessage(),
          /broke off|stream/i,
        );
      });
    });
  }

  test("countTokens counts system, messages and tools (with ?beta=true too)", async () => {
    const base = { model: "claude-sonnet-4.5", messages: [{ role: "user" as const, content: "hello there" }] };
    const plain = await client.messages.countTokens(base);
    const withTools = await client.messages.countTokens({ ...base, tools: [bash], system: "You are terse." });
    assert.ok(plain.input_tokens > 0);
    assert.ok(withTools.input_tokens > plain.input_tokens + 10);
    const res = await fetch(`${h.url}/v1/messages/count_tokens?beta=true`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "dummy", "anthropic-version": "2023-06-01" },
      body: JSON.stringify(base),
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { input_tokens: number }).input_tokens, plain.input_tokens);
  });

  test("models.list in Anthropic's shape", async () => {
    const page = await client.models.list();
    assert.ok(page.data.some((m) => m.id === "claude-sonnet-4.5" && m.type === "model"));
  });

  test("an unknown model is a not_found_error listing the available ids", async () => {
    await assert.rejects(
      client.messages.create({ model: "claude-nonexistent-9", max_tokens: 10, messages: [{ role: "user", content: "x" }] }),
      (e: InstanceType<typeof Anthropic.APIError>) =>
        e.status === 404 && (e.error as { error?: { type?: string } })?.error?.type === "not_found_error" && /claude-sonnet-4\.5/.test(e.message),
    );
  });

  test("an upstream 429 is a rate_limit_error with retry-after", async () => {
    h.fake.fault({ path: "/v1/messages", status: 429, headers: { "retry-after": "30" }, body: { error: { message: "slow down", code: "user_model_rate_limited" } } });
    await assert.rejects(
      client.messages.create({ model: "claude-sonnet-4.5", max_tokens: 10, messages: [{ role: "user", content: "x" }] }),
      (e: InstanceType<typeof Anthropic.APIError>) =>
        e.status === 429 && e.headers?.get("retry-after") === "30" && (e.error as { error?: { type?: string } })?.error?.type === "rate_limit_error",
    );
  });

  test("a prompt over the model's limit reads 'prompt is too long: N tokens > M maximum'", async () => {
    h.fake.fault({
      path: "/v1/messages",
      status: 400,
      body: { error: { message: "prompt token count of 74490 exceeds the limit of 72000", code: "model_max_prompt_tokens_exceeded" } },
    });
    await assert.rejects(
      client.messages.create({ model: "claude-sonnet-4.5", max_tokens: 10, messages: [{ role: "user", content: "x" }] }),
      (e: InstanceType<typeof Anthropic.APIError>) =>
        e.status === 400 &&
        (e.error as { error?: { type?: string; message?: string } })?.error?.type === "invalid_request_error" &&
        /^prompt is too long: 74490 tokens > 72000 maximum/.test((e.error as { error: { message: string } }).error.message),
    );
  });

  test("malformed JSON is an Anthropic invalid_request_error", async () => {
    const res = await fetch(`${h.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { type: string; error: { type: string } };
    assert.equal(body.type, "error");
    assert.equal(body.error.type, "invalid_request_error");
  });

  test("Claude Code's body shapes pass Copilot's strict validation on the native path", async () => {
    const res = await fetch(`${h.url}/v1/messages?beta=true`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "dummy", "anthropic-version": "2023-06-01", "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,prompt-caching-scope-2026-01-05" },
      body: JSON.stringify({
        model: "claude-sonnet-4-5-20250929",
        max_tokens: 32000,
        stream: false,
        thinking: { type: "enabled", budget_tokens: 31999 },
        context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }] },
        metadata: { user_id: JSON.stringify({ device_id: "d", session_id: "s" }) },
        system: [
          { type: "text", text: "x-anthropic-billing-header: cc_version=2.1.197.abc; cc_entrypoint=cli; cch=12345;" },
          { type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral", scope: "turn" } },
        ],
        tools: [{ ...bash, eager_input_streaming: true, input_schema: { $schema: "https://json-schema.org/draft/2020-12/schema", ...bash.input_schema } }],
        messages: [
          { role: "user", content: [{ type: "text", text: "hello", cache_control: { type: "ephemeral" } }] },
          { role: "system", content: "Available agent types: none" },
        ],
      }),
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const sent = h.fake.calls.at(-1)!;
    assert.equal(sent.body.model, "claude-sonnet-4.5");
    assert.ok(!sent.rawBody.includes("billing-header"));
    assert.ok(!sent.rawBody.includes("scope"));
    assert.equal(sent.body.context_management, undefined);
    assert.ok(sent.body.system.some((b: { text: string }) => b.text.includes("Available agent types")));
    assert.equal(sent.headers["anthropic-beta"], "interleaved-thinking-2025-05-14,context-management-2025-06-27");
  });

  test("two consecutive Claude Code requests differing only in the billing nonce send identical bodies", async () => {
    const send = (nonce: string) =>
      client.messages.create({
        model: "claude-sonnet-4.5",
        max_tokens: 100,
        system: [
          { type: "text", text: `x-anthropic-billing-header: cc_version=2.1.197.abc; cc_entrypoint=cli; cch=${nonce};` },
          { type: "text", text: "You are Claude Code." },
        ],
        messages: [{ role: "user", content: "hi" }],
      });
    await send("aaaaa");
    const a = h.fake.calls.at(-1)!.rawBody;
    await send("bbbbb");
    assert.equal(h.fake.calls.at(-1)!.rawBody, a);
  });
});

describe("X-Initiator for Claude Code's own calls (known-failures R1, cases 15 and 16)", () => {
  let h: Harness;
  let claudeCode: Anthropic;
  before(async () => {
    h = await startHarness();
    // What Claude Code sends: x-app: cli and its user agent.
    claudeCode = new Anthropic({ baseURL: h.url, apiKey: "dummy", maxRetries: 0, timeout: 10_000, defaultHeaders: { "x-app": "cli", "user-agent": "claude-cli/2.1.197 (external, cli)" } });
  });
  after(async () => {
    await h.close();
  });

  const typed: Anthropic.MessageParam[] = [{ role: "user", content: "fix the failing test" }];
  const cases: [string, Partial<Anthropic.MessageCreateParamsNonStreaming>, string, string][] = [
    ["a typed turn of the main loop", { system: "You are Claude Code, Anthropic's official CLI for Claude.", tools: [bash], messages: typed }, "user", "messages-proxy"],
    ["a background call (no tools)", { system: "Write a 5-word title for this conversation.", messages: typed }, "agent", "conversation-background"],
    ["a subagent's first call", { system: "You are an agent for Claude Code, Anthropic's official CLI for Claude. Given the user's message, use the tools available.", tools: [bash], messages: typed }, "agent", "conversation-subagent"],
    [
      "a compaction",
      {
        system: "You are Claude Code, Anthropic's official CLI for Claude.",
        tools: [bash],
        messages: [...typed, { role: "assistant", content: "done" }, { role: "user", content: "Your task is to create a detailed summary of the conversation so far, paying close attention to the user's explicit requests." }],
      },
      "agent",
      "conversation-compaction",
    ],
  ];
  for (const [what, params, initiator, interactionType] of cases) {
    for (const model of ["claude-sonnet-4.5", "gpt-4.1"]) {
      test(`${what}, ${model}: X-Initiator ${initiator}, X-Interaction-Type ${interactionType}`, async () => {
        await claudeCode.messages.create({ model, max_tokens: 64, messages: typed, ...params });
        const call = h.fake.calls.at(-1)!;
        assert.equal(call.headers["x-initiator"], initiator);
        assert.equal(call.headers["x-interaction-type"], interactionType);
      });
    }
  }
});

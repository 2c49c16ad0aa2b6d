import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { modelType, supportedEndpoints } from "../../src/upstream/model-catalog.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { anthropicFor } from "../helpers/sdk-clients.js";

/** The headers Claude Code 2.1.332 sends (captures/claude-code-2.1.332-turn1.json). */
const CLAUDE_CODE_HEADERS = {
  "content-type": "application/json",
  authorization: "Bearer dummy",
  "anthropic-version": "2023-06-01",
  "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27",
  "x-app": "cli",
  "user-agent": "claude-cli/2.1.332 (external, sdk-cli)",
};

interface AnthropicModel {
  type: string;
  id: string;
  display_name: string;
  created_at: string;
}

/**
 * What Anthropic's "LLM gateway" contract asks of a Claude Code gateway beyond /v1/messages
 * (copilot-upstream.md 13.2): the model list in Anthropic's shape, the one-token probes on every
 * model, and inline `role: "system"` messages with array content.
 */
describe("Claude Code's gateway contract", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  async function list(headers: Record<string, string>) {
    const res = await fetch(`${h.url}/v1/models`, { headers });
    assert.equal(res.status, 200);
    return (await res.json()) as { data: AnthropicModel[]; has_more?: boolean; first_id?: string; last_id?: string; object?: string };
  }

  test("GET /v1/models: Anthropic's list shape for Claude Code, Claude ids first", async () => {
    const body = await list({ authorization: "Bearer dummy", "anthropic-version": "2023-06-01", "x-app": "cli" });
    assert.equal(body.object, undefined);
    assert.equal(body.has_more, false);
    assert.equal(body.first_id, body.data[0]!.id);
    assert.equal(body.last_id, body.data.at(-1)!.id);
    for (const m of body.data) {
      assert.equal(m.type, "model");
      assert.ok(m.display_name, m.id);
      assert.ok(!Number.isNaN(Date.parse(m.created_at)), m.created_at);
    }
    const ids = body.data.map((m) => m.id);
    const firstOther = ids.findIndex((id) => !id.startsWith("claude"));
    assert.ok(firstOther > 0, ids.join(","));
    assert.ok(ids.slice(firstOther).every((id) => !id.startsWith("claude")), `every Claude id comes first: ${ids.join(",")}`);
    assert.ok(ids.includes("claude-sonnet-4.5") && ids.includes("gpt-5.4"), "every chat model is listed");
    assert.ok(!ids.includes("text-embedding-3-small"), "no embedding models");
    assert.equal(body.data.find((m) => m.id === "claude-sonnet-4.5")!.display_name, "Claude Sonnet 4.5");
  });

  test("Claude Code's own headers alone select the Anthropic shape; an OpenAI client keeps OpenAI's", async () => {
    const cc = await list({ authorization: "Bearer dummy", "x-app": "cli", "user-agent": "claude-cli/2.1.332 (external, cli)" });
    assert.equal(cc.data[0]!.type, "model");
    const openai = await list({ authorization: "Bearer dummy" });
    assert.equal(openai.object, "list");
  });

  test("the Anthropic SDK lists the same models", async () => {
    const client = anthropicFor(h, "dummy");
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.ok(ids[0]!.startsWith("claude"), ids.join(","));
  });

  test("one-token probes (max_tokens: 1, non-stream) answer on every chat model, with usage", async () => {
    const chatModels = h.runtime.catalog.list().filter((m) => modelType(m) === "chat" && (m.policy?.state ?? "enabled") === "enabled");
    assert.ok(chatModels.some((m) => supportedEndpoints(m).join() === "/responses"), "a responses-only model is among them");
    for (const m of chatModels) {
      h.fake.reset();
      const res = await fetch(`${h.url}/v1/messages?beta=true`, {
        method: "POST",
        headers: CLAUDE_CODE_HEADERS,
        body: JSON.stringify({ model: m.id, max_tokens: 1, messages: [{ role: "user", content: "quota" }] }),
      });
      const text = await res.text();
      assert.equal(res.status, 200, `${m.id}: ${text}`);
      const answer = JSON.parse(text) as { type: string; content: unknown[]; stop_reason: string; usage: { input_tokens: number; output_tokens: number } };
      assert.equal(answer.type, "message", m.id);
      assert.ok(Array.isArray(answer.content) && answer.stop_reason, `${m.id}: ${text}`);
      assert.equal(typeof answer.usage.input_tokens, "number", `${m.id}: ${text}`);
      assert.equal(typeof answer.usage.output_tokens, "number", `${m.id}: ${text}`);
      const responses = h.fake.callsTo("/responses")[0];
      if (responses) assert.equal(responses.body.max_output_tokens, 16, `${m.id}: Copilot's /responses takes no fewer than 16`);
    }
  });

  test("the fake refuses max_output_tokens below 16 on /responses, as Copilot does", async () => {
    const res = await fetch(`${h.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer dummy" },
      body: JSON.stringify({ model: "gpt-5.4", input: "hi", max_output_tokens: 1 }),
    });
    assert.equal(res.status, 200, "copilot-api raises it to the floor");
    assert.equal(h.fake.calls.at(-1)!.body.max_output_tokens, 16);
    const session = await h.runtime.tokens.get();
    const direct = await fetch(`${session.apiBase}/responses`, {
      method: "POST",
      headers: directHeaders(session.token),
      body: JSON.stringify({ model: "gpt-5.4", input: "hi", max_output_tokens: 15 }),
    });
    assert.equal(direct.status, 400);
    assert.match(await direct.text(), /integer_below_min_value/);
  });

  for (const model of ["claude-sonnet-4.5", "gpt-4.1", "gpt-5.4"]) {
    test(`inline role:"system" messages with array content (Claude Code 2.1.332) reach ${model} as system text`, async () => {
      h.fake.reset();
      const res = await fetch(`${h.url}/v1/messages?beta=true`, {
        method: "POST",
        headers: CLAUDE_CODE_HEADERS,
        body: JSON.stringify({
          model,
          max_tokens: 1000,
          system: [{ type: "text", text: "You are Claude Code." }],
          messages: [
            { role: "user", content: [{ type: "text", text: "hello" }] },
            { role: "system", content: [{ type: "text", text: "Available agent types: general-purpose" }] },
          ],
        }),
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      const sent = h.fake.calls.at(-1)!;
      assert.ok(sent.rawBody.includes("Available agent types: general-purpose"), sent.rawBody);
      if (sent.route === "/v1/messages") {
        // Copilot's native Messages refuses inline system messages: their text joins the system prompt.
        assert.ok(!sent.body.messages.some((m: { role: string }) => m.role === "system"));
        assert.ok(sent.body.system.some((b: { text: string }) => b.text === "Available agent types: general-purpose"));
      }
    });
  }
});

function directHeaders(token: string): Record<string, string> {
  return {
    "content-type": "application/json",
    authorization: `Bearer ${token}`,
    "x-github-api-version": "2026-08-01",
    "editor-version": "vscode/1.0",
    "copilot-integration-id": "vscode-chat",
  };
}

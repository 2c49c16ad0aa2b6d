import assert from "node:assert/strict";
import { describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { FAKE_SOURCES } from "../fake-upstream/web-search.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { anthropicFor, openaiFor } from "../helpers/sdk-clients.js";

/** What Claude Code's WebSearch tool sends: one request per search, offering only the server tool. */
function claudeCodeSearch(model: string, stream: boolean) {
  return {
    model,
    max_tokens: 32000,
    stream,
    system: [
      { type: "text", text: "x-anthropic-billing-header: cc_version=2.1.332.abc; cc_entrypoint=sdk-cli;" },
      { type: "text", text: "You are an assistant for performing a web search tool use" },
    ],
    messages: [{ role: "user", content: [{ type: "text", text: "Perform a web search for the query: copilot api news" }] }],
    tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 8, allowed_domains: ["example.com", "example.org"] }],
  };
}

interface Block {
  type: string;
  id?: string;
  tool_use_id?: string;
  input?: { query?: string };
  content?: { type: string; url: string; title: string }[];
  text?: string;
}

function assertSearchBlocks(content: Block[]) {
  assert.deepEqual(
    content.map((b) => b.type),
    ["server_tool_use", "web_search_tool_result", "text"],
  );
  const [use, result, text] = content as [Block, Block, Block];
  assert.equal(use.input?.query, "fake search: Perform a web search for the query: copilot api news");
  assert.equal(result.tool_use_id, use.id);
  assert.deepEqual(
    result.content?.map((r) => [r.type, r.url, r.title]),
    FAKE_SOURCES.map((s) => ["web_search_result", s.url, s.title]),
  );
  assert.match(text.text ?? "", /fake result one and fake result two/);
}

async function withHarness(options: Parameters<typeof startHarness>[0], fn: (h: Harness) => Promise<void>) {
  const h = await startHarness(options);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

/**
 * Web search through Copilot's /responses `web_search` tool (copilot-upstream.md 13.4 [U],
 * known-failures F2): Claude Code's server tool becomes server_tool_use + web_search_tool_result
 * blocks; Codex's hosted tool passes through and comes back as web_search_call items. A refusal
 * falls back to the clear error and is remembered for the session.
 */
describe("web search", () => {
  test("Claude Code's web search request (non-stream): one search on the search model, the sources as result blocks", () =>
    withHarness({}, async (h) => {
      const client = anthropicFor(h, "dummy");
      const message = await client.messages.create(claudeCodeSearch("claude-haiku-4.5", false) as Anthropic.MessageCreateParamsNonStreaming);
      assertSearchBlocks(message.content as unknown as Block[]);
      assert.equal(message.model, "claude-haiku-4.5");
      assert.equal(message.stop_reason, "end_turn");
      assert.equal((message.usage as { server_tool_use?: { web_search_requests: number } }).server_tool_use?.web_search_requests, 1);
      assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0);

      const [search, ...more] = h.fake.callsTo("/responses");
      assert.equal(more.length, 0);
      assert.equal(search!.body.model, "gpt-5-mini", "the first OpenAI model on /responses, by default");
      assert.deepEqual(search!.body.tools, [{ type: "web_search", filters: { allowed_domains: ["example.com", "example.org"] } }]);
      assert.equal(search!.body.instructions, "You are an assistant for performing a web search tool use", "no billing header");
      assert.equal(search!.headers["x-initiator"], "agent");
      assert.equal(h.fake.callsTo("/v1/messages").length, 0);
    }));

  test("streamed: the Anthropic SDK's strict stream parser folds the same blocks", () =>
    withHarness({ config: { webSearchModel: "gpt-5.4" } }, async (h) => {
      const client = anthropicFor(h, "dummy");
      const final = await client.messages.stream(claudeCodeSearch("claude-sonnet-4.5", true) as Anthropic.MessageStreamParams).finalMessage();
      assertSearchBlocks(final.content as unknown as Block[]);
      assert.equal(h.fake.callsTo("/responses")[0]!.body.model, "gpt-5.4", "the configured search model");
    }));

  test("offered with client tools: the search first, then the requested model continues with the results (native, non-stream)", () =>
    withHarness({}, async (h) => {
      const client = anthropicFor(h, "dummy");
      const bash = { name: "Bash", description: "Run a command", input_schema: { type: "object", properties: { command: { type: "string" } } } };
      const body = claudeCodeSearch("claude-sonnet-4.5", false);
      const message = await client.messages.create({ ...body, tools: [bash, ...body.tools] } as Anthropic.MessageCreateParamsNonStreaming);
      const blocks = message.content as unknown as Block[];
      assert.deepEqual(blocks.map((b) => b.type), ["server_tool_use", "web_search_tool_result", "text"]);
      assert.match(blocks[2]!.text ?? "", /^Hello from fake Copilot \(claude-sonnet-4\.5\)/, "the requested model wrote the answer");
      assert.equal(h.fake.callsTo("/responses").length, 1);
      const turn = h.fake.callsTo("/v1/messages")[0]!;
      assert.deepEqual(turn.body.tools.map((t: { name: string }) => t.name), ["Bash"], "the server tool is gone, the client tool stays");
      assert.ok(turn.rawBody.includes(FAKE_SOURCES[1]!.url), "the model got the sources");
      assert.equal((message.usage as { server_tool_use?: { web_search_requests: number } }).server_tool_use?.web_search_requests, 1);
    }));

  test("offered with client tools, streamed on a translated model: the search's blocks, then the model's, indices in order", () =>
    withHarness({}, async (h) => {
      const client = anthropicFor(h, "dummy");
      const read = { name: "Read", description: "Read a file", input_schema: { type: "object", properties: { path: { type: "string" } } } };
      const body = claudeCodeSearch("gpt-4.1", true);
      const stream = client.messages.stream({ ...body, tools: [...body.tools, read] } as Anthropic.MessageStreamParams);
      const indices: number[] = [];
      stream.on("streamEvent", (e) => {
        if (e.type === "content_block_start") indices.push(e.index);
      });
      const final = await stream.finalMessage();
      assert.deepEqual((final.content as unknown as Block[]).map((b) => b.type), ["server_tool_use", "web_search_tool_result", "text"]);
      assert.deepEqual(indices, [0, 1, 2]);
      assert.match((final.content[2] as { text: string }).text, /^Hello from fake Copilot \(gpt-4\.1\)/);
      assert.equal(h.fake.callsTo("/chat/completions").length, 1);
    }));

  test("Copilot refuses: the clear error in Anthropic's shape, remembered for the session", () =>
    withHarness({ fake: { webSearch: false } }, async (h) => {
      const send = () =>
        fetch(`${h.url}/v1/messages`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": "dummy", "anthropic-version": "2023-06-01" },
          body: JSON.stringify(claudeCodeSearch("claude-sonnet-4.5", true)),
        });
      const first = await send();
      assert.equal(first.status, 400);
      const body = (await first.json()) as { type: string; error: { type: string; message: string } };
      assert.equal(body.type, "error");
      assert.equal(body.error.type, "invalid_request_error");
      assert.match(body.error.message, /Web search is not available through GitHub Copilot .*The use of the web search tool is not supported.*deny the WebSearch tool/);
      assert.equal(h.fake.callsTo("/responses").length, 1);
      const second = await send();
      assert.equal(second.status, 400);
      assert.match(await second.text(), /deny the WebSearch tool/);
      assert.equal(h.fake.callsTo("/responses").length, 1, "no second round trip after a refusal");
      assert.ok(h.logs.some((l) => /refused web search; it stays off for this session/.test(l)));
    }));

  test("Codex's hosted web_search passes through on a /responses model: web_search_call items and cited sources", () =>
    withHarness({}, async (h) => {
      const client = openaiFor(h, "dummy");
      const tools = [{ type: "web_search", external_web_access: true }] as unknown as OpenAI.Responses.Tool[];
      const res = await client.responses.create({ model: "gpt-5.4", input: "what is new in copilot api", tools, store: false });
      const call = res.output.find((o) => o.type === "web_search_call") as { action?: { query?: string } } | undefined;
      assert.equal(call?.action?.query, "fake search: what is new in copilot api");
      const annotations = res.output.flatMap((o) => (o.type === "message" ? o.content.flatMap((p) => (p.type === "output_text" ? p.annotations : [])) : []));
      assert.deepEqual(
        annotations.map((a) => (a as { url: string }).url),
        FAKE_SOURCES.map((s) => s.url),
      );
      assert.deepEqual(h.fake.callsTo("/responses")[0]!.body.tools, [{ type: "web_search" }], "Codex's own external_web_access is not sent");

      const stream = client.responses.stream({ model: "gpt-5.4", input: "what is new", tools, store: false });
      const events: string[] = [];
      for await (const e of stream) events.push(e.type);
      assert.ok(events.includes("response.web_search_call.completed"), events.join(","));
      const final = await stream.finalResponse();
      assert.ok(final.output.some((o) => o.type === "web_search_call"));
    }));

  test("Codex: Copilot's refusal becomes the clear error, remembered for the session", () =>
    withHarness({ fake: { webSearch: false } }, async (h) => {
      const client = openaiFor(h, "dummy");
      const ask = () => client.responses.create({ model: "gpt-5.4", input: "hi", tools: [{ type: "web_search" }] as OpenAI.Responses.Tool[] });
      for (let i = 0; i < 2; i++) {
        await assert.rejects(ask(), (error: InstanceType<typeof OpenAI.APIError>) => {
          assert.equal(error.status, 400);
          assert.match(error.message, /Web search is not available through GitHub Copilot .*web_search = "disabled"/);
          return true;
        });
      }
      assert.equal(h.fake.callsTo("/responses").length, 1, "the second request never reached Copilot");
      // Without the tool, the same model still answers.
      const ok = await client.responses.create({ model: "gpt-5.4", input: "hi" });
      assert.equal(ok.status, "completed");
    }));
});

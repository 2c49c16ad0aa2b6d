import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError } from "../../src/errors.js";
import { searchMessage, searchMessageEvents, searchRequestFrom, webSearchServerTool } from "../../src/web-search/answer-messages.js";
import { isWebSearchRefusal, readSearchOutput } from "../../src/web-search/run-search.js";
import { continuationBody } from "../../src/web-search/continue-messages.js";
import { checkSearchModel, searchModel } from "../../src/web-search/search-model.js";
import type { CopilotModel } from "../../src/upstream/model-catalog.js";
import { defaultModels } from "../fake-upstream/server.js";

describe("web search pieces", () => {
  it("reads queries from web_search_call items and distinct sources from url_citation annotations", () => {
    const out = readSearchOutput([
      { type: "web_search_call", action: { type: "search", query: "a" } },
      { type: "web_search_call", action: { type: "search", queries: ["b", 3, "c"] } },
      {
        type: "message",
        content: [
          { type: "output_text", text: "one", annotations: [{ type: "url_citation", url: "https://x.test/1", title: "" }, { type: "file_citation" }] },
          { type: "output_text", text: "two", annotations: [{ type: "url_citation", url: "https://x.test/1", title: "again" }, { type: "url_citation", url: "https://x.test/2", title: "T2" }] },
          { type: "refusal", refusal: "no" },
        ],
      },
      null,
      "junk",
    ]);
    assert.deepEqual(out.queries, ["a", "b", "c"]);
    assert.equal(out.text, "one\n\ntwo");
    assert.deepEqual(out.sources, [
      { url: "https://x.test/1", title: "https://x.test/1" },
      { url: "https://x.test/2", title: "T2" },
    ]);
    assert.deepEqual(readSearchOutput(undefined), { queries: [], text: "", sources: [] });
  });

  it("one server_tool_use + web_search_tool_result per query, the sources with the last; one pair when Copilot names no query", () => {
    const usage = { input_tokens: 5, output_tokens: 7 };
    const two = searchMessage({ model: "m", queries: ["a", "b"], text: "answer", sources: [{ url: "https://x.test", title: "X" }], usage }, "claude-x");
    const blocks = two.content as { type: string; id?: string; tool_use_id?: string; content?: unknown[] }[];
    assert.deepEqual(blocks.map((b) => b.type), ["server_tool_use", "web_search_tool_result", "server_tool_use", "web_search_tool_result", "text"]);
    assert.equal(blocks[1]!.tool_use_id, blocks[0]!.id);
    assert.match(blocks[0]!.id!, /^srvtoolu_[A-Za-z0-9]{24}$/);
    assert.deepEqual(blocks[1]!.content, []);
    assert.equal(blocks[3]!.content!.length, 1);
    assert.deepEqual((two.usage as { server_tool_use: unknown }).server_tool_use, { web_search_requests: 2 });
    const none = searchMessage({ model: "m", queries: [], text: "", sources: [], usage }, "claude-x");
    assert.deepEqual((none.content as { type: string }[]).map((b) => b.type), ["server_tool_use", "web_search_tool_result"]);
  });

  it("the stream has Anthropic's event order, every event named, indices in order", () => {
    const message = searchMessage({ model: "m", queries: ["q"], text: "t", sources: [], usage: { input_tokens: 1, output_tokens: 2 } }, "claude-x");
    const events = searchMessageEvents(message).map((f) => {
      const [eventLine, dataLine] = f.trimEnd().split("\n");
      const data = JSON.parse(dataLine!.slice("data: ".length)) as { type: string; index?: number };
      assert.equal(eventLine, `event: ${data.type}`);
      return `${data.type}${data.index ?? ""}`;
    });
    assert.deepEqual(events, [
      "message_start",
      "content_block_start0",
      "content_block_delta0",
      "content_block_stop0",
      "content_block_start1",
      "content_block_stop1",
      "content_block_start2",
      "content_block_delta2",
      "content_block_stop2",
      "message_delta",
      "message_stop",
    ]);
  });

  it("finds the server tool by type and builds the search from text only, without the billing header", () => {
    assert.equal(webSearchServerTool({ tools: [{ name: "Read", input_schema: {} }] }), undefined);
    assert.equal(webSearchServerTool({ tools: "x" }), undefined);
    const tool = { type: "web_search_20260209", name: "web_search", allowed_domains: ["a.test", 5], blocked_domains: [], user_location: { type: "approximate", country: "FR" } };
    assert.equal(webSearchServerTool({ tools: [null, tool] }), tool);
    const req = searchRequestFrom(
      {
        system: [{ type: "text", text: "x-anthropic-billing-header: cc_version=1;" }, { type: "text", text: "Search." }],
        messages: [
          { role: "user", content: [{ type: "text", text: "find it" }, { type: "image", source: {} }] },
          { role: "assistant", content: [{ type: "tool_use", id: "t", name: "x", input: {} }] },
          { role: "system", content: [{ type: "text", text: "inline" }] },
          "junk",
        ],
      },
      tool,
    );
    assert.deepEqual(req, {
      turns: [{ role: "user", text: "find it" }],
      instructions: "Search.\n\ninline",
      allowedDomains: ["a.test"],
      userLocation: { type: "approximate", country: "FR" },
    });
  });

  it("the continuation: server tool and a tool_choice forcing it removed, the results added to the last user turn", () => {
    const result = { model: "m", queries: ["q"], text: "found", sources: [{ url: "https://x.test", title: "X" }], usage: { input_tokens: 1, output_tokens: 1 } };
    const ws = { type: "web_search_20250305", name: "web_search" };
    const read = { name: "Read", input_schema: {} };
    const next = continuationBody({ model: "m", tools: [ws, read], tool_choice: { type: "tool", name: "web_search" }, messages: [{ role: "user", content: "look it up" }] }, result);
    assert.deepEqual(next.tools, [read]);
    assert.equal(next.tool_choice, undefined);
    const last = (next.messages as { role: string; content: { type: string; text: string }[] }[]).at(-1)!;
    assert.equal(last.role, "user");
    assert.deepEqual(last.content[0], { type: "text", text: "look it up" });
    assert.equal(last.content[1]!.text, 'Web search results for "q":\nfound\nSources:\n[1] X — https://x.test');
    const kept = continuationBody({ tools: [ws, read], tool_choice: { type: "tool", name: "Read" }, messages: [{ role: "assistant", content: "x" }] }, result);
    assert.deepEqual(kept.tool_choice, { type: "tool", name: "Read" });
    assert.equal((kept.messages as { role: string }[]).at(-1)!.role, "user", "a new user turn after an assistant one");
  });

  it("the search model: the configured one if Copilot serves it on /responses, else the first OpenAI model there", () => {
    const models = defaultModels() as unknown as CopilotModel[];
    assert.equal(searchModel(models, undefined, {}).id, "gpt-5-mini");
    assert.equal(searchModel(models, "gpt-5.4", {}).id, "gpt-5.4");
    assert.equal(searchModel(models, "fast", { fast: "gpt-5.4" }).id, "gpt-5.4");
    assert.throws(() => searchModel(models, "gpt-4.1", {}), /not served on Copilot's \/responses/);
    assert.equal(checkSearchModel(undefined, models, {}), undefined);
    assert.equal(checkSearchModel("gpt-5.4", models, {}), undefined);
    assert.match(checkSearchModel("gpt-9", models, {}) ?? "", /^--web-search-model \/ webSearchModel \/ COPILOT_API_WEB_SEARCH_MODEL: /);
    assert.throws(() => searchModel(models.filter((m) => !/openai/i.test(m.vendor ?? "")), undefined, {}), /No Copilot model can run web searches/);
  });

  it("a refusal is a 400 naming web search or the tools field", () => {
    const e = (message: string, param?: string, status = 400) => new ApiError({ kind: "invalid_request", status, message, param, upstream: true });
    assert.ok(isWebSearchRefusal(e("The use of the web search tool is not supported.")));
    assert.ok(isWebSearchRefusal(e("Unsupported tool type", "tools[0].type")));
    assert.ok(!isWebSearchRefusal(e("The use of the web search tool is not supported.", undefined, 429)));
    assert.ok(!isWebSearchRefusal(e("bad input", "input")));
    assert.ok(!isWebSearchRefusal(new Error("web search")));
  });
});

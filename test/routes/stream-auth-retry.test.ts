import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { suiteHarness } from "../helpers/harness.js";
import { anthropicFor, openaiFor } from "../helpers/sdk-clients.js";

/**
 * A session token can expire between Copilot accepting a stream (200) and Copilot checking it: the
 * 401 then arrives as the stream's first event (the fake's auth-error-in-stream fault, which also
 * revokes the token). Nothing has reached the client yet, so it is handled like a 401 status: the
 * session is renewed and the call replayed once, on every upstream endpoint and path.
 */
describe("a 401 as the first event of a 200 stream", () => {
  const h = suiteHarness();
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    openai = openaiFor(h);
    anthropic = anthropicFor(h);
  });

  /** Runs `call` with the fault queued on `route`; checks one renewal and one replay. */
  async function renewedOnce(route: string, call: () => Promise<string>): Promise<void> {
    const tokens = h.fake.issuedCopilotTokens.length;
    const calls = h.fake.callsTo(route).length;
    h.fake.fault({ path: route, kind: "auth-error-in-stream" });
    assert.match(await call(), /Hello from fake Copilot/);
    assert.equal(h.fake.pendingFaults, 0);
    assert.equal(h.fake.issuedCopilotTokens.length, tokens + 1, "the session was renewed");
    assert.equal(h.fake.callsTo(route).length, calls + 2, "the call was replayed once");
  }

  test("chat pass-through stream", async () => {
    await renewedOnce("/chat/completions", async () => {
      let text = "";
      for await (const ch of await openai.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }], stream: true })) {
        text += ch.choices[0]?.delta?.content ?? "";
      }
      return text;
    });
  });

  test("Anthropic native stream", async () => {
    await renewedOnce("/v1/messages", async () => {
      const m = await anthropic.messages.stream({ model: "claude-sonnet-4.5", max_tokens: 100, messages: [{ role: "user", content: "hi" }] }).finalMessage();
      return m.content.map((b) => (b.type === "text" ? b.text : "")).join("");
    });
  });

  test("Responses pass-through stream", async () => {
    await renewedOnce("/responses", async () => (await openai.responses.stream({ model: "gpt-5.4", input: "hi" }).finalResponse()).output_text);
  });

  test("translated paths, stream and non-stream (Copilot is always asked to stream there)", async () => {
    await renewedOnce("/v1/messages", async () => (await openai.responses.stream({ model: "claude-sonnet-4.5", input: "hi" }).finalResponse()).output_text);
    await renewedOnce("/chat/completions", async () => {
      const m = await anthropic.messages.create({ model: "gpt-4.1", max_tokens: 100, messages: [{ role: "user", content: "hi" }] });
      return m.content.map((b) => (b.type === "text" ? b.text : "")).join("");
    });
  });

  test("a second 401 event after the renewal reaches the client as a clean error, with no third call", async () => {
    const calls = h.fake.callsTo("/responses").length;
    h.fake.fault({ path: "/responses", kind: "auth-error-in-stream" });
    h.fake.fault({ path: "/responses", kind: "auth-error-in-stream" });
    const res = await fetch(`${h.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-5.4", input: "hi", stream: true }) });
    assert.equal(res.status, 200);
    const body = await res.text();
    assert.match(body, /event: error\ndata: .*unauthorized: token expired/);
    assert.equal(h.fake.callsTo("/responses").length, calls + 2);
  });
});

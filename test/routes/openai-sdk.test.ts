import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import OpenAI from "openai";
import { suiteHarness } from "../helpers/harness.js";
import { openaiFor } from "../helpers/sdk-clients.js";

describe("OpenAI surface through the official openai SDK", () => {
  const h = suiteHarness();
  let client: OpenAI;

  before(async () => {
    client = openaiFor(h, "dummy");
  });

  test("models.list offers chat and embeddings models, not completion models, with Copilot fields kept", async () => {
    const ids: string[] = [];
    let sonnet: Record<string, unknown> | undefined;
    for await (const m of client.models.list()) {
      ids.push(m.id);
      if (m.id === "claude-sonnet-4.5") sonnet = m as unknown as Record<string, unknown>;
    }
    assert.ok(ids.includes("gpt-4.1"));
    assert.ok(ids.includes("text-embedding-3-small"));
    assert.ok(!ids.includes("gpt-4o-copilot"), "completion models are not offered");
    assert.deepEqual(sonnet?.supported_endpoints, ["/v1/messages", "/chat/completions"]);
    assert.equal(sonnet?.object, "model");
  });

  test("chat.completions non-streaming", async () => {
    const r = await client.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "hi there" }] });
    assert.match(r.choices[0]?.message.content ?? "", /Hello from fake Copilot \(gpt-4\.1\): hi there/);
    assert.ok((r.usage?.prompt_tokens ?? 0) > 0);
    const call = h.fake.callsTo("/chat/completions").at(-1)!;
    assert.equal(call.headers["x-initiator"], "user");
    assert.equal(call.headers["copilot-vision-request"], undefined);
    assert.equal(call.body.model, "gpt-4.1");
  });

  test("chat.completions streaming with include_usage ends with a usage chunk", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4.1",
      messages: [{ role: "user", content: "count [[chunks:20]]" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text.trim().split(/\s+/).length, 20);
    assert.ok(usage);
    const record = h.runtime.recorder.recent().at(-1)!;
    assert.equal(record.api, "chat");
    assert.equal(record.stream, true);
    assert.equal(record.outputTokens, (usage as { completion_tokens: number }).completion_tokens, "a passthrough stream's usage reaches the recorder");
  });

  test("chat stream().finalChatCompletion reassembles a tool call", async () => {
    const runner = client.chat.completions.stream({
      model: "gpt-4.1",
      messages: [{ role: "user", content: "please run echo hello" }],
      tools: [{ type: "function", function: { name: "bash", parameters: { type: "object", properties: { command: { type: "string" } } } } }],
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    assert.equal(call?.type, "function");
    assert.equal(call?.type === "function" ? call.function.name : "", "bash");
    assert.deepEqual(JSON.parse(call?.type === "function" ? call.function.arguments : "{}"), { command: "echo hello" });
  });

  test("a tool follow-up is billed as agent and history arguments are normalised", async () => {
    const r = await client.chat.completions.create({
      model: "gpt-4.1",
      messages: [
        { role: "user", content: "run echo a" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "bash", arguments: "" } }] },
        { role: "tool", tool_call_id: "call_1", content: "a" },
      ],
      tools: [{ type: "function", function: { name: "bash", parameters: { type: "object" } } }],
    });
    assert.match(r.choices[0]?.message.content ?? "", /Tool result: a/);
    const call = h.fake.callsTo("/chat/completions").at(-1)!;
    assert.equal(call.headers["x-initiator"], "agent");
    assert.equal(call.body.messages[1].tool_calls[0].function.arguments, "{}");
    assert.deepEqual(call.body.tools[0].function.parameters, { type: "object", properties: {} });
  });

  test("Claude on chat: text and tool calls split across choices arrive as one choice (stream and non-stream)", async () => {
    const tools = [{ type: "function" as const, function: { name: "bash", parameters: { type: "object", properties: { command: { type: "string" } } } } }];
    const messages = [{ role: "user" as const, content: "run ls -la" }];
    const r = await client.chat.completions.create({ model: "claude-sonnet-4.5", messages, tools });
    assert.equal(r.choices.length, 1);
    assert.equal(r.choices[0]?.finish_reason, "tool_calls");
    assert.equal(r.choices[0]?.message.tool_calls?.length, 1);

    const final = await client.chat.completions.stream({ model: "claude-sonnet-4.5", messages, tools }).finalChatCompletion();
    assert.equal(final.choices.length, 1);
    assert.equal(final.choices[0]?.message.tool_calls?.length, 1);
    assert.equal(final.choices[0]?.finish_reason, "tool_calls");
  });

  test("gpt-5-mini gets max_completion_tokens, never max_tokens", async () => {
    await client.chat.completions.create({ model: "gpt-5-mini", max_tokens: 50, messages: [{ role: "user", content: "hi" }] });
    const call = h.fake.callsTo("/chat/completions").at(-1)!;
    assert.equal(call.body.max_tokens, undefined);
    assert.equal(call.body.max_completion_tokens, 50);
  });

  test("a responses-only model on chat is translated to /responses, never sent to /chat/completions", async () => {
    const r = await client.chat.completions.create({ model: "gpt-5.4", max_tokens: 50, messages: [{ role: "user", content: "hi" }] });
    assert.match(r.choices[0]?.message.content ?? "", /Hello from fake Copilot/);
    const call = h.fake.calls.at(-1)!;
    assert.equal(call.route, "/responses");
    assert.equal(call.body.max_tokens, undefined);
  });

  test("an embeddings model on chat is said to be one, and the chat models are listed", async () => {
    await assert.rejects(
      client.chat.completions.create({ model: "text-embedding-3-small", messages: [{ role: "user", content: "hi" }] }),
      (e: InstanceType<typeof OpenAI.APIError>) => e.status === 400 && /is an embeddings model/.test(e.message) && /gpt-4\.1/.test(e.message),
    );
  });

  test("a chat model on embeddings is said to be a chat model, not an embeddings model", async () => {
    await assert.rejects(
      client.embeddings.create({ model: "gpt-4.1", input: "x" }),
      (e: InstanceType<typeof OpenAI.APIError>) =>
        e.status === 400 && /is a chat model, not an embeddings model/.test(e.message) && /text-embedding-3-small/.test(e.message) && !/not available/.test(e.message),
    );
  });

  test("an unknown model gets a 404 listing the available ids", async () => {
    await assert.rejects(
      client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] }),
      (e: InstanceType<typeof OpenAI.APIError>) => e.status === 404 && /gpt-4\.1/.test(e.message),
    );
  });

  test("an image sets Copilot-Vision-Request", async () => {
    await client.chat.completions.create({
      model: "claude-sonnet-4.5",
      messages: [{ role: "user", content: [{ type: "text", text: "what is this" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }] }],
    });
    assert.equal(h.fake.callsTo("/chat/completions").at(-1)!.headers["copilot-vision-request"], "true");
  });

  test("embeddings with the SDK's default base64 encoding and with float", async () => {
    const b64 = await client.embeddings.create({ model: "text-embedding-3-small", input: ["a", "b"] });
    const flt = await client.embeddings.create({ model: "text-embedding-3-small", input: ["a", "b"], encoding_format: "float" });
    assert.equal(b64.data.length, 2);
    assert.ok(Array.isArray(b64.data[0]?.embedding));
    const a = b64.data[0]!.embedding;
    const b = flt.data[0]!.embedding;
    assert.equal(a.length, b.length);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-6));
    assert.equal(h.fake.callsTo("/embeddings").at(-1)!.body.encoding_format, undefined);
  });
});

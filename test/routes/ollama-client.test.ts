import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Ollama, type Message, type Tool } from "ollama";
import { suiteHarness } from "../helpers/harness.js";
import { nextRecord } from "../helpers/records.js";

/** A Claude model (native /v1/messages), a chat-only and a responses-only model of the fake catalog. */
const MODELS = [
  { model: "claude-sonnet-4.5", upstream: "/v1/messages" },
  { model: "gemini-2.5-pro", upstream: "/chat/completions" },
  { model: "gpt-5.4", upstream: "/responses" },
];

const bash: Tool = {
  type: "function",
  function: { name: "bash", description: "Run a shell command", parameters: { type: "object", properties: { command: { type: "string", description: "the command" } }, required: ["command"] } },
};

/** A 1×1 PNG, base64. */
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

describe("Ollama API through the official ollama client", () => {
  const h = suiteHarness();
  let ollama: Ollama;

  before(async () => {
    ollama = new Ollama({ host: h.url });
  });

  for (const { model, upstream } of MODELS) {
    const name = `${model}:latest`;
    const escaped = model.replace(/\./g, "\\.");

    test(`${model}: chat without streaming reaches ${upstream}`, async () => {
      const r = await ollama.chat({ model: name, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "hi there" }], stream: false, options: { temperature: 0.2, num_predict: 500 } });
      assert.match(r.message.content, new RegExp(`Hello from fake Copilot \\(${escaped}\\): hi there`));
      assert.equal(r.done, true);
      assert.equal(r.done_reason, "stop");
      assert.equal(r.model, name);
      assert.ok(r.prompt_eval_count > 0 && r.eval_count > 0);
      const call = h.fake.callsTo(upstream).at(-1)!;
      assert.equal(call.body.model, model);
      const record = h.runtime.recorder.recent().at(-1)!;
      assert.equal(record.api, "ollama");
      assert.equal(record.endpoint, upstream);
    });

    test(`${model}: chat streams NDJSON by default and ends with done`, async () => {
      const recorded = nextRecord(h.runtime.recorder, (r) => r.path === "/api/chat");
      const stream = await ollama.chat({ model: name, messages: [{ role: "user", content: "count [[chunks:15]]" }], stream: true });
      const pieces: string[] = [];
      let last: { done: boolean; done_reason?: string; eval_count?: number } | undefined;
      for await (const part of stream) {
        if (part.message.content) pieces.push(part.message.content);
        last = part;
      }
      assert.ok(pieces.length >= 2);
      assert.equal(pieces.join("").trim().split(/\s+/).length, 15);
      assert.equal(last?.done, true);
      assert.ok((last?.eval_count ?? 0) > 0);
      const record = await recorded;
      assert.equal(record.stream, true);
      assert.ok((record.outputTokens ?? 0) > 0);
    });

    test(`${model}: a tool round trip`, async () => {
      const messages: Message[] = [{ role: "user", content: "please run echo hello" }];
      const first = await ollama.chat({ model: name, messages, tools: [bash], stream: false });
      const calls = first.message.tool_calls ?? [];
      assert.equal(calls.length, 1);
      assert.equal(calls[0]?.function.name, "bash");
      assert.deepEqual(calls[0]?.function.arguments, { command: "echo hello" });
      messages.push(first.message);
      messages.push({ role: "tool", content: "hello", tool_name: "bash" });
      const stream = await ollama.chat({ model: name, messages, tools: [bash], stream: true });
      let text = "";
      for await (const part of stream) text += part.message.content;
      assert.match(text, /Tool result: hello/);
      assert.equal(h.fake.callsTo(upstream).at(-1)!.headers["x-initiator"], "agent");
    });

    test(`${model}: a streamed tool call arrives whole`, async () => {
      const stream = await ollama.chat({ model: name, messages: [{ role: "user", content: "please run ls" }], tools: [bash], stream: true });
      const calls: unknown[] = [];
      for await (const part of stream) calls.push(...(part.message.tool_calls ?? []).map((c) => [c.function.name, c.function.arguments]));
      assert.deepEqual(calls, [["bash", { command: "ls" }]]);
    });

    test(`${model}: generate, streamed and not`, async () => {
      const r = await ollama.generate({ model: name, prompt: "hello generate", system: "Be brief.", stream: false });
      assert.match(r.response ?? "", new RegExp(`Hello from fake Copilot \\(${escaped}\\): hello generate`));
      assert.equal(r.done, true);
      const stream = await ollama.generate({ model: name, prompt: "count [[chunks:5]]", stream: true });
      let text = "";
      for await (const part of stream) text += part.response;
      assert.equal(text.trim().split(/\s+/).length, 5);
    });
  }

  test("think shows the reasoning in `thinking`", async () => {
    const r = await ollama.chat({ model: "claude-sonnet-4.5", messages: [{ role: "user", content: "hi" }], think: true, stream: false });
    assert.match(r.message.thinking ?? "", /step by step/);
    assert.ok(h.fake.callsTo("/v1/messages").at(-1)!.body.thinking);
  });

  test("images travel as base64 and set the vision header", async () => {
    await ollama.chat({ model: "gpt-4.1", messages: [{ role: "user", content: "what is this", images: [PNG] }], stream: false });
    const call = h.fake.callsTo("/chat/completions").at(-1)!;
    assert.equal(call.headers["copilot-vision-request"], "true");
    assert.match(JSON.stringify(call.body.messages), /data:image\/png;base64,iVBOR/);
  });

  test("format as a JSON schema becomes structured output", async () => {
    const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };
    await ollama.chat({ model: "gpt-4.1", messages: [{ role: "user", content: "name?" }], format: schema, stream: false });
    const body = h.fake.callsTo("/chat/completions").at(-1)!.body;
    assert.deepEqual((body.response_format as { json_schema?: { schema?: unknown } })?.json_schema?.schema, schema);
  });

  test("embed and the older embeddings", async () => {
    const r = await ollama.embed({ model: "text-embedding-3-small", input: ["one", "two"] });
    assert.equal(r.embeddings.length, 2);
    assert.equal(r.embeddings[0]?.length, 8);
    const old = await ollama.embeddings({ model: "text-embedding-3-small:latest", prompt: "one" });
    assert.deepEqual(old.embedding, r.embeddings[0]);
  });

  test("list (tags), show, ps and version", async () => {
    const tags = await ollama.list();
    const names = tags.models.map((m) => m.name);
    assert.ok(names.includes("claude-sonnet-4.5:latest"));
    assert.ok(names.includes("text-embedding-3-small:latest"));
    assert.ok(!names.includes("gpt-4o-copilot:latest"), "completion models are not offered");
    const show = await ollama.show({ model: "claude-sonnet-4.5:latest" });
    assert.ok(show.capabilities.includes("tools"));
    assert.ok(show.capabilities.includes("vision"));
    assert.equal((show.model_info as unknown as Record<string, unknown>)["copilot.context_length"], 144000);
    assert.deepEqual((await ollama.ps()).models, []);
    assert.match((await (await fetch(`${h.url}/api/version`)).json()).version, /^\d+\.\d+\.\d+$/);
  });

  test("pull of an available model succeeds at once; delete and unknown models are clear errors", async () => {
    assert.equal((await ollama.pull({ model: "gpt-4.1" })).status, "success");
    await assert.rejects(ollama.pull({ model: "llama3:8b" }), (e: Error & { status_code?: number }) => {
      assert.equal(e.status_code, 404);
      assert.match(e.message, /llama3:8b.*not available/);
      return true;
    });
    await assert.rejects(ollama.delete({ model: "gpt-4.1" }), (e: Error & { status_code?: number }) => {
      assert.equal(e.status_code, 400);
      assert.match(e.message, /cannot be deleted/);
      return true;
    });
    await assert.rejects(ollama.chat({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] }), /no-such-model/);
  });
});

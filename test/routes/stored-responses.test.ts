import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import OpenAI from "openai";
import { suiteHarness } from "../helpers/harness.js";
import { MODEL_PER_ENDPOINT, openaiFor } from "../helpers/sdk-clients.js";

type Item = Record<string, any>;

/**
 * `store: true` (OpenAI's default) on a stateless Copilot: copilot-api keeps recent responses so
 * that previous_response_id and item_reference work, and GET /v1/responses/{id} (and its
 * input_items, and DELETE) answer. What Copilot receives is always the whole conversation.
 */
describe("stored responses", () => {
  const h = suiteHarness();
  let openai: OpenAI;
  const tools: OpenAI.Responses.Tool[] = [{ type: "function", name: "exec_command", strict: false, parameters: { type: "object", properties: { cmd: { type: "string" } } } }];
  const sentInput = () => (h.fake.calls.at(-1)!.body as { input: Item[] }).input;

  before(async () => {
    openai = openaiFor(h);
  });

  for (const [model, endpoint] of MODEL_PER_ENDPOINT) {
    test(`${model} on ${endpoint}: previous_response_id chains a tool round trip; retrieve and input_items answer`, async () => {
      const first = await openai.responses.stream({ model, tools, input: "[[think]] run echo hi", reasoning: { effort: "low", summary: "auto" } }).finalResponse();
      const call = first.output.find((o) => o.type === "function_call");
      assert.ok(call?.type === "function_call", JSON.stringify(first.output));
      assert.equal((first as unknown as { store: boolean }).store, true);

      const second = await openai.responses.create({
        model,
        tools,
        previous_response_id: first.id,
        input: [{ type: "function_call_output", call_id: call.call_id, output: "hi" }],
      });
      assert.match(second.output_text, /Tool result: hi/);
      assert.equal(second.previous_response_id, first.id);
      assert.equal(h.fake.calls.at(-1)!.route, endpoint);
      const upstream = JSON.stringify(h.fake.calls.at(-1)!.body);
      assert.ok(upstream.includes("run echo hi"), "the first turn's input went upstream");
      assert.ok(upstream.includes(call.call_id), "so did its tool call");
      assert.ok(!upstream.includes("previous_response_id"));

      const third = await openai.responses.create({ model, previous_response_id: second.id, input: "thanks" });
      assert.match(third.output_text, /Hello from fake Copilot/);
      assert.ok(JSON.stringify(h.fake.calls.at(-1)!.body).includes("run echo hi"), "the chain reaches back two responses");

      const got = await openai.responses.retrieve(second.id);
      assert.deepEqual(got.output, second.output);
      assert.equal(got.id, second.id);
      const items = await openai.responses.inputItems.list(second.id);
      assert.deepEqual(items.data.map((i) => i.type), ["function_call_output"]);
      const firstItems = await openai.responses.inputItems.list(first.id, { order: "asc" });
      assert.equal(firstItems.data[0]?.type, "message");
      assert.match(firstItems.data[0]?.id ?? "", /^msg_/);
    });
  }

  test("item_reference items are expanded from the store, reasoning state included", async () => {
    const first = await openai.responses.create({ model: "gpt-5.4", tools, input: "[[think]] run echo hi", reasoning: { effort: "low", summary: "auto" } });
    const reasoning = first.output.find((o) => o.type === "reasoning");
    const call = first.output.find((o) => o.type === "function_call");
    assert.ok(reasoning && call?.type === "function_call" && call.id);
    // What the AI SDK sends with store: true: references in place of its own items.
    const second = await openai.responses.create({
      model: "gpt-5.4",
      tools,
      input: [
        { role: "user", content: "[[think]] run echo hi" },
        { type: "item_reference", id: reasoning.id },
        { type: "item_reference", id: call.id },
        { type: "function_call_output", call_id: call.call_id, output: "hi" },
      ],
    });
    assert.match(second.output_text, /Tool result: hi/);
    const sent = sentInput();
    assert.deepEqual(sent.map((i) => i.type ?? "message"), ["message", "reasoning", "function_call", "function_call_output"]);
    assert.ok(sent[1]!.encrypted_content, "the stored reasoning state went back (the fake verifies it)");
  });

  test("unknown or expired ids are a 400 naming the field and how long responses are kept", async () => {
    await assert.rejects(
      openai.responses.create({ model: "gpt-5.4", previous_response_id: "resp_gone", input: "hi" }),
      (e: InstanceType<typeof OpenAI.APIError>) =>
        e.status === 400 && (e.error as { param?: string }).param === "previous_response_id" && /unknown or has expired.*60 minutes/.test(e.message),
    );
    await assert.rejects(
      openai.responses.create({ model: "claude-sonnet-4.5", input: [{ role: "user", content: "hi" }, { type: "item_reference", id: "rs_gone" }] }),
      (e: InstanceType<typeof OpenAI.APIError>) => e.status === 400 && (e.error as { param?: string }).param === "input[1]" && /rs_gone.*expired/.test(e.message),
    );
    await assert.rejects(openai.responses.retrieve("resp_gone"), (e: InstanceType<typeof OpenAI.APIError>) => e.status === 404 && /resp_gone/.test(e.message));
  });

  test("store: false is not kept; DELETE forgets a stored response", async () => {
    const unstored = await openai.responses.create({ model: "gpt-5.4", input: "hi", store: false });
    assert.equal((unstored as unknown as { store: boolean }).store, false);
    await assert.rejects(openai.responses.retrieve(unstored.id), (e: InstanceType<typeof OpenAI.APIError>) => e.status === 404);
    const stored = await openai.responses.create({ model: "gpt-4.1", input: "hi" });
    assert.equal((await openai.responses.retrieve(stored.id)).id, stored.id);
    await openai.responses.delete(stored.id);
    await assert.rejects(openai.responses.retrieve(stored.id), (e: InstanceType<typeof OpenAI.APIError>) => e.status === 404);
    await assert.rejects(openai.responses.delete(stored.id), (e: InstanceType<typeof OpenAI.APIError>) => e.status === 404);
  });
});

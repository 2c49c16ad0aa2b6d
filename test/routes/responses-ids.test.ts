import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import OpenAI from "openai";
import { suiteHarness } from "../helpers/harness.js";
import { parseSse } from "../helpers/stream-check.js";
import { UpstreamItemIds } from "../../src/responses-state/upstream-item-ids.js";
import { MODEL_PER_ENDPOINT, openaiFor } from "../helpers/sdk-clients.js";

type Event = Record<string, any>;

/**
 * One id per Responses output item and one response id, whatever Copilot does with its own: its
 * /responses rotates item ids on every event (the fake does too, with connection-bound ids that a
 * reasoning item's encrypted content is tied to). Clients that match events by id (the AI SDK in
 * opencode: "reasoning part rs_…:0 not found") must see the same id from output_item.added to
 * response.completed, and the reasoning item must still be accepted when it comes back.
 */
describe("stable Responses item ids", () => {
  const h = suiteHarness();
  let openai: OpenAI;
  const tools: OpenAI.Responses.Tool[] = [{ type: "function", name: "exec_command", strict: false, parameters: { type: "object", properties: { cmd: { type: "string" } } } }];

  before(async () => {
    openai = openaiFor(h);
  });

  async function streamEvents(body: Record<string, unknown>): Promise<Event[]> {
    const res = await fetch(`${h.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, stream: true }) });
    assert.equal(res.status, 200);
    return parseSse(await res.text()).map((f) => JSON.parse(f.data) as Event);
  }

  /** Every event's item id, by output index, and every response id: one of each. */
  function assertOneIdPerItem(events: Event[]): { responseId: string; ids: string[] } {
    const byIndex = new Map<number, Set<string>>();
    const responseIds = new Set<string>();
    for (const e of events) {
      if (e.response) responseIds.add(e.response.id);
      if (typeof e.output_index !== "number") continue;
      const id = e.item?.id ?? e.item_id;
      assert.equal(typeof id, "string", JSON.stringify(e));
      if (!byIndex.has(e.output_index)) byIndex.set(e.output_index, new Set());
      byIndex.get(e.output_index)!.add(id);
    }
    assert.equal(responseIds.size, 1, `response ids: ${[...responseIds].join(", ")}`);
    const completed = events.find((e) => e.type === "response.completed")!;
    const ids = completed.response.output.map((o: Event) => o.id) as string[];
    assert.equal(ids.length, byIndex.size);
    for (const [index, set] of byIndex) {
      assert.deepEqual([...set], [ids[index]], `output_index ${index}`);
    }
    return { responseId: [...responseIds][0]!, ids };
  }

  for (const [model, endpoint] of MODEL_PER_ENDPOINT) {
    test(`${model} on ${endpoint}: one id per item across the stream, the same in the non-stream answer's shape`, async () => {
      const events = await streamEvents({ model, tools, input: "[[think]] run echo hi", reasoning: { effort: "low", summary: "auto" }, include: ["reasoning.encrypted_content"] });
      assert.equal(h.fake.calls.at(-1)!.route, endpoint);
      const { ids } = assertOneIdPerItem(events);
      assert.ok(ids.length >= 2, "reasoning (or text) and a call");
      const r = await openai.responses.create({ model, tools, input: "[[think]] run echo hi", reasoning: { effort: "low", summary: "auto" } });
      assert.equal(new Set(r.output.map((o) => o.id)).size, r.output.length);
      assert.match(r.id, /^resp_/);
    });
  }

  test("pass-through: the reasoning item comes back under our id and Copilot gets its own id for it", async () => {
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: "user", content: "[[think]] run echo hi" }];
    const params = { model: "gpt-5.4", tools, store: false, include: ["reasoning.encrypted_content" as const], reasoning: { effort: "low" as const, summary: "auto" as const } };
    const first = await openai.responses.stream({ ...params, input }).finalResponse();
    const reasoning = first.output.find((o) => o.type === "reasoning");
    const call = first.output.find((o) => o.type === "function_call");
    assert.ok(reasoning?.type === "reasoning" && reasoning.encrypted_content, JSON.stringify(first.output));
    assert.ok(call?.type === "function_call");
    assert.match(reasoning.id, /^rs_[0-9a-f]{48}$/);
    // The fake, like Copilot, refuses encrypted content sent back under any id but its own.
    const second = await openai.responses.create({
      ...params,
      input: [...input, reasoning, call, { type: "function_call_output", call_id: call.call_id, output: "hi" }],
    });
    assert.match(second.output_text, /Tool result: hi/);
    const sent = h.fake.calls.at(-1)!.body as { input: Event[] };
    const upstreamReasoning = sent.input.find((i) => i.type === "reasoning")!;
    assert.notEqual(upstreamReasoning.id, reasoning.id, "Copilot's own id went upstream");
    assert.equal(upstreamReasoning.encrypted_content, reasoning.encrypted_content);

    // As after a restart: Copilot's id is no longer known, so the reasoning item stays behind
    // rather than go up under an id Copilot would refuse.
    h.runtime.upstreamItemIds = new UpstreamItemIds();
    const third = await openai.responses.create({
      ...params,
      input: [...input, reasoning, call, { type: "function_call_output", call_id: call.call_id, output: "hi" }],
    });
    assert.match(third.output_text, /Tool result: hi/);
    assert.deepEqual((h.fake.calls.at(-1)!.body as { input: Event[] }).input.map((i) => i.type ?? "message"), ["message", "function_call", "function_call_output"]);
  });
});

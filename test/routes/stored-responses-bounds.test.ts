import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { suiteHarness } from "../helpers/harness.js";

type Item = Record<string, unknown>;

const BODY_LIMIT = 400_000;

/**
 * What the response store lets a small request become. An item_reference or a previous_response_id
 * is a few bytes that expand into stored items: without a bound, a body of a few KB repeating one
 * reference, or continuing a long chain, grew into a body far past the body limit, built in memory
 * and sent upstream. The expanded input is held to the body limit, like a body that arrives whole.
 */
describe("stored responses: expansion bounds", () => {
  const h = suiteHarness({ config: { bodyLimit: BODY_LIMIT } });
  const post = (body: Item) =>
    fetch(`${h.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  async function storeLarge(previous?: string): Promise<{ id: string; itemId: string }> {
    const r = await post({ model: "gpt-5.4", input: [{ role: "user", content: "w ".repeat(60_000) }], ...(previous ? { previous_response_id: previous } : {}) });
    assert.equal(r.status, 200, await r.clone().text());
    const id = ((await r.json()) as { id: string }).id;
    const items = (await (await fetch(`${h.url}/v1/responses/${id}/input_items`)).json()) as { data: Item[] };
    return { id, itemId: items.data[0]!.id as string };
  }

  test("item_reference items repeated past the body limit are refused before anything goes upstream", async () => {
    const { itemId } = await storeLarge();
    const calls = h.fake.calls.length;
    const r = await post({ model: "gpt-5.4", store: false, input: Array.from({ length: 50 }, () => ({ type: "item_reference", id: itemId })) });
    const text = await r.text();
    assert.equal(r.status, 413, text);
    assert.match(text, /item_reference.*400000 bytes/);
    assert.equal(h.fake.calls.length, calls, "nothing was sent upstream");
  });

  test("a previous_response_id chain longer than the body limit is refused, with what to do", async () => {
    let previous: string | undefined;
    for (let i = 0; i < 3; i++) previous = (await storeLarge(previous)).id; // each turn ~120 KB; 360 KB so far
    await post({ model: "gpt-5.4", input: "w ".repeat(30_000), previous_response_id: previous }).then(async (r) => {
      previous = ((await r.json()) as { id: string }).id; // 420 KB now
    });
    const calls = h.fake.calls.length;
    const r = await post({ model: "gpt-5.4", input: "go on", previous_response_id: previous });
    const text = await r.text();
    assert.equal(r.status, 413, text);
    assert.match(text, /previous_response_id.*400000 bytes/);
    assert.equal(h.fake.calls.length, calls, "nothing was sent upstream");
  });

  test("an unknown id is quoted cut short, and the message still says how long responses are kept", async () => {
    const long = `rs_${"q".repeat(100_000)}`;
    for (const body of [
      { model: "gpt-5.4", input: [{ type: "item_reference", id: long }] },
      { model: "gpt-5.4", input: "hi", previous_response_id: long },
    ]) {
      const r = await post(body);
      const { error } = (await r.json()) as { error: { message: string } };
      assert.equal(r.status, 400);
      assert.ok(error.message.length < 600, `${error.message.length} characters`);
      assert.match(error.message, /unknown or has expired \(copilot-api keeps responses in memory for 60 minutes/);
    }
  });
});

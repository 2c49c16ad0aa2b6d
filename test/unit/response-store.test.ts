import assert from "node:assert/strict";
import { describe, it } from "node:test";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { MemoryResponseStore } from "../../src/responses-state/memory-response-store.js";
import type { StoredResponse } from "../../src/responses-state/response-store.js";
import { UpstreamItemIds } from "../../src/responses-state/upstream-item-ids.js";
import { withUpstreamItemIds } from "../../src/interceptors/responses/with-upstream-item-ids.js";
import type { CopilotModel } from "../../src/upstream/model-catalog.js";

const record = (id: string, text = "x"): StoredResponse => ({
  id,
  response: { id, status: "completed", output: [{ id: `msg_${id}`, type: "message", content: [{ type: "output_text", text }] }] },
  input: [{ id: `in_${id}`, type: "message", role: "user", content: "hi" }],
});

describe("MemoryResponseStore", () => {
  it("keeps at most maxResponses, least recently used out first, and forgets their items", async () => {
    const store = new MemoryResponseStore({ maxResponses: 2, maxBytes: 1 << 20, ttlMs: 60_000 });
    store.put(record("a"));
    store.put(record("b"));
    assert.ok(await store.get("a")); // a is now the most recently used
    store.put(record("c"));
    assert.equal(store.size, 2);
    assert.equal(await store.get("b"), undefined);
    assert.equal(await store.item("msg_b"), undefined);
    assert.deepEqual((await store.item("in_a"))?.content, "hi");
    assert.equal((await store.item("msg_c"))?.type, "message");
  });

  it("is bounded in bytes; a record over the whole budget is not kept", async () => {
    const store = new MemoryResponseStore({ maxResponses: 100, maxBytes: 1000, ttlMs: 60_000 });
    for (let i = 0; i < 10; i++) store.put(record(`r${i}`, "y".repeat(200)));
    assert.ok(store.totalBytes <= 1000, String(store.totalBytes));
    assert.ok(await store.get("r9"));
    assert.equal(await store.get("r0"), undefined);
    store.put(record("huge", "z".repeat(5000)));
    assert.equal(await store.get("huge"), undefined);
    assert.ok(store.totalBytes <= 1000);
  });

  it("expires ttlMs after the last use; a use renews it", async () => {
    let now = 0;
    const store = new MemoryResponseStore({ maxResponses: 10, maxBytes: 1 << 20, ttlMs: 1000 }, () => now);
    store.put(record("a"));
    store.put(record("b"));
    now = 900;
    assert.ok(await store.get("a"));
    now = 1500;
    assert.equal(await store.get("b"), undefined);
    assert.ok(await store.item("msg_a"));
    now = 3000;
    assert.equal(await store.item("msg_a"), undefined);
    assert.equal(store.size, 0);
  });

  it("hands out copies: changing what get returned changes nothing stored", async () => {
    const store = new MemoryResponseStore({ maxResponses: 10, maxBytes: 1 << 20, ttlMs: 1000 });
    store.put(record("a"));
    const got = (await store.get("a"))!;
    got.input.length = 0;
    assert.equal((await store.get("a"))!.input.length, 1);
    assert.equal(await store.delete("a"), true);
    assert.equal(await store.delete("a"), false);
  });

  it("its byte budget bounds the heap it takes, however small the items", async () => {
    // Counting only JSON text let a store full of tiny items take ~4x its budget on the heap (map
    // entries, string headers): six 19 MB requests of 300,000 items each ran a 512 MB heap out.
    v8.setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const maxBytes = 24 * 1024 * 1024;
    const store = new MemoryResponseStore({ maxResponses: 1000, maxBytes, ttlMs: 60_000 });
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let k = 0; k < 6; k++) {
      const input = Array.from({ length: 40_000 }, (_, i) => ({ type: "message", role: "user", content: "", id: `m${k}_${i}` }));
      store.put({ id: `r${k}`, response: { id: `r${k}`, status: "completed", output: [] }, input });
    }
    await store.idle();
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    assert.ok(store.size >= 1);
    assert.ok(grown < 1.5 * maxBytes, `${(grown / 2 ** 20).toFixed(0)} MiB on the heap for a budget of ${maxBytes / 2 ** 20} MiB`);
  });

  it("stores a record of many items in slices, and reads wait for it", async () => {
    // Serialising 300,000 items in one step held the event loop for ~0.2 s after the answer.
    const store = new MemoryResponseStore({ maxResponses: 10, maxBytes: 1 << 28, ttlMs: 60_000 });
    const input = Array.from({ length: 50_000 }, (_, i) => ({ type: "message", role: "user", content: "hi", id: `in_${i}` }));
    let turns = 0;
    let stop = false;
    const ticker = (async () => {
      while (!stop) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        turns++;
      }
    })();
    store.put({ id: "many", response: { id: "many", status: "completed", output: [] }, input });
    store.put(record("after")); // queued behind it: the order of puts is kept
    assert.equal(store.size, 0, "written in slices, not at once");
    assert.equal((await store.item("in_49999"))?.id, "in_49999");
    assert.equal((await store.get("many"))!.input.length, 50_000);
    assert.ok(await store.get("after"));
    stop = true;
    await ticker;
    // 50,000 items at 2,000 a slice: the loop turned between slices.
    assert.ok(turns >= 20, `${turns} turns of the event loop while 50,000 items were stored`);
  });

  it("reads one item without decoding the rest of its response", async () => {
    // An item_reference is one item: decoding the whole record for each one let a request of a few
    // hundred references to a small item of a large response hold the event loop for minutes.
    const store = new MemoryResponseStore({ maxResponses: 10, maxBytes: 1 << 24, ttlMs: 60_000 });
    const r = record("big", "w".repeat(1_000_000));
    r.input.push({ id: "in_small", type: "message", role: "user", content: "small" });
    store.put(r);
    const parse = JSON.parse;
    let parsed = 0;
    JSON.parse = ((text: string, reviver?: never) => {
      parsed += text.length;
      return parse(text, reviver);
    }) as typeof JSON.parse;
    try {
      assert.equal((await store.item("in_small"))?.content, "small");
    } finally {
      JSON.parse = parse;
    }
    assert.ok(parsed < 1_000, `decoded ${parsed} characters to read one small item`);
    assert.equal(((await store.get("big"))!.response.output as { content: { text: string }[] }[])[0]!.content[0]!.text.length, 1_000_000);
    assert.equal((await store.get("big"))!.input.length, 2);
  });
});

describe("UpstreamItemIds and withUpstreamItemIds", () => {
  const ours = (n: number) => `rs_${n.toString(16).padStart(48, "0")}`;
  const model = {} as CopilotModel;

  it("puts Copilot's id back, leaves out a reasoning item of ours whose id it no longer knows, leaves other ids alone", () => {
    const ids = new UpstreamItemIds(2);
    ids.remember(ours(1), "blob-1");
    ids.remember(ours(2), "blob-2");
    ids.remember(ours(3), "blob-3"); // evicts ours(1)
    const body = {
      input: [
        { type: "reasoning", id: ours(2), encrypted_content: "e2" },
        { type: "reasoning", id: ours(1), encrypted_content: "e1" },
        { type: "reasoning", id: "rs_client_own", encrypted_content: "e" },
        { type: "message", id: ours(3), role: "user", content: "hi" },
      ],
    };
    withUpstreamItemIds(body, model, { customTools: new Set(), upstreamIds: ids });
    assert.deepEqual(
      body.input.map((i) => i.id),
      ["blob-2", "rs_client_own", ours(3)],
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BodyCountCache, MAX_REMEMBERED_MODEL_CHARS } from "../../src/tokens/body-count-cache.js";
import type { CopilotModel } from "../../src/upstream/model-catalog.js";

const SONNET: CopilotModel = { id: "claude-sonnet-4.6", vendor: "Anthropic", capabilities: { tokenizer: "o200k_base" } };
const GPT: CopilotModel = { id: "gpt-4.1", vendor: "OpenAI", capabilities: { tokenizer: "o200k_base" } };

describe("BodyCountCache", () => {
  it("answers a repeated body by its bytes, per resolved model", () => {
    const cache = new BodyCountCache();
    const a = BodyCountCache.digest(new TextEncoder().encode('{"model":"sonnet","messages":[]}'));
    const b = BodyCountCache.digest(new TextEncoder().encode('{"model":"sonnet","messages":[] }'));
    assert.notEqual(a, b, "different bytes, different key");
    assert.equal(cache.modelOf(a), undefined);
    cache.set(a, "sonnet", SONNET, 42);
    assert.equal(cache.modelOf(a), "sonnet");
    assert.equal(cache.get(a, SONNET), 42);
    assert.equal(cache.get(a, GPT), undefined, "another model (an alias changed) is counted again");
    assert.equal(cache.get(a, undefined), undefined);
    cache.set(a, "sonnet", GPT, 40);
    assert.equal(cache.get(a, SONNET), 42);
    assert.equal(cache.get(a, GPT), 40);
    assert.equal(cache.get(b, SONNET), undefined);
  });

  it("keeps the most recently used bodies within its bound", () => {
    const cache = new BodyCountCache(2);
    cache.set("a", "m", SONNET, 1);
    cache.set("b", "m", SONNET, 2);
    assert.equal(cache.get("a", SONNET), 1); // a is now the most recent
    cache.set("c", "m", SONNET, 3);
    assert.equal(cache.get("b", SONNET), undefined);
    assert.equal(cache.get("a", SONNET), 1);
    assert.equal(cache.get("c", SONNET), 3);
    cache.clear();
    assert.equal(cache.get("a", SONNET), undefined);
  });

  it("never remembers a body by an overlong model name, and stays within its byte bound", () => {
    const cache = new BodyCountCache(256, 64 * 1024);
    const huge = "m".repeat(5_000_000);
    cache.set("x", huge, undefined, 7);
    assert.equal(cache.modelOf("x"), undefined);
    assert.deepEqual(cache.stats(), { entries: 0, bytes: 0 });
    for (let i = 0; i < 200; i++) cache.set(`d${i}`, "m".repeat(MAX_REMEMBERED_MODEL_CHARS), SONNET, i);
    const { entries, bytes } = cache.stats();
    assert.ok(bytes <= 64 * 1024, `${bytes} bytes`);
    assert.ok(entries > 10 && entries < 200, `${entries} entries`);
    assert.equal(cache.get("d199", SONNET), 199, "the newest stay");
    assert.equal(cache.get("d0", SONNET), undefined, "the oldest went");
  });
});

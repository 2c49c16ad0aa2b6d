import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError } from "../../src/errors.js";
import { normalisedIds, resolveModel } from "../../src/bridge/resolve-model.js";
import type { CopilotModel } from "../../src/upstream/model-catalog.js";

const chat = (id: string, extra: Partial<CopilotModel> = {}): CopilotModel => ({ id, vendor: "Anthropic", capabilities: { type: "chat" }, ...extra });

const MODELS: CopilotModel[] = [
  chat("claude-sonnet-4"),
  chat("claude-sonnet-4.5"),
  chat("claude-opus-4.5"),
  chat("claude-opus-4.6"),
  chat("claude-opus-4.6-1m"),
  chat("claude-haiku-4.5"),
  chat("claude-3.7-sonnet"),
  chat("gpt-4.1", { vendor: "Azure OpenAI" }),
  chat("gpt-5-mini", { vendor: "Azure OpenAI" }),
  chat("gemini-2.5-pro", { vendor: "Google" }),
  { id: "claude-opus-5", vendor: "Anthropic", capabilities: { type: "chat" }, policy: { state: "disabled" } },
  { id: "gpt-4o-copilot", vendor: "Azure OpenAI", capabilities: { type: "completion" } },
  { id: "text-embedding-3-small", vendor: "Azure OpenAI", capabilities: { type: "embeddings" } },
  { id: "no-type-listed" },
];

const id = (requested: string, models = MODELS, aliases = {}) => resolveModel(requested, models, aliases).id;

function notFound(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError);
    return e;
  }
  assert.fail("expected a not-found error");
}

describe("resolveModel (case 14)", () => {
  it("exact ids win", () => {
    assert.equal(id("claude-sonnet-4.5"), "claude-sonnet-4.5");
    assert.equal(id("gpt-4.1"), "gpt-4.1");
    assert.equal(id("GPT-4.1"), "gpt-4.1");
  });

  it("dated Anthropic ids drop the date and dot the version", () => {
    assert.equal(id("claude-sonnet-4-5-20250929"), "claude-sonnet-4.5");
    assert.equal(id("claude-sonnet-4-20250514"), "claude-sonnet-4");
    assert.equal(id("claude-haiku-4-5-20251001"), "claude-haiku-4.5");
    assert.equal(id("claude-sonnet-4-5@20250929"), "claude-sonnet-4.5");
  });

  it("dashed versions become dotted", () => {
    assert.equal(id("claude-opus-4-6"), "claude-opus-4.6");
    assert.equal(id("claude-haiku-4-5"), "claude-haiku-4.5");
    assert.equal(id("gemini-2-5-pro"), "gemini-2.5-pro");
  });

  it("old vendor order (claude-3-7-sonnet-…) maps too", () => {
    assert.equal(id("claude-3-7-sonnet-20250219"), "claude-3.7-sonnet");
  });

  it("vendor prefixes are dropped", () => {
    assert.equal(id("anthropic/claude-sonnet-4.5"), "claude-sonnet-4.5");
  });

  it("[1m] picks the -1m variant when listed", () => {
    assert.equal(id("claude-opus-4-6[1m]"), "claude-opus-4.6-1m");
    assert.equal(id("claude-opus-4.6[1m]"), "claude-opus-4.6-1m");
  });

  it("[1m] falls back to the base model when no -1m variant is listed", () => {
    assert.equal(id("claude-sonnet-4-5[1m]"), "claude-sonnet-4.5");
    assert.equal(id("claude-opus-4-6[1m]", MODELS.filter((m) => m.id !== "claude-opus-4.6-1m")), "claude-opus-4.6");
  });

  it("family names pick the newest listed, usable member of the family", () => {
    assert.equal(id("sonnet"), "claude-sonnet-4.5");
    assert.equal(id("opus"), "claude-opus-4.6", "claude-opus-5 is disabled by policy; -1m is a variant, not a version");
    assert.equal(id("haiku"), "claude-haiku-4.5");
    assert.equal(id("claude-sonnet"), "claude-sonnet-4.5");
    assert.equal(id("Opus"), "claude-opus-4.6");
  });

  it("newest compares numerically (4.10 > 4.9 > 4)", () => {
    const models = [chat("claude-sonnet-4"), chat("claude-sonnet-4.9"), chat("claude-sonnet-4.10"), chat("claude-sonnet-3.7")];
    assert.equal(id("sonnet", models), "claude-sonnet-4.10");
  });

  it("Claude Code's family[1m] spellings (sonnet[1m], opus[1m]) work", () => {
    assert.equal(id("opus[1m]"), "claude-opus-4.6-1m");
    assert.equal(id("sonnet[1m]"), "claude-sonnet-4.5");
  });

  it("aliases map first, and an alias target may itself need normalising", () => {
    assert.equal(id("my-fast", MODELS, { "my-fast": "gpt-5-mini" }), "gpt-5-mini");
    assert.equal(id("big", MODELS, { big: "claude-opus-4-6" }), "claude-opus-4.6");
    assert.equal(id("gpt-4.1", MODELS, { "gpt-4.1": "claude-haiku-4.5" }), "claude-haiku-4.5");
  });

  it("never silently downgrades: an unknown version is a 404 listing the available ids", () => {
    const e = notFound(() => resolveModel("claude-sonnet-9-9", MODELS));
    assert.equal(e.status, 404);
    assert.equal(e.code, "model_not_found");
    assert.equal(e.param, "model");
    assert.match(e.message, /"claude-sonnet-9-9"/);
    for (const listed of ["claude-sonnet-4.5", "gpt-4.1", "gemini-2.5-pro"]) assert.ok(e.message.includes(listed), listed);
    for (const hidden of ["claude-opus-5", "gpt-4o-copilot", "text-embedding-3-small"]) assert.ok(!e.message.includes(hidden), hidden);
  });

  it("policy-disabled models are excluded", () => {
    notFound(() => resolveModel("claude-opus-5", MODELS));
  });

  it("completion models are never returned for chat", () => {
    notFound(() => resolveModel("gpt-4o-copilot", MODELS));
  });

  it("a model without capabilities.type counts as chat", () => {
    assert.equal(id("no-type-listed"), "no-type-listed");
  });

  it("embeddings kind only sees embedding models, and chat only chat models", () => {
    assert.equal(resolveModel("text-embedding-3-small", MODELS, {}, "embeddings").id, "text-embedding-3-small");
    assert.throws(() => resolveModel("gpt-4.1", MODELS, {}, "embeddings"), /"gpt-4\.1" \(gpt-4\.1\) is a chat model, not an embeddings model/);
    assert.throws(() => resolveModel("text-embedding-3-small", MODELS), /is an embeddings model: send it to \/v1\/embeddings/);
    const e = notFound(() => resolveModel("nope", MODELS, {}, "embeddings"));
    assert.match(e.message, /Available models: text-embedding-3-small$/);
  });
});

describe("normalisedIds", () => {
  it("most specific spelling first", () => {
    assert.deepEqual(normalisedIds("claude-opus-4-6[1m]").slice(0, 3), ["claude-opus-4.6-1m", "claude-opus-4-6-1m", "claude-opus-4.6"]);
    assert.deepEqual(normalisedIds("claude-sonnet-4-5-20250929")[0], "claude-sonnet-4.5");
    assert.ok(normalisedIds("gpt-4o-2024-08-06").includes("gpt-4o"));
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseBudget } from "../../src/cost/budget-spec.js";
import { Budgets, isoLocal, periodBounds } from "../../src/cost/budgets.js";
import { copilotUsageOf, decodeCopilotUsage } from "../../src/cost/decode-copilot-usage.js";
import { estimateNanoAiu, formatCredits } from "../../src/cost/estimate-cost.js";
import { parseConfigFile, resolveConfig } from "../../src/config.js";
import { callKind, detectClient } from "../../src/observability/detect-client.js";
import { parseBy, parseTime } from "../../src/ledger/query-history.js";
import { createLogger } from "../../src/log.js";
import { createConsola } from "consola";
import type { CopilotModel } from "../../src/upstream/model-catalog.js";

const model = (token_prices: unknown): CopilotModel => ({ id: "m", billing: { token_prices } });

describe("copilot_usage", () => {
  test("the total is taken as Copilot gives it; without it, the token details add up", () => {
    // A real /responses terminal event's figures (gpt-5.3-codex, 19 input and 105 output tokens).
    const details = [
      { batch_size: 1000000, cost_per_batch: 175000000000, token_count: 19, token_type: "input" },
      { batch_size: 1000000, cost_per_batch: 17500000000, token_count: 0, token_type: "cache_read" },
      { batch_size: 1000000, cost_per_batch: 1400000000000, token_count: 105, token_type: "output" },
    ];
    assert.equal(decodeCopilotUsage({ token_details: details, total_nano_aiu: 150325000 }), 150325000);
    assert.equal(decodeCopilotUsage({ token_details: details }), 150325000);
    assert.equal(copilotUsageOf({ type: "response.completed", copilot_usage: { total_nano_aiu: 7 } }), 7);
    assert.equal(copilotUsageOf({ message: { copilot_usage: { total_nano_aiu: 8 } } }), 8);
    for (const bad of [undefined, null, "x", [], {}, { total_nano_aiu: -1 }, { total_nano_aiu: "5" }, { token_details: [{ token_count: 1 }] }]) {
      assert.equal(decodeCopilotUsage(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe("estimate from billing.token_prices", () => {
  test("credits per batch_size tokens; cache_price and cache_read_price both read; cache writes at their own price", () => {
    const usage = { inputTokens: 1000, cacheReadTokens: 2000, cacheWriteTokens: 100, outputTokens: 500 };
    const newName = model({ batch_size: 1_000_000, default: { input_price: 300, output_price: 1500, cache_read_price: 30, cache_write_price: 375 } });
    // (1000×300 + 2000×30 + 100×375 + 500×1500) / 1e6 credits = 1.1475 credits
    assert.equal(estimateNanoAiu(newName, usage), 1_147_500_000);
    const oldName = model({ batch_size: 1_000_000, default: { input_price: 300, output_price: 1500, cache_price: 30, cache_write_price: 375 } });
    assert.equal(estimateNanoAiu(oldName, usage), estimateNanoAiu(newName, usage));
  });

  test("the long_context tier applies once the whole prompt exceeds context_max", () => {
    const prices = { batch_size: 1_000_000, default: { input_price: 100, output_price: 1000, context_max: 200_000 }, long_context: { input_price: 200, output_price: 1500 } };
    assert.equal(estimateNanoAiu(model(prices), { inputTokens: 200_000, outputTokens: 1000 }), (200_000 * 100 + 1000 * 1000) * 1000);
    assert.equal(estimateNanoAiu(model(prices), { inputTokens: 150_000, cacheReadTokens: 50_001, outputTokens: 1000 }), (150_000 * 200 + 50_001 * 200 + 1000 * 1500) * 1000);
  });

  test("credits print as plain decimals, exactly", () => {
    assert.equal(formatCredits(100), "0.0000001");
    assert.equal(formatCredits(150325000), "0.150325");
    assert.equal(formatCredits(2_000_000_000), "2");
    assert.equal(formatCredits(0), "0");
  });

  test("no prices, no tokens or broken prices: no estimate", () => {
    assert.equal(estimateNanoAiu(undefined, { inputTokens: 1 }), undefined);
    assert.equal(estimateNanoAiu(model(undefined), { inputTokens: 1 }), undefined);
    assert.equal(estimateNanoAiu(model({ default: { input_price: 1, output_price: 1 } }), {}), undefined);
    assert.equal(estimateNanoAiu(model({ default: { input_price: "1", output_price: 1 } }), { inputTokens: 5 }), undefined);
    assert.equal(estimateNanoAiu(model({ batch_size: 1_000_000, default: { input_price: 1, output_price: 1 } }), undefined), undefined);
  });
});

describe("who called, and what kind of call", () => {
  test("clients from their User-Agent", () => {
    const cases: [string | undefined, string][] = [
      ["claude-cli/2.1.332 (external, sdk-cli)", "claude-code"],
      ["codex_exec/0.171.0 (Debian 12.0.0; x86_64) unknown (codex_exec; 0.171.0)", "codex"],
      ["codex_cli_rs/0.169.0", "codex"],
      ["opencode/1.18.33 ai-sdk/provider-utils/4.0.0", "opencode"],
      ["ai-sdk/openai/4.0.1 ai-sdk/provider-utils/4.0.0 runtime/node.js/20", "ai-sdk"],
      ["GeminiCLI-tui/0.61.0/gemini-2.5-pro (linux; x64; terminal)", "gemini-cli"],
      ["OpenAI/JS 6.49.0", "openai-sdk"],
      ["Anthropic/JS 1.12.0", "anthropic-sdk"],
      ["langchainjs-openai/1.6 OpenAI/JS 6.49.0", "langchain"],
      ["curl/8.5.0", "curl"],
      ["Mozilla/5.0", "other"],
      [undefined, "other"],
    ];
    for (const [ua, want] of cases) assert.equal(detectClient(ua), want, String(ua));
    assert.equal(detectClient("node", "cli"), "claude-code");
  });

  test("kinds from the initiator and the interaction type", () => {
    assert.equal(callKind("user", "messages-proxy"), "user");
    assert.equal(callKind("agent", "conversation-agent"), "tool-follow-up");
    assert.equal(callKind("agent", "conversation-subagent"), "subagent");
    assert.equal(callKind("agent", "conversation-compaction"), "compaction");
    assert.equal(callKind("agent", "conversation-background"), "background");
    assert.equal(callKind(undefined, undefined), undefined);
  });
});

describe("budget settings", () => {
  test("credits per day or month; anything else is refused with an example", () => {
    assert.deepEqual(parseBudget("20/day"), { limitCredits: 20, period: "day" });
    assert.deepEqual(parseBudget(" 300 / month "), { limitCredits: 300, period: "month" });
    assert.deepEqual(parseBudget("0.5/d"), { limitCredits: 0.5, period: "day" });
    for (const bad of ["20", "20/week", "-1/day", "0/day", "x/day", "20/day/month"]) assert.throws(() => parseBudget(bad), /e\.g\. 20\/day/, bad);
  });

  test("the config file takes API keys as strings or {key, name, budget}, and budgets; flags add to them", () => {
    const file = parseConfigFile(
      JSON.stringify({ apiKeys: ["plain-key", { key: "alice-key", name: "alice", budget: "5/day" }], budgets: ["300/month"], ledger: false, ledgerRetentionDays: 30 }),
      "f.json",
    );
    const config = resolveConfig({ apiKeys: ["flag-key"], budgets: ["20/day"] }, {}, file);
    assert.deepEqual(config.apiKeys, ["plain-key", "alice-key", "flag-key"]);
    assert.deepEqual(config.keyNames, { "alice-key": "alice" });
    assert.deepEqual(config.keyBudgets, { "alice-key": [{ limitCredits: 5, period: "day" }] });
    assert.deepEqual(config.budgets, [{ limitCredits: 300, period: "month" }, { limitCredits: 20, period: "day" }]);
    assert.equal(config.ledger, false);
    assert.equal(config.ledgerRetentionDays, 30);
    assert.equal(resolveConfig({}, {}).ledgerRetentionDays, 90);
    assert.equal(resolveConfig({}, {}).ledger, true);
    assert.throws(() => parseConfigFile(JSON.stringify({ apiKeys: [{ key: "k", budget: "lots" }] }), "f.json"), /"apiKeys": Invalid budget "lots"/);
    assert.throws(() => parseConfigFile(JSON.stringify({ apiKeys: [{ name: "no key" }] }), "f.json"), /"apiKeys" must be an array of keys/);
    assert.throws(() => parseConfigFile(JSON.stringify({ apiKeys: [{ key: "k", nmae: "typo" }] }), "f.json"), /"apiKeys" must be an array of keys/);
    assert.throws(() => resolveConfig({ budgets: ["lots"] }, {}), /Invalid budget "lots"/);
    assert.throws(() => resolveConfig({ ledgerRetentionDays: "0" }, {}), /Invalid ledger retention/);
  });
});

describe("budget periods", () => {
  const quiet = createLogger(createConsola({ level: -999 }));

  test("local days and months, their ends, and ISO with the local offset", () => {
    const t = new Date(2026, 0, 31, 15, 30).getTime();
    assert.deepEqual(periodBounds(t, "day"), { start: new Date(2026, 0, 31).getTime(), end: new Date(2026, 1, 1).getTime() });
    assert.deepEqual(periodBounds(t, "month"), { start: new Date(2026, 0, 1).getTime(), end: new Date(2026, 1, 1).getTime() });
    assert.match(isoLocal(t), /^2026-01-31T15:30:00\.000[+-]\d{2}:\d{2}$/);
    assert.equal(Date.parse(isoLocal(t)), t);
  });

  test("spending rolls over at the period's end; a key's budget only counts that key", () => {
    let now = new Date(2026, 4, 10, 23, 0).getTime();
    const b = new Budgets([{ limitCredits: 1, period: "day" }], new Map([["alice", [{ limitCredits: 0.5, period: "month" }]]]), quiet, () => now);
    const spend = (nanoAiu: number, keyName?: string) => b.add({ id: 1, time: now, method: "POST", path: "/", api: "chat", status: 200, durationMs: 1, ttfbMs: 1, nanoAiu, keyName });
    spend(0.6e9, "bob");
    assert.doesNotThrow(() => b.check("alice"));
    spend(0.5e9, "alice");
    assert.throws(() => b.check("alice"), (e: { status: number; retryAfter: string }) => e.status === 429 && e.retryAfter === "3600");
    assert.throws(() => b.check("bob"), /The budget of 1 AI credits per day is spent: 1\.1 of 1/);
    assert.deepEqual(b.snapshot().map((v) => [v.scope, v.state]), [["global", "exceeded"], ["key:alice", "exceeded"]]);
    now += 2 * 3600_000;
    assert.doesNotThrow(() => b.check("bob"));
    assert.throws(() => b.check("alice"), /API key "alice"'s budget of 0\.5 AI credits per month is spent/);
  });
});

describe("/usage history parameters", () => {
  test("by: one or two known dimensions; from/to: ISO dates, date-times or epoch ms", () => {
    assert.deepEqual(parseBy(undefined), ["day"]);
    assert.deepEqual(parseBy("Model, day"), ["model", "day"]);
    assert.throws(() => parseBy("day,day"));
    assert.throws(() => parseBy("a,b,c"));
    assert.equal(parseTime("1767225600000", "from"), 1767225600000);
    assert.equal(parseTime("2026-12-01T10:00:00Z", "from"), Date.UTC(2026, 11, 1, 10));
    assert.equal(parseTime("2026-12-01", "from"), new Date(2026, 11, 1).getTime());
    assert.equal(parseTime("2026-12-01", "to"), new Date(2026, 11, 2).getTime());
    for (const bad of ["2026-02-30", "soon", "12", "2026-12-01Tnope"]) assert.throws(() => parseTime(bad, "from"), /ISO 8601/, bad);
  });
});

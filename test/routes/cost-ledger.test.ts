import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Recorder, RequestRecord } from "../../src/observability/recorder.js";
import { formatCredits } from "../../src/cost/estimate-cost.js";
import { defaultModels, fakeNanoAiu, type FakeModel } from "../fake-upstream/server.js";
import { type Harness, startHarness } from "../helpers/harness.js";

/** Resolves with the next record the recorder sees: an event, not a sleep. */
function nextRecord(recorder: Recorder): Promise<RequestRecord> {
  return new Promise((resolve) => {
    const off = recorder.subscribe((r) => {
      off();
      resolve(r);
    });
  });
}

type Api = "chat" | "responses" | "messages";

function request(api: Api, model: string, stream: boolean): { path: string; body: Record<string, unknown>; headers: Record<string, string> } {
  switch (api) {
    case "chat":
      return { path: "/v1/chat/completions", body: { model, stream, messages: [{ role: "user", content: "How much does this cost?" }] }, headers: {} };
    case "responses":
      return { path: "/v1/responses", body: { model, stream, input: "How much does this cost?" }, headers: {} };
    case "messages":
      return {
        path: "/v1/messages",
        body: { model, stream, max_tokens: 100, messages: [{ role: "user", content: "How much does this cost?" }] },
        headers: { "anthropic-version": "2023-06-01" },
      };
  }
}

/** What the fake charges for a record's tokens with this model's prices. */
function charge(model: FakeModel, r: RequestRecord): number {
  const cacheRead = r.cacheReadTokens ?? 0;
  const cacheWrite = r.cacheWriteTokens ?? 0;
  return fakeNanoAiu(model, { input: (r.inputTokens ?? 0) - cacheRead - cacheWrite, cacheRead, cacheWrite, output: r.outputTokens ?? 0 });
}

// Each client API against a model on each Copilot endpoint: passthrough and translated paths.
const CASES: { api: Api; model: string; endpoint: string }[] = [
  { api: "chat", model: "gpt-4.1", endpoint: "/chat/completions" },
  { api: "responses", model: "gpt-5.4", endpoint: "/responses" },
  { api: "messages", model: "claude-sonnet-4.6", endpoint: "/v1/messages" },
  { api: "messages", model: "gpt-5.4", endpoint: "/responses" },
  { api: "chat", model: "gpt-5.3-codex", endpoint: "/responses" },
  { api: "responses", model: "claude-sonnet-4.6", endpoint: "/v1/messages" },
  { api: "messages", model: "gemini-2.5-pro", endpoint: "/chat/completions" },
  { api: "responses", model: "gemini-2.5-pro", endpoint: "/chat/completions" },
];

describe("cost of every request: exact from copilot_usage, estimated without it, into the ledger and /usage", () => {
  let h: Harness;
  // The fake charges from these (changed after start); the server's catalog keeps the list prices.
  const charged = defaultModels();
  const listed = defaultModels();
  const expected = new Map<string, number>();
  const records: RequestRecord[] = [];

  before(async () => {
    h = await startHarness({ fake: { models: charged } });
    // Copilot's own figure differs from list prices (copilot-upstream.md 13.3): doubling the fake's prices
    // after the server read the catalog makes an exact figure and an estimate tell apart.
    for (const m of charged) {
      const p = m.billing.token_prices;
      if (!p) continue;
      p.default.input_price *= 2;
      p.default.output_price *= 2;
      if (p.default.cache_read_price !== undefined) p.default.cache_read_price *= 2;
      if (p.default.cache_price !== undefined) p.default.cache_price *= 2;
    }
  });
  after(() => h.close());

  for (const c of CASES) {
    for (const stream of [false, true]) {
      test(`${c.api} → ${c.model} (${c.endpoint}), ${stream ? "stream" : "non-stream"}: Copilot's figure, to the nano-AIU`, async () => {
        const req = request(c.api, c.model, stream);
        const recorded = nextRecord(h.runtime.recorder);
        const res = await fetch(h.url + req.path, { method: "POST", headers: { "content-type": "application/json", ...req.headers }, body: JSON.stringify(req.body) });
        const text = await res.text();
        assert.equal(res.status, 200, text);
        assert.doesNotMatch(text, /copilot_usage|nano_aiu/, "clients never see copilot_usage");
        const r = await recorded;
        assert.equal(r.endpoint, c.endpoint);
        const model = charged.find((m) => m.id === c.model)!;
        const want = charge(model, r);
        assert.ok(want > 0);
        assert.notEqual(want, charge(listed.find((m) => m.id === c.model)!, r), "the exact figure differs from the estimate");
        assert.equal(r.nanoAiu, want);
        assert.equal(r.costEstimated, false);
        assert.equal(r.client, "other");
        if (stream) assert.equal(res.headers.get("x-copilot-cost-credits"), null);
        else {
          assert.equal(res.headers.get("x-copilot-cost-credits"), formatCredits(want));
          assert.equal(res.headers.get("x-copilot-cost-estimated"), null);
        }
        expected.set(`${c.model}|${stream}`, want);
        records.push(r);
      });
    }
  }

  for (const [name, path, body] of [
    ["Gemini generateContent", "/v1beta/models/claude-sonnet-4.6:generateContent", { contents: [{ role: "user", parts: [{ text: "How much?" }] }] }],
    ["Gemini streamGenerateContent", "/v1beta/models/gpt-5.4:streamGenerateContent?alt=sse", { contents: [{ role: "user", parts: [{ text: "How much?" }] }] }],
    ["Ollama chat", "/api/chat", { model: "gpt-4.1", stream: false, messages: [{ role: "user", content: "How much?" }] }],
    ["Ollama chat, streamed", "/api/chat", { model: "gemini-2.5-pro", messages: [{ role: "user", content: "How much?" }] }],
  ] as const) {
    test(`${name}: Copilot's figure too, and a ledger row`, async () => {
      const recorded = nextRecord(h.runtime.recorder);
      const res = await fetch(h.url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.doesNotMatch(text, /copilot_usage|nano_aiu/);
      const r = await recorded;
      assert.ok(r.api === "gemini" || r.api === "ollama", r.api);
      const want = charge(charged.find((m) => m.id === r.model)!, r);
      assert.ok(want > 0);
      assert.equal(r.nanoAiu, want);
      assert.equal(r.costEstimated, false);
      records.push(r);
    });
  }

  test("the ledger holds each request's exact cost, and /usage adds them up by model and by endpoint", async () => {
    assert.ok(h.runtime.ledger, "the ledger is on by default");
    const res = await fetch(`${h.url}/usage?by=model`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { history: { by: string[]; rows: Record<string, unknown>[]; totals: Record<string, number> }; budgets: unknown[] };
    assert.deepEqual(body.history.by, ["model"]);
    assert.deepEqual(body.budgets, []);
    const total = records.reduce((s, r) => s + r.nanoAiu!, 0);
    assert.equal(body.history.totals.nanoAiu, total);
    assert.equal(body.history.totals.requests, records.length);
    assert.equal(body.history.totals.estimatedRequests, 0);
    assert.equal(body.history.totals.credits, total / 1e9);
    assert.equal(body.history.totals.usd, total / 1e11);
    for (const model of new Set(CASES.map((c) => c.model))) {
      const row = body.history.rows.find((x) => x.model === model);
      assert.ok(row, model);
      assert.equal(row.nanoAiu, records.filter((r) => r.model === model).reduce((s, r) => s + r.nanoAiu!, 0));
    }
    const byEndpoint = (await (await fetch(`${h.url}/usage?by=endpoint,day`)).json()) as { history: { rows: Record<string, unknown>[] } };
    for (const endpoint of ["/chat/completions", "/responses", "/v1/messages"]) {
      const row = byEndpoint.history.rows.find((x) => x.endpoint === endpoint);
      assert.equal(row?.nanoAiu, records.filter((r) => r.endpoint === endpoint).reduce((s, r) => s + r.nanoAiu!, 0));
      assert.match(String(row?.day), /^\d{4}-\d{2}-\d{2}$/);
    }
  });

  test("without copilot_usage the cost is estimated from the catalog's token_prices, and flagged", async () => {
    h.fake.copilotUsage = false;
    try {
      for (const c of [CASES[0]!, CASES[2]!, CASES[3]!]) {
        for (const stream of [false, true]) {
          const req = request(c.api, c.model, stream);
          const recorded = nextRecord(h.runtime.recorder);
          const res = await fetch(h.url + req.path, { method: "POST", headers: { "content-type": "application/json", ...req.headers }, body: JSON.stringify(req.body) });
          await res.text();
          const r = await recorded;
          const want = charge(listed.find((m) => m.id === c.model)!, r);
          assert.equal(r.nanoAiu, want, `${c.model} ${stream}`);
          assert.equal(r.costEstimated, true);
          if (!stream) {
            assert.equal(res.headers.get("x-copilot-cost-credits"), formatCredits(want));
            assert.equal(res.headers.get("x-copilot-cost-estimated"), "true");
          }
        }
      }
    } finally {
      h.fake.copilotUsage = true;
    }
    const body = (await (await fetch(`${h.url}/usage?by=model&from=${Date.now() - 60_000}`)).json()) as { history: { totals: { estimatedRequests: number } } };
    assert.equal(body.history.totals.estimatedRequests, 6);
  });

  test("/usage refuses a bad range or grouping with a 400 that says what is wrong", async () => {
    for (const q of ["by=colour", "by=day,model,client", "from=yesterday", "to=2026-13-45", "from=2026-12-02&to=2026-11-01"]) {
      const res = await fetch(`${h.url}/usage?${q}`);
      assert.equal(res.status, 400, q);
      const body = (await res.json()) as { error: { message: string } };
      assert.match(body.error.message, /Invalid \/usage query/);
    }
  });
});

describe("cache reads: priced at the cache price, counted in the ledger and in /metrics", () => {
  let h: Harness;
  const models = defaultModels();
  before(async () => {
    h = await startHarness({ fake: { promptCache: true, models } });
  });
  after(() => h.close());

  test("a follow-up turn reads the earlier prompt from the cache; its cost, tokens and hit rate add up everywhere", async () => {
    const turn1 = [{ role: "user", content: "Tell me a story about caches." }];
    const turn2 = [...turn1, { role: "assistant", content: "Once upon a time." }, { role: "user", content: "And then?" }];
    const records: RequestRecord[] = [];
    for (const messages of [turn1, turn2]) {
      const recorded = nextRecord(h.runtime.recorder);
      const res = await fetch(`${h.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model: "claude-sonnet-4.6", max_tokens: 50, messages }),
      });
      assert.equal(res.status, 200);
      await res.text();
      records.push(await recorded);
    }
    const [, second] = records as [RequestRecord, RequestRecord];
    assert.ok((second.cacheReadTokens ?? 0) > 0, "the second turn reads from the cache");
    assert.equal(second.nanoAiu, charge(models.find((m) => m.id === "claude-sonnet-4.6")!, second));

    const usage = (await (await fetch(`${h.url}/usage?by=model`)).json()) as { history: { totals: Record<string, number> } };
    const t = usage.history.totals;
    assert.equal(t.cacheReadTokens, second.cacheReadTokens);
    assert.equal(t.inputTokens, records.reduce((s, r) => s + r.inputTokens! - (r.cacheReadTokens ?? 0), 0), "inputTokens excludes the cache");
    assert.equal(t.nanoAiu, records[0]!.nanoAiu! + second.nanoAiu!);

    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    const sample = (name: string) => Number(new RegExp(`^${name.replace(/[{}".=/]/g, "\\$&")} (\\S+)$`, "m").exec(metrics)?.[1]);
    assert.equal(sample('copilot_api_tokens_total{model="claude-sonnet-4.6",api="messages",kind="cache_read"}'), second.cacheReadTokens);
    assert.equal(sample('copilot_api_cost_nano_aiu_total{model="claude-sonnet-4.6",api="messages",initiator="user"}'), t.nanoAiu);
  });
});

describe("--no-ledger", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ config: { ledger: false, budgets: ["20/day"] } });
  });
  after(() => h.close());

  test("no file, history null with the reason; the cost is still measured, and budgets say they count from the start only", async () => {
    assert.equal(h.runtime.ledger, undefined);
    const recorded = nextRecord(h.runtime.recorder);
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "no ledger" }] }),
    });
    assert.equal(res.status, 200);
    assert.ok(Number(res.headers.get("x-copilot-cost-credits")) > 0);
    await res.text();
    const r = await recorded;
    const body = (await (await fetch(`${h.url}/usage?by=day`)).json()) as { history: unknown; historyDisabled: string; budgets: { spentCredits: number }[] };
    assert.equal(body.history, null);
    assert.equal(body.historyDisabled, "ledger is off (--no-ledger)");
    assert.equal(body.budgets[0]!.spentCredits, r.nanoAiu! / 1e9);
    assert.equal(h.logs.filter((l) => /Budgets count what is spent from this start only: ledger is off/.test(l)).length, 1);
    const plain = (await (await fetch(`${h.url}/usage`)).json()) as Record<string, unknown>;
    assert.equal("history" in plain, false, "without query parameters /usage is as before, plus budgets");
  });
});

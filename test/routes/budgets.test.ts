import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { Recorder, RequestRecord } from "../../src/observability/recorder.js";
import { type Harness, startHarness } from "../helpers/harness.js";

function nextRecord(recorder: Recorder): Promise<RequestRecord> {
  return new Promise((resolve) => {
    const off = recorder.subscribe((r) => {
      off();
      resolve(r);
    });
  });
}

interface UsageBody {
  budgets: { scope: string; period: string; limitCredits: number; spentCredits: number; resetsAt: string; state: string }[];
}

/** A local date-time in the middle of a day, so that "the next day" is unambiguous in any TZ. */
const NOON = new Date(2026, 11, 1, 12, 0, 0).getTime();

describe("budgets: refuse when spent, in the client's dialect, reset with the period, survive a restart", () => {
  let home: string;
  let clock = NOON;
  const now = () => clock;
  let h: Harness;
  // One gpt-4.1 chat answer costs a few hundred thousand nano-AIU: 0.0004 credits is spent after one or two.
  const config = { budgets: ["0.0004/day", "300/month"], apiKeys: ["k-alice-0000000000", "k-bob-00000000000"] };

  before(async () => {
    home = await mkdtemp(join(tmpdir(), "copilot-api-budget-"));
    h = await startHarness({ home, now, config, fake: { now } });
  });
  after(async () => {
    await h.close();
    await rm(home, { recursive: true, force: true });
  });

  const chat = (key = "k-alice-0000000000") => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key, maxRetries: 0 });

  test("requests go through until the day's budget is spent, warning once at 80%, then get a 429 with retry-after", async () => {
    let spent = 0;
    for (let i = 0; spent < 0.0004e9; i++) {
      assert.ok(i < 10, "the budget is spent within a few requests");
      const recorded = nextRecord(h.runtime.recorder);
      await chat().chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "spend a little" }] });
      spent += (await recorded).nanoAiu ?? 0;
    }
    assert.equal(h.logs.filter((l) => /is at \d+%/.test(l)).length, 1, "one warning at 80%");
    const usage = (await (await fetch(`${h.url}/usage`, { headers: { authorization: "Bearer k-alice-0000000000" } })).json()) as UsageBody;
    const day = usage.budgets.find((b) => b.period === "day")!;
    assert.equal(day.state, "exceeded");
    assert.equal(day.scope, "global");
    assert.equal(day.spentCredits, spent / 1e9);
    assert.equal(usage.budgets.find((b) => b.period === "month")!.state, "ok");

    const err = await chat()
      .chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "one more" }] })
      .catch((e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 429);
    assert.match(err.message, /budget of 0\.0004 AI credits per day is spent/);
    assert.match(err.message, /resets at 2026-12-02T00:00:00\.000/);
    // 12 hours to the local midnight.
    assert.equal(err.headers?.get("retry-after"), String(12 * 3600));
    assert.equal((err.error as { code?: string }).code, "budget_exceeded");

    // Anthropic clients get it in their own shape.
    const anthropic = new Anthropic({ baseURL: h.url, apiKey: "k-bob-00000000000", maxRetries: 0 });
    const aerr = await anthropic.messages
      .create({ model: "claude-sonnet-4.6", max_tokens: 10, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e as InstanceType<typeof Anthropic.APIError>);
    assert.ok(aerr instanceof Anthropic.APIError);
    assert.equal(aerr.status, 429);
    assert.equal((aerr.error as { error?: { type?: string } }).error?.type, "rate_limit_error");
    assert.match(aerr.message, /AI credits per day is spent/);

    // Gemini's and Ollama's routes reach Copilot too: refused the same way, in their own shapes.
    for (const [path, body] of [
      ["/v1beta/models/gpt-4.1:generateContent", { contents: [{ role: "user", parts: [{ text: "hi" }] }] }],
      ["/api/chat", { model: "gpt-4.1", stream: false, messages: [{ role: "user", content: "hi" }] }],
    ] as const) {
      const res = await fetch(h.url + path, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer k-bob-00000000000" },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 429, path);
      assert.equal(res.headers.get("retry-after"), String(12 * 3600));
      assert.match(await res.text(), /AI credits per day is spent/);
    }
  });

  test("a restart on the same data directory remembers what was spent (seeded from the ledger)", async () => {
    await h.close();
    h = await startHarness({ home, now, config, fake: { now } });
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer k-alice-0000000000" },
      body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "after restart" }] }),
    });
    assert.equal(res.status, 429);
    await res.text();
  });

  test("the next day the daily budget starts from zero", async () => {
    clock = NOON + 24 * 3600_000;
    const usage = (await (await fetch(`${h.url}/usage`, { headers: { authorization: "Bearer k-alice-0000000000" } })).json()) as UsageBody;
    const day = usage.budgets.find((b) => b.period === "day")!;
    assert.equal(day.state, "ok");
    assert.equal(day.spentCredits, 0);
    const answer = await chat().chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "new day" }] });
    assert.ok(answer.choices[0]?.message.content);
  });
});

describe("budgets per API key", () => {
  let h: Harness;
  const now = () => NOON;
  before(async () => {
    h = await startHarness({
      now,
      fake: { now },
      config: { apiKeys: [{ key: "k-alice-0000000000", name: "alice", budget: "0.0001/day" }, "k-bob-00000000000"] },
    });
  });
  after(() => h.close());

  test("a key's budget stops that key only; the ledger names the key, never the key itself", async () => {
    const call = (key: string) =>
      fetch(`${h.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "spend" }] }),
      });
    const first = nextRecord(h.runtime.recorder);
    assert.equal((await call("k-alice-0000000000")).status, 200);
    const r = await first;
    assert.equal(r.keyName, "alice");
    assert.ok((r.nanoAiu ?? 0) > 0.0001e9, "one answer spends alice's budget");
    const refused = await call("k-alice-0000000000");
    assert.equal(refused.status, 429);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /API key "alice"'s budget/);
    const bob = nextRecord(h.runtime.recorder);
    assert.equal((await call("k-bob-00000000000")).status, 200);
    assert.match((await bob).keyName ?? "", /^key-[0-9a-f]{6}$/);
    const body = (await (await fetch(`${h.url}/usage?by=key`, { headers: { authorization: "Bearer k-bob-00000000000" } })).json()) as {
      history: { rows: { key: string }[] };
      budgets: { scope: string; state: string }[];
    };
    assert.deepEqual(body.budgets.map((b) => [b.scope, b.state]), [["key:alice", "exceeded"]]);
    const keys = body.history.rows.map((x) => x.key).sort();
    assert.equal(keys.length, 2);
    assert.equal(keys[0], "alice");
    assert.ok(!JSON.stringify(body).includes("k-alice") && !JSON.stringify(body).includes("k-bob"));
  });
});

describe("a budget never cuts a running stream", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ config: { budgets: ["0.0001/day"] } });
  });
  after(() => h.close());

  test("a stream that started before the budget was spent runs to its end; the next request is refused", async () => {
    const release = h.fake.holdStreams();
    const stream = await fetch(`${h.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "claude-sonnet-4.6", stream: true, max_tokens: 50, messages: [{ role: "user", content: "a long one [[chunks:20]]" }] }),
    });
    assert.equal(stream.status, 200);
    const reader = stream.body!.getReader();
    const first = await reader.read();
    assert.ok(!first.done, "the stream has begun");
    // Meanwhile a whole answer spends the day's budget.
    const spent = await fetch(`${h.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "spend it" }] }),
    });
    assert.equal(spent.status, 200);
    await spent.text();
    const refused = await fetch(`${h.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "one more" }] }),
    });
    assert.equal(refused.status, 429);
    await refused.text();
    release();
    let text = new TextDecoder().decode(first.value);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    assert.match(text, /event: message_stop/);
    assert.doesNotMatch(text, /event: error/);
    assert.equal((text.match(/"text_delta"/g) ?? []).length, 20);
  });
});

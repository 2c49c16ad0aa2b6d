import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/server.js";
import { createLogger } from "../../src/log.js";
import { MemoryResponseStore } from "../../src/responses-state/memory-response-store.js";
import { RedisResponseStore } from "../../src/responses-state/redis-response-store.js";
import { RedisLink } from "../../src/shared-state/redis-link.js";
import { captureLogger, type Harness, startHarness } from "../helpers/harness.js";
import { startRedis, type StoreServer } from "../helpers/stores.js";

/** Resolves when this instance's link to Redis is next up (or down). */
const redisTurns = (h: Harness, up: boolean) =>
  h.runtime.redis?.up === up ? Promise.resolve() : new Promise<void>((resolve) => h.runtime.redis!.onChange((now) => now === up && resolve()));

const chat = (url: string, key?: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] }),
  });

describe("two instances sharing a real Redis", () => {
  let fake: FakeUpstream;
  let redis: StoreServer;
  before(async () => {
    fake = await startFakeUpstream();
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
    await fake?.close();
  });

  test("--rate-limit holds across both instances; killing Redis mid-traffic degrades to per-instance limits, with one warning", { timeout: 60_000 }, async () => {
    // A Redis of its own: this test kills it.
    const doomed = await startRedis();
    const config = { rateLimitSeconds: 3600, redisUrl: doomed.url };
    const a = await startHarness({ upstream: fake, config });
    const b = await startHarness({ upstream: fake, config });
    try {
      assert.equal(a.runtime.redis?.up, true);
      const healthy = await fetch(`${a.url}/health`);
      assert.equal(healthy.status, 200);
      assert.deepEqual(((await healthy.json()) as { stores: unknown }).stores, { redis: "ok" });
      const first = await chat(a.url);
      assert.equal(first.status, 200, await first.text());
      const second = await chat(b.url);
      assert.equal(second.status, 429, "the other instance sees the slot taken");
      assert.ok(Number(second.headers.get("retry-after")) > 3500);
      assert.match(await second.text(), /rate limited to one upstream request every 3600 s/);
      const again = await chat(a.url);
      assert.equal(again.status, 429);
      await again.text();

      await doomed.kill();
      // Requests in flight while Redis dies, and after: none is lost or refused for it. Each
      // instance now has its own limiter: its first request passes, the next is limited.
      const during = await Promise.all([chat(a.url), chat(b.url)]);
      for (const r of during) {
        assert.ok(r.status === 200 || r.status === 429, `status ${r.status}`);
        await r.text();
      }
      const lines = (h: Harness) => h.logs.filter((l) => /Redis unreachable/.test(l));
      assert.equal(lines(a).length, 1, a.logs.join("\n"));
      assert.equal(lines(b).length, 1);
      assert.equal(a.runtime.redis?.up, false);
      const okCount = during.filter((r) => r.status === 200).length;
      assert.equal(okCount, 2, "each instance admits one request under its own limit");
      const health = await fetch(`${b.url}/health`);
      assert.equal(health.status, 503, "readiness fails while a store is down");
      const body = (await health.json()) as { problem: string; stores: { redis: string } };
      assert.equal(body.problem, "store_down");
      assert.match(body.stores.redis, /^down: /);
      const limited = await chat(a.url);
      assert.equal(limited.status, 429, "the per-instance limit holds");
      await limited.text();
    } finally {
      await a.close();
      await b.close();
      await doomed.stop();
    }
  });

  test("a stored response is found on the other instance (previous_response_id, GET, DELETE)", { timeout: 60_000 }, async () => {
    const config = { redisUrl: redis.url };
    const a = await startHarness({ upstream: fake, config });
    const b = await startHarness({ upstream: fake, config });
    try {
      const res = await fetch(`${a.url}/v1/responses`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4.1", input: "remember 42", store: true }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      const { id } = (await res.json()) as { id: string };
      await (a.runtime.responseStore as RedisResponseStore).idle();
      const got = await fetch(`${b.url}/v1/responses/${id}`);
      assert.equal(got.status, 200, await got.clone().text());
      assert.equal(((await got.json()) as { id: string }).id, id);
      const next = await fetch(`${b.url}/v1/responses`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4.1", input: "what number?", previous_response_id: id, store: false }),
      });
      assert.equal(next.status, 200, await next.text());
      const sent = fake.calls.filter((c) => c.method === "POST").at(-1)!;
      assert.ok(sent.rawBody.includes("remember 42"), "instance b sent the conversation stored by instance a");
      assert.equal((await fetch(`${b.url}/v1/responses/${id}`, { method: "DELETE" })).status, 200);
      const gone = await fetch(`${a.url}/v1/responses/${id}`);
      assert.equal(gone.status, 404, "deleted everywhere");
      assert.match(await gone.text(), /keeps responses in Redis for 60 minutes after their last use, at most 1000 responses and 64 MiB for all instances together/);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("killing Redis mid-traffic loses no request: streams in flight finish, new requests are served", { timeout: 60_000 }, async () => {
    const doomed = await startRedis();
    // Budgets and stored responses both go through Redis on every request here.
    const config = { redisUrl: doomed.url, budgets: ["1000/day"] };
    const a = await startHarness({ upstream: fake, config });
    const b = await startHarness({ upstream: fake, config });
    const release = fake.holdStreams();
    try {
      const streams = await Promise.all(
        [a, b, a, b].map((h) =>
          fetch(`${h.url}/v1/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ model: "gpt-4.1", stream: true, messages: [{ role: "user", content: "a long one [[chunks:10]]" }] }),
          }),
        ),
      );
      const readers = streams.map((r) => {
        assert.equal(r.status, 200);
        return r.body!.getReader();
      });
      for (const reader of readers) assert.equal((await reader.read()).done, false, "each stream has begun");
      await doomed.kill();
      const fresh = await Promise.all([a, b, a, b].map((h) => chat(h.url)));
      release();
      for (const reader of readers) {
        let text = "";
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        assert.match(text, /data: \[DONE\]/, "the stream ran to its end");
      }
      for (const r of fresh) assert.equal(r.status, 200, await r.text());
      for (const h of [a, b]) assert.equal(h.logs.filter((l) => /Redis unreachable/.test(l)).length, 1, "one warning per instance");
    } finally {
      release();
      await a.close();
      await b.close();
      await doomed.stop();
    }
  });

  test("the shared response store keeps its count and byte limits across instances", { timeout: 30_000 }, async () => {
    const limits = { maxResponses: 2, maxBytes: 1_000, ttlMs: 60_000 };
    const links = await Promise.all([RedisLink.open(redis.url, createLogger()), RedisLink.open(redis.url, createLogger())]);
    try {
      // Two instances' stores on one Redis, under a prefix of their own for this test.
      const [one, two] = links.map((l) => new RedisResponseStore(Object.assign(l, { prefix: "limits-test:" }), new MemoryResponseStore(limits)));
      const record = (id: string, text = "x") => ({ id, response: { id, output: [{ id: `msg_${id}`, type: "message", content: text }] }, input: [] });
      one!.put(record("r1"));
      await one!.idle();
      two!.put(record("r2"));
      await two!.idle();
      one!.put(record("r3"));
      await one!.idle();
      assert.equal(await two!.get("r1"), undefined, "the least recently used went first");
      assert.equal((await two!.get("r3"))?.id, "r3");
      assert.deepEqual(await two!.item("msg_r2"), { id: "msg_r2", type: "message", content: "x" });
      // A record larger than the byte budget is not shared; one that fills it pushes the others out.
      two!.put(record("big", "y".repeat(2_000)));
      await two!.idle();
      assert.equal(await one!.get("big"), undefined);
      one!.put(record("r4", "z".repeat(850)));
      await one!.idle();
      assert.equal(await two!.get("r2"), undefined);
      assert.equal(await two!.get("r3"), undefined);
      assert.equal((await two!.get("r4"))?.id, "r4");
      assert.equal(await two!.delete("r4"), true);
      assert.equal(await one!.get("r4"), undefined);
    } finally {
      await Promise.all(links.map((l) => l.close()));
    }
  });

  test("a stored response's items live as long as it does: reading it renews them", { timeout: 30_000 }, async () => {
    const link = await RedisLink.open(redis.url, createLogger());
    try {
      const store = new RedisResponseStore(Object.assign(link, { prefix: "items-test:" }), new MemoryResponseStore({ maxResponses: 10, maxBytes: 100_000, ttlMs: 60_000 }));
      store.put({ id: "r1", response: { id: "r1", output: [{ id: "msg_1", type: "message" }] }, input: [{ id: "in_1", type: "message" }] });
      await store.idle();
      const keys = ["record:r1", "item:msg_1", "item:in_1"].map((k) => `items-test:responses:${k}`);
      // As if most of the hour had gone by: the record and its items are about to expire.
      await link.run((c) => c.multi().pexpire(keys[0]!, 1000).pexpire(keys[1]!, 1000).pexpire(keys[2]!, 1000).exec());
      assert.equal((await store.get("r1"))?.id, "r1");
      await store.idle();
      for (const key of keys) assert.ok(Number(await link.run((c) => c.pttl(key))) > 30_000, `${key} renewed`);
      assert.deepEqual(await store.item("in_1"), { id: "in_1", type: "message" });
    } finally {
      await link.close();
    }
  });

  test("a command Redis refuses falls back for that call only: the link stays up, with one warning", { timeout: 30_000 }, async () => {
    const lines: string[] = [];
    const link = await RedisLink.open(redis.url, captureLogger(lines));
    try {
      await link.run((c) => c.set("refusal-test", "x"));
      // WRONGTYPE: Redis answers, and the connection is fine (as with an out-of-memory refusal).
      assert.equal(await link.run((c) => c.lpush("refusal-test", "y")), undefined);
      assert.equal(await link.run((c) => c.lpush("refusal-test", "y")), undefined);
      assert.equal(link.up, true, "no outage: nothing would ever bring the link back up");
      assert.equal(await link.run((c) => c.get("refusal-test")), "x");
      assert.equal(lines.filter((l) => /Redis refused a command \(WRONGTYPE/.test(l)).length, 1, lines.join("\n"));
      assert.equal(lines.filter((l) => /unreachable/.test(l)).length, 0);
    } finally {
      await link.close();
    }
  });

  test("a Redis that stops answering holds no request: it counts as down after the command timeout, and as back once it answers", { timeout: 30_000 }, async () => {
    const paused = await startRedis();
    const h = await startHarness({ upstream: fake, config: { redisUrl: paused.url, budgets: ["1000/day"], rateLimitSeconds: 1 } });
    let resume = () => {};
    try {
      resume = await paused.pause();
      // Budgets and the rate limit both ask Redis first; neither may wait for it for ever.
      const res = await Promise.race([chat(h.url), new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the request hangs")), 20_000).unref())]);
      assert.equal(res.status, 200, await res.text());
      assert.equal(h.runtime.redis?.up, false);
      assert.equal(h.logs.filter((l) => /Redis unreachable \(Command timed out\)/.test(l)).length, 1, h.logs.join("\n"));
      const back = redisTurns(h, true);
      resume();
      await back;
      assert.equal(h.logs.filter((l) => /Redis is back/.test(l)).length, 1);
    } finally {
      resume();
      await h.close();
      await paused.stop();
    }
  });

  test("spend counted while Redis was away joins the shared totals once it is back, a Redis restarted empty included", { timeout: 60_000 }, async () => {
    let r = await startRedis();
    const config = {
      redisUrl: r.url,
      apiKeys: [
        { key: "alice-key-0123456789", name: "alice", budget: "0.000001/day" },
        { key: "carol-key-0123456789", name: "carol", budget: "0.000001/day" },
      ],
    };
    const a = await startHarness({ upstream: fake, config });
    const b = await startHarness({ upstream: fake, config });
    try {
      const down = Promise.all([redisTurns(a, false), redisTurns(b, false)]);
      await r.kill();
      await down;
      const spent = await chat(a.url, "alice-key-0123456789");
      assert.equal(spent.status, 200, await spent.text());
      await a.runtime.budgets.idle();
      const back = Promise.all([redisTurns(a, true), redisTurns(b, true)]);
      r = await startRedis(r.port); // empty: it kept nothing on disk
      await back;
      await a.runtime.budgets.idle();
      const refused = await chat(b.url, "alice-key-0123456789");
      assert.equal(refused.status, 429, "the other instance sees what was spent while Redis was away");
      assert.match(await refused.text(), /"budget_exceeded"/);

      // Gemini's (and Ollama's) routes read the shared totals before checking, as the others do.
      const carol = await chat(a.url, "carol-key-0123456789");
      assert.equal(carol.status, 200, await carol.text());
      await a.runtime.budgets.idle();
      // The other instance's /usage (the dashboard's spend per person) shows it too.
      const usage = (await (await fetch(`${b.url}/usage`, { headers: { authorization: "Bearer alice-key-0123456789" } })).json()) as { budgets: { scope: string; state: string }[] };
      assert.equal(usage.budgets.find((x) => x.scope === "key:carol")?.state, "exceeded");
      const gemini = await fetch(`${b.url}/v1beta/models/gpt-4.1:generateContent`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-goog-api-key": "carol-key-0123456789" },
        body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
      });
      assert.equal(gemini.status, 429, "spent on the other instance");
      assert.match(await gemini.text(), /carol/);
    } finally {
      await a.close();
      await b.close();
      await r.stop();
    }
  });

  test("an instance whose Redis is unreachable at start serves anyway, says so once, and fails readiness", { timeout: 30_000 }, async () => {
    const gone = await startRedis();
    await gone.stop();
    const h = await startHarness({ upstream: fake, config: { redisUrl: gone.url, rateLimitSeconds: 3600 } });
    try {
      assert.equal(h.logs.filter((l) => /Redis unreachable at start/.test(l)).length, 1);
      const first = await chat(h.url);
      assert.equal(first.status, 200, await first.text());
      const second = await chat(h.url);
      assert.equal(second.status, 429, "the instance's own limiter holds");
      await second.text();
      assert.equal((await fetch(`${h.url}/health`)).status, 503);
    } finally {
      await h.close();
    }
  });
});

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/server.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { startRedis, type StoreServer } from "../helpers/stores.js";

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
    const config = { rateLimitSeconds: 3600, redisUrl: redis.url };
    const a = await startHarness({ upstream: fake, config });
    const b = await startHarness({ upstream: fake, config });
    try {
      assert.equal(a.runtime.redis?.up, true);
      const first = await chat(a.url);
      assert.equal(first.status, 200, await first.text());
      const second = await chat(b.url);
      assert.equal(second.status, 429, "the other instance sees the slot taken");
      assert.ok(Number(second.headers.get("retry-after")) > 3500);
      assert.match(await second.text(), /rate limited to one upstream request every 3600 s/);
      const again = await chat(a.url);
      assert.equal(again.status, 429);
      await again.text();

      await redis.kill();
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
      const limited = await chat(a.url);
      assert.equal(limited.status, 429, "the per-instance limit holds");
      await limited.text();
    } finally {
      await a.close();
      await b.close();
    }
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { QuotaSource, quotaReport } from "../../src/observability/quota-source.js";
import type { CopilotUser } from "../../src/upstream/github.js";

const user = (remaining: number): CopilotUser => ({
  login: "octo",
  copilot_plan: "individual",
  quota_reset_date_utc: "2026-12-01T00:00:00.000Z",
  endpoints: { api: "https://secret.example" },
  organization_list: [{ login: "org" }],
  quota_snapshots: {
    premium_interactions: { entitlement: 300, remaining, percent_remaining: (remaining / 300) * 100, unlimited: false, overage_count: 2 },
    chat: { entitlement: 0, remaining: 0, percent_remaining: 100, unlimited: true, has_quota: false },
  },
});

describe("QuotaSource", () => {
  test("keeps only the quota fields, passes negative percentages and has_quota through", () => {
    const r = quotaReport(user(-12), 0);
    assert.deepEqual(Object.keys(r).sort(), ["chat", "completions", "fetchedAt", "login", "plan", "premium_interactions", "resetDate", "sku"]);
    assert.equal(r.premium_interactions?.remaining, -12);
    assert.equal(r.premium_interactions?.percent_remaining, -4);
    assert.equal(r.premium_interactions?.overage_count, 2);
    assert.equal(r.chat?.has_quota, false);
    assert.equal(r.completions, null);
    assert.ok(!JSON.stringify(r).includes("secret.example"));
  });

  test("caches by the wall clock for the TTL and shares one call between concurrent callers", async () => {
    let clock = 1_000_000;
    let calls = 0;
    const source = new QuotaSource(async () => user(100 - calls++), { ttlMs: 60_000, now: () => clock });
    const [a, b] = await Promise.all([source.get(), source.get()]);
    assert.equal(calls, 1);
    assert.deepEqual(a, b);
    clock += 59_999;
    await source.get();
    assert.equal(calls, 1);
    clock += 1;
    const c = await source.get();
    assert.equal(calls, 2);
    assert.equal(c.quota?.premium_interactions?.remaining, 99);
  });

  test("a failure is an answer with quotaError, kept only for the short error TTL", async () => {
    let clock = 0;
    let fail = true;
    const source = new QuotaSource(
      async () => {
        if (fail) throw new Error("GitHub is down");
        return user(5);
      },
      { errorTtlMs: 10_000, now: () => clock },
    );
    assert.deepEqual(await source.get(), { quota: null, quotaError: "GitHub is down" });
    fail = false;
    clock += 9_999;
    assert.equal((await source.get()).quota, null);
    clock += 1;
    assert.equal((await source.get()).quota?.premium_interactions?.remaining, 5);
  });

  test("without a way to read the quota, says so", async () => {
    const r = await new QuotaSource(undefined).get();
    assert.equal(r.quota, null);
    assert.ok("quotaError" in r && r.quotaError.length > 0);
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatUsage } from "../../src/usage/format-usage.js";

describe("formatUsage", () => {
  test("a readable table with bars, unlimited, overdrawn and pooled-exhausted quotas", () => {
    const text = formatUsage({
      copilot_plan: "business",
      access_type_sku: "copilot_for_business_seat",
      quota_reset_date_utc: "2026-12-01T00:00:00.000Z",
      quota_snapshots: {
        premium_interactions: { entitlement: 300, remaining: -12, percent_remaining: -4, unlimited: false, overage_count: 12 },
        chat: { entitlement: 0, remaining: 0, percent_remaining: 100, unlimited: true },
        completions: { entitlement: 0, remaining: 0, percent_remaining: 100, unlimited: true, has_quota: false },
      },
    });
    const lines = text.split("\n");
    assert.equal(lines[0], "Plan:        business (copilot_for_business_seat)");
    assert.equal(lines[1], "Resets on:   2026-12-01T00:00:00.000Z");
    assert.equal(lines[3], `Premium      [${"#".repeat(20)}] 312/300 used, overdrawn by 12 (-4.0% remaining, 12 overage)`);
    assert.equal(lines[4], `Chat         [${"~".repeat(20)}] unlimited`);
    assert.equal(lines[5], `Completions  [${"!".repeat(20)}] pooled quota used up`);
  });

  test("partly used quota fills the used share of the bar", () => {
    const text = formatUsage({ quota_snapshots: { premium_interactions: { entitlement: 300, remaining: 120, percent_remaining: 40, unlimited: false } } });
    assert.match(text, /^Premium {6}\[#{12}\.{8}\] 180\/300 used, 120 left \(40\.0% remaining\)$/m);
  });

  test("says so when nothing is returned", () => {
    assert.match(formatUsage({}), /No quota information returned\./);
  });
});

import type { CopilotUser, QuotaSnapshot } from "../upstream/github.js";

const NAMES: Record<string, string> = {
  premium_interactions: "Premium",
  chat: "Chat",
  completions: "Completions",
};

const BAR_WIDTH = 20;
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** The used part of the quota, filled with `#`; clamped, since percent_remaining goes below 0 when overdrawn. */
function bar(usedFraction: number, fill = "#"): string {
  const used = Math.min(1, Math.max(0, usedFraction));
  const filled = Math.round(used * BAR_WIDTH);
  return `[${fill.repeat(filled)}${".".repeat(BAR_WIDTH - filled)}]`;
}

function line(name: string, q: QuotaSnapshot): string {
  const label = name.padEnd(12);
  // Pooled enterprise entitlements read unlimited:true with has_quota:false once used up (copilot-upstream.md 9).
  if (q.unlimited && q.has_quota === false) return `${label} ${bar(1, "!")} pooled quota used up`;
  if (q.unlimited) return `${label} ${bar(0, "~").replace(/\./g, "~")} unlimited`;
  const entitlement = num(q.entitlement);
  const remaining = num(q.remaining);
  const pct = num(q.percent_remaining);
  const used = entitlement - remaining;
  const left = remaining < 0 ? `overdrawn by ${-remaining}` : `${remaining} left`;
  const overage = num(q.overage_count) > 0 ? `, ${num(q.overage_count)} overage` : "";
  return `${label} ${bar(1 - pct / 100)} ${used}/${entitlement} used, ${left} (${pct.toFixed(1)}% remaining${overage})`;
}

/** The quota snapshot as a small terminal table with bars. `percent_remaining` can be negative when overdrawn. */
export function formatUsage(user: CopilotUser): string {
  const out = [
    `Plan:        ${user.copilot_plan ?? "unknown"}${user.access_type_sku ? ` (${user.access_type_sku})` : ""}`,
    `Resets on:   ${user.quota_reset_date_utc ?? user.quota_reset_date ?? "unknown"}`,
    "",
  ];
  const snaps = user.quota_snapshots ?? {};
  for (const key of ["premium_interactions", "chat", "completions"] as const) {
    const q = snaps[key];
    if (q) out.push(line(NAMES[key] ?? key, q));
  }
  if (out.length === 3) out.push("No quota information returned.");
  return out.join("\n");
}
